"""Module programs as the kit sees them: a :class:`~micrograd.runner.ModuleRequest` that can also unroll its
first forward pass into a :class:`~micrograd.program.Program`, for the graph oracles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Sequence, Tuple

from micrograd.program._ops import Const, Op, Operand
from micrograd.program._program import Program
from micrograd.runner import ModuleRequest
from micrograd.runner._module_run import chunks, fold

__all__ = ["ModuleProgram"]


@dataclass(frozen=True)
class ModuleProgram(ModuleRequest):
    """Build a module, set its parameters, then run ``actions`` on a batch of inputs (see
    :class:`~micrograd.runner.ModuleRequest`, which is what crosses to an implementation)."""

    def to_program(self) -> Program:
        """The first forward pass and its loss, unrolled into a Program.

        Leaves are the parameters (canonical order) then the inputs, example by example;
        the one root is the loss. Only the computation up to the first ``"forward"``
        action is unrolled (a step depends on gradients, which a Program does not model).
        Use :meth:`output_nodes` and :meth:`loss_node` to read the result.
        """
        return self._unroll()[0]

    def output_nodes(self) -> Tuple[Tuple[int, ...], ...]:
        """The node of every output of :meth:`to_program`, example by example."""
        return self._unroll()[1]

    def loss_node(self) -> int:
        """The node of the loss in :meth:`to_program`."""
        return self._unroll()[0].roots[0]

    def _unroll(self) -> Tuple[Program, Tuple[Tuple[int, ...], ...]]:
        leaves: List[float] = list(self.params) + [v for x in self.inputs for v in x]
        ops: List[Op] = []

        def emit(kind: str, *args: Operand) -> int:
            ops.append(Op(kind, tuple(args)))
            return len(leaves) + len(ops) - 1

        def add(a: int, b: int) -> int:
            return emit("add", a, b)

        param_nodes = chunks(tuple(range(self.n_params)), self.widths)
        outputs: List[Tuple[int, ...]] = []
        for e in range(len(self.inputs)):
            xs: Sequence[int] = range(self.n_params + e * self.nin, self.n_params + (e + 1) * self.nin)
            start = 0
            for nout, nonlin in zip(self.sizes, self.nonlins):
                layer_out = []
                for node_params in param_nodes[start:start + nout]:
                    act = node_params[-1]
                    for w, x in zip(node_params[:-1], xs):
                        act = emit("add", act, emit("mul", w, x))
                    layer_out.append(emit("relu", act) if nonlin else act)
                start += nout
                xs = layer_out
            outputs.append(tuple(xs))
        if self.loss == "svm":
            losses = [emit("relu", emit("add", emit("mul", out[0], Const(-t[0])), Const(1)))
                      for out, t in zip(outputs, self.targets)]
            data = emit("mul", fold(add, losses), Const(1.0 / len(losses)))
            reg = emit("mul", fold(add, [emit("mul", p, p) for p in range(self.n_params)]), Const(self.l2))
            loss = emit("add", data, reg)
        else:
            errors = []
            for out, target in zip(outputs, self.targets):
                for o, t in zip(out, target):
                    diff = emit("add", o, Const(-t))
                    errors.append(emit("mul", diff, diff))
            loss = fold(add, errors)
        return Program(tuple(leaves), tuple(ops), (loss,)), tuple(outputs)

