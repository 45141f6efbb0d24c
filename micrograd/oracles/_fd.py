"""The finite-difference oracle: plain Python floats, no autograd at all.

The gradient of node j is the derivative of ``S = sum of the roots`` with respect to an
amount added to node j right after it is computed (``float_forward(perturb={j: h})``),
estimated by central differences with Richardson extrapolation::

    D(h) = (S(+h) - S(-h)) / 2h            error  h**2 S'''/6 + O(h**4)
    R(h) = (4 D(h/2) - D(h)) / 3           error  -h**4 S^(5)/480 + O(h**6)

``R(h/2)`` is returned when ``|R(h/2) - R(h)| <= TOLERANCE * max(1, |R(h/2)|)``; its own
truncation error is then about 1/15 of that difference, below 1e-7 relative. The first
step is ``h = STEP * max(1, |node_j|)`` with ``STEP = 1e-3``; if the two estimates
disagree (a steep function: log, x ** -k or exp near their steep parts) or a perturbed
evaluation fails (see FiniteDifferences), h is divided by 10, up to REFINEMENTS times,
and the gradient is None (unknown) if no step succeeds. Rounding error is about
``3 * u * |S| / h`` with ``u = 1.1e-16``: 3e-13 * |S| at the first step, 3e-10 * |S| at
the last, where |S| stands for the size of the numbers summed along the way.
"""

from __future__ import annotations

import math
from typing import List, Optional, Tuple

from micrograd.ops import OPERATIONS
from micrograd.oracles._common import check_roots, engine_failure, reaches_root, with_preset
from micrograd.program import Outcome, Program, float_forward

__all__ = ["FiniteDifferences"]

#: the first relative step h / max(1, |node|)
STEP = 1e-3
#: accept an estimate when two Richardson steps agree to this, relative to max(1, |estimate|)
TOLERANCE = 1e-6
#: how many times the step is divided by 10 before the estimate is declared unknown
REFINEMENTS = 3
#: above this many nodes only leaves get an estimate (it costs O(size) evaluations of O(size) each)
MAX_NODES_FOR_ALL = 200


class _UnknownError(Exception):
    """An evaluation left the domain or crossed a relu kink: the derivative is not estimated."""


class FiniteDifferences:
    """Data from plain floats and grads by Richardson-extrapolated central differences.

    A gradient is ``None`` (unknown) when, even with the smallest step, a perturbed
    evaluation raises (leaves the domain), is not finite, or moves the input of an operation
    across one of its kinks (relu at 0 is not differentiable; micrograd's relu'(0) = 0 is a
    convention FD cannot see), or when the extrapolated estimates do not settle.
    Nodes no root depends on get exactly 0.0. Programs with more than ``max_nodes``
    nodes get estimates for leaves only (None for the other nodes).
    """

    name = "fd"

    def __init__(self, step: float = STEP, max_nodes: int = MAX_NODES_FOR_ALL) -> None:
        if not (isinstance(step, float) and 0.0 < step < 1.0):
            raise ValueError(f"step must be a float in (0, 1), got {step!r}")
        if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 0:
            raise ValueError(f"max_nodes must be an int >= 0, got {max_nodes!r}")
        self.step = step
        self.max_nodes = max_nodes
        self.tolerance = TOLERANCE
        self.refinements = REFINEMENTS

    def evaluate(self, program: Program) -> Outcome:
        check_roots(program)
        failure = engine_failure(program)
        if failure is not None:
            return Outcome(error=failure)
        data = float_forward(program)
        reach = reaches_root(program)
        kinked = _kinked_inputs(program)
        sides = tuple(data[i] > kink for i, kink in kinked)
        all_nodes = program.size <= self.max_nodes
        grad: List[Optional[float]] = []
        for node in range(program.size):
            if not reach[node]:
                grad.append(0.0)
            elif node < len(program.leaves) or all_nodes:
                grad.append(self._derivative(program, node, data[node], kinked, sides))
            else:
                grad.append(None)
        return Outcome(data=tuple(data), grad=with_preset(program, grad), initial_grad=(0.0,) * program.size)

    def _derivative(
        self, program: Program, node: int, value: float, kinked: Tuple[Tuple[int, float], ...],
        sides: Tuple[bool, ...]
    ) -> Optional[float]:
        if not math.isfinite(value):
            return None
        h = self.step * max(1.0, abs(value))

        def total(delta: float) -> float:
            try:
                values = float_forward(program, perturb={node: delta})
            except (ArithmeticError, ValueError) as error:
                raise _UnknownError from error
            if tuple(values[i] > kink for i, kink in kinked) != sides:
                raise _UnknownError
            result = math.fsum(program.seed(k) * values[r] for k, r in enumerate(program.roots))
            if not math.isfinite(result):
                raise _UnknownError
            return result

        for _ in range(self.refinements + 1):
            try:
                wide, middle, narrow = ((total(d) - total(-d)) / (2 * d) for d in (h, h / 2, h / 4))
            except _UnknownError:
                h /= 10
                continue
            coarse = (4 * middle - wide) / 3  # Richardson: error O(h**4)
            fine = (4 * narrow - middle) / 3  # about 16 times smaller
            if abs(fine - coarse) <= self.tolerance * max(1.0, abs(fine)):
                return fine
            h /= 10
        return None


def _kinked_inputs(program: Program) -> Tuple[Tuple[int, float], ...]:
    """(node, kink) for every node read by an operation that has a kink there (relu at 0, see Operation.kinks)."""
    return tuple((op.args[0], kink) for _, op in program.nodes() if isinstance(op.args[0], int)
                 for kink in OPERATIONS[op.kind].kinks)
