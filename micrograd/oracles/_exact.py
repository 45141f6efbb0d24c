"""The exact oracle: reverse-mode differentiation of a Program in plain Python floats.

It needs nothing beyond the standard library, so the default install judges every property
with it, relu'(0) included (where finite differences see nothing). It is written from the
calculus (the table of operations: each one's forward and local derivatives), not from
``reference/``: every node's value is computed once in order, then for each root the adjoints
flow from the root back to the leaves, each node's local derivatives multiplied by its adjoint.

Rounding: ``+ - *`` are correctly rounded as everywhere; division is ``a / b`` (one rounding,
where the reference computes ``a * b ** -1``); ``tanh``, ``exp``, ``log`` and ``**`` are the C
library's, as in the reference. It agrees with PyTorch and JAX to about 1e-15 relative
(docs/oracles.md), far inside the spec's tolerances.
"""

from __future__ import annotations

import math
from typing import List, Optional, Sequence, Tuple

from micrograd.ops import OPERATIONS
from micrograd.oracles._common import check_roots, engine_failure, with_preset
from micrograd.program import Const, Failure, Op, Outcome, Program

__all__ = ["ExactOracle", "exact_outcome"]


class ExactOracle:
    """Data and grad of every node by reverse mode in Python floats (no dependency at all).

    ``relu'(0) = 0``; a node no root depends on gets grad 0 (plus its ``preset`` for a leaf).
    With ``value_exponents=True``, ``a ** b`` with a node ``b`` is differentiated too
    (``b`` receives ``out * log(a)`` times the adjoint, for ``a > 0``) instead of being the
    TypeError a correct micrograd engine raises.
    """

    name = "exact"

    def __init__(self, value_exponents: bool = False) -> None:
        if not isinstance(value_exponents, bool):
            raise ValueError(f"value_exponents must be True or False, got {value_exponents!r}")
        self.value_exponents = value_exponents

    def evaluate(self, program: Program) -> Outcome:
        return exact_outcome(program, value_exponents=self.value_exponents)


def exact_outcome(program: Program, *, value_exponents: bool = False) -> Outcome:
    """The Outcome a correct engine gives on ``program`` (see :class:`ExactOracle`)."""
    check_roots(program)
    if value_exponents and program.uses_value_exponent():
        failure = _forward_failure(program)
    else:
        failure = engine_failure(program)
    if failure is not None:
        return Outcome(error=failure)
    values = _forward(program)
    grad = [0.0] * program.size
    first_op = len(program.leaves)
    for k, root in enumerate(program.roots):
        adjoint = [0.0] * program.size
        adjoint[root] = program.seed(k)
        for node in range(root, first_op - 1, -1):
            upstream = adjoint[node]
            if upstream == 0.0 or node < first_op:
                continue
            op = program.ops[node - first_op]
            for ref, local in _locals(op, values, node):
                adjoint[ref] += local * upstream
        for node in range(program.size):
            if node == root:
                grad[node] = adjoint[node]
            else:
                grad[node] += adjoint[node]
    data = tuple(values)
    return Outcome(data=data, grad=with_preset(program, grad), initial_grad=(0.0,) * program.size)


def _operands(op: Op, values: Sequence[float]) -> List[float]:
    return [float(arg.value) if isinstance(arg, Const) else values[arg] for arg in op.args]


def _value(op: Op, args: Sequence[float]) -> float:
    return float(OPERATIONS[op.kind].forward(*args))


def _forward(program: Program) -> List[float]:
    values = [float(x) for x in program.leaves]
    for _, op in program.nodes():
        values.append(_value(op, _operands(op, values)))
    return values


def _forward_failure(program: Program) -> Optional[Failure]:
    """Where a forward pass with differentiated Value exponents leaves the reals, or None."""
    values = [float(x) for x in program.leaves]
    for node, op in program.nodes():
        args = _operands(op, values)
        try:
            result = OPERATIONS[op.kind].forward(*args)
        except (ArithmeticError, ValueError) as error:
            return Failure(type(error).__name__, str(error), "build", node)
        if isinstance(result, complex) or not math.isfinite(result):
            return Failure("ValueError", f"node {node} ({op.kind}) is {result}", "build", node)
        if any(not isinstance(op.args[i], Const) for i in OPERATIONS[op.kind].numbers) and args[0] <= 0:
            return Failure("ValueError", f"a ** b with a node b needs a > 0, got {args[0]}", "build", node)
        values.append(float(result))
    return None


def _locals(op: Op, values: Sequence[float], node: int) -> List[Tuple[int, float]]:
    """(operand node, d op / d operand) for every node operand of ``op``."""
    args = _operands(op, values)
    derivatives = OPERATIONS[op.kind].derivatives
    return [(arg, float(derivatives[i](*args, values[node]))) for i, arg in enumerate(op.args)
            if not isinstance(arg, Const)]
