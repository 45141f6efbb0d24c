"""Building programs op by op, keeping only operations whose values every evaluator agrees on.

Python raises (ZeroDivisionError, ValueError, OverflowError) or returns a complex number
where PyTorch and JAX return inf or NaN, and finite differences need distance from
kinks and poles. So each drawn operation is computed with :func:`float_forward` and kept
only when it is *safe*: finite, at most :data:`BOUND` in size, and at least :data:`GAP`
away from every singularity and kink of the operation (its pole, kinks and domain in the
table of operations, :data:`micrograd.ops.OPERATIONS`). An unsafe operation is not
rejected (rejection makes shrinking jumpy): it is retried, deterministically, on other
nodes, and dropped when none fits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

from micrograd.ops import OPERATIONS
from micrograd.program import Const, Op, Operand, Program, float_forward

__all__ = ["BOUND", "GAP", "Builder", "Recipe"]

#: every node's |value| stays at most this: far from overflow, and small enough that
#: float64 rounding (about 1e-16 relative) stays far below the comparison tolerances
BOUND = 1e4
#: distance kept from 0 for log's argument, a divisor, a negative or fractional power's
#: base, and relu's input: log' and 1/x stay below 1/GAP, and a finite-difference step
#: (about 1e-6) cannot cross relu's kink
GAP = 0.1


@dataclass(frozen=True)
class Recipe:
    """One drawn operation, before it is placed: operands are offsets back from the
    newest candidate node (0 = the newest), so shrinking offsets to 0 makes chains and
    ``a + a``. ``second`` is None for "the same node as the first" (reuse)."""

    kind: str
    first: int
    second: Optional[int] = None
    const: Optional[Const] = None
    const_left: bool = False


@dataclass
class Builder:
    """A program under construction, with the plain-float value of every node."""

    leaves: Tuple[float, ...]
    relu_zero: bool = False
    ops: List[Op] = field(default_factory=list)
    values: List[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.values = [float(x) for x in self.leaves]

    @property
    def size(self) -> int:
        return len(self.values)

    def try_op(self, op: Op, *, limit: float = BOUND) -> Optional[int]:
        """Append ``op`` if it is safe (and at most ``limit`` in size); return its node index, else None."""
        value = safe_value(op, self.values, relu_zero=self.relu_zero, limit=limit)
        if value is None:
            return None
        self.ops.append(op)
        self.values.append(value)
        return self.size - 1

    def place(self, recipe: Recipe, candidates: Sequence[int]) -> Optional[int]:
        """Append the recipe's operation on ``candidates`` (oldest first), moving the operand
        that can make it unsafe through the other candidates; None if no placement is safe."""
        n = len(candidates)
        first = candidates[-1 - recipe.first % n]
        operation = OPERATIONS[recipe.kind]
        if operation.arity == 1 or operation.numbers or recipe.const is not None:
            vary = "first"  # the only node operand
        elif recipe.second is None:
            vary = "both"  # a node used twice stays used twice
        else:
            vary = "second" if operation.pole == 1 else "first"  # a divisor decides whether it is defined
        second = first if recipe.second is None else candidates[-1 - recipe.second % n]
        start = candidates.index(first if vary != "second" else second)
        for step in range(n):
            moved = candidates[(start - step) % n]
            a, b = first, second
            if vary in ("first", "both"):
                a = moved
            if vary in ("second", "both"):
                b = moved
            node = self.try_op(_op(recipe, a, b))
            if node is not None:
                return node
        return None

    def program(self, roots: Sequence[int]) -> Program:
        return Program(self.leaves, tuple(self.ops), tuple(roots))


def _op(recipe: Recipe, a: int, b: int) -> Op:
    if OPERATIONS[recipe.kind].arity == 1:
        return Op(recipe.kind, (a,))
    if recipe.const is not None:
        args: Tuple[Operand, Operand] = (recipe.const, a) if recipe.const_left else (a, recipe.const)
        return Op(recipe.kind, args)
    return Op(recipe.kind, (a, b))


def safe_value(op: Op, values: Sequence[float], *, relu_zero: bool = False, limit: float = BOUND) -> Optional[float]:
    """The value of ``op`` over ``values`` if every evaluator agrees on it and its gradient, else None."""
    args = [arg.value if isinstance(arg, Const) else values[arg] for arg in op.args]
    if not _in_domain(op.kind, args, relu_zero=relu_zero):
        return None
    # float_forward is the semantics: run the one operation as a tiny program
    nodes = [i for i in op.args if isinstance(i, int)]
    index = {node: k for k, node in enumerate(dict.fromkeys(nodes))}
    tiny = Op(op.kind, tuple(a if isinstance(a, Const) else index[a] for a in op.args))
    try:
        value = float_forward(Program(tuple(values[n] for n in index), (tiny,)))[-1]
    except (ArithmeticError, ValueError, TypeError):
        return None
    if not math.isfinite(value) or abs(value) > limit:
        return None
    return value


def _in_domain(kind: str, args: Sequence[float], *, relu_zero: bool) -> bool:
    """Whether the table lets strategies draw ``kind`` on ``args``: GAP away from its pole and its kinks (or
    exactly on a kink, for the programs that judge the convention there: ``relu_zero``), inside its domain."""
    operation = OPERATIONS[kind]
    if operation.pole is not None and abs(args[operation.pole]) < GAP:
        return False
    if operation.kinks:
        return all(abs(args[0] - kink) >= GAP for kink in operation.kinks) or (relu_zero and args[0] in operation.kinks)
    return operation.domain(args, GAP, BOUND)
