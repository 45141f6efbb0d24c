"""The PyTorch oracle: float64 tensors, one backward pass on the sum of the roots."""

from __future__ import annotations

from typing import Any, List, Optional, Tuple

from micrograd.ops import OPERATIONS
from micrograd.oracles._common import check_roots, engine_failure, with_preset
from micrograd.program import Const, Outcome, Program

__all__ = ["TorchOracle"]


class TorchOracle:
    """Data and grad of every node from PyTorch autograd (CPU, float64).

    Every node is a 0-d float64 tensor that requires grad (intermediates call
    ``retain_grad()``); one ``backward()`` on the sum of the roots gives, in every
    node's ``.grad``, the sum over roots of d root / d node. Nodes no root depends
    on get 0.0. Each operation is the table's ``torch`` function (``relu`` is ``torch.relu``:
    relu'(0) = 0, as micrograd).
    """

    name = "torch"

    def __init__(self) -> None:
        import torch  # deferred: importing micrograd.oracles must not need torch

        self._torch = torch

    def evaluate(self, program: Program) -> Outcome:
        check_roots(program)
        failure = engine_failure(program)
        if failure is not None:
            return Outcome(error=failure)
        torch = self._torch
        with torch.enable_grad():
            nodes: List[Any] = [torch.tensor(float(x), dtype=torch.float64, requires_grad=True) for x in program.leaves]
            for _, op in program.nodes():
                args = [arg.value if isinstance(arg, Const) else nodes[arg] for arg in op.args]
                out = OPERATIONS[op.kind].torch(torch, *args)  # a number-only operand is a Const here
                out.retain_grad()
                nodes.append(out)
            if program.roots:
                seeds = torch.tensor([program.seed(k) for k in range(len(program.roots))], dtype=torch.float64)
                (torch.stack([nodes[r] for r in program.roots]) * seeds).sum().backward()
        data = tuple(float(v.detach()) for v in nodes)
        grad: Tuple[Optional[float], ...] = tuple(0.0 if v.grad is None else float(v.grad) for v in nodes)
        return Outcome(data=data, grad=with_preset(program, grad), initial_grad=(0.0,) * len(nodes))
