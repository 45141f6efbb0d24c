"""How a verdict names the parts of a program to a student: methods, statements, exercises, numbers."""

from __future__ import annotations

from typing import Optional, Sequence, Tuple

from micrograd.ops import OPERATIONS, exercise_of
from micrograd.program import Failure, Op, Program, node_name, op_expression, to_python

__all__ = ["code", "exercise_of_op", "fmt", "method", "method_name", "name", "op_at", "pair", "statement", "where"]


def method_name(op: Op) -> str:
    """The Value method that computing ``op`` calls first: ``Value.__mul__``, ``Value.__rsub__``, ``Value.relu``."""
    operation = OPERATIONS[op.kind]
    return f"Value.{operation.reflected if op.reflected else operation.method}"


def exercise_of_op(op: Op) -> str:
    """The exercise whose method computing ``op`` calls first (reflected operators have their own)."""
    return exercise_of(op.kind, reflected=op.reflected)


def op_at(program: Program, node: Optional[int]) -> Optional[Op]:
    """The operation of ``node``, or None for a leaf (or no node)."""
    if node is None or not len(program.leaves) <= node < program.size:
        return None
    return program.ops[node - len(program.leaves)]


def statement(program: Program, node: Optional[int]) -> str:
    """``c = a * b`` for an operation node, ``Value(1.5)`` for a leaf."""
    op = op_at(program, node)
    if op is None or node is None:
        return f"Value({program.leaves[node]!r})" if node is not None and 0 <= node < len(program.leaves) else "?"
    return f"{node_name(node)} = {op_expression(op)}"


def method(op: Optional[Op]) -> str:
    return method_name(op) if op is not None else "Value"


def name(node: Optional[int]) -> str:
    return "?" if node is None else node_name(node)


def where(program: Program, error: Failure) -> str:
    """Where in ``program`` a failure happened, in words: ``while computing c = a * b``."""
    if error.phase == "build":
        return f"while computing {statement(program, error.node)}"
    if error.phase == "backward":
        return f"in {name(error.node)}.backward()"
    if error.phase == "rule":
        return f"in the _backward of {name(error.node)}"
    return f"while reading the results ({error.phase})"


def code(program: Program, nodes: Sequence[Optional[int]]) -> str:
    """The runnable snippet, printing the leaves and ``nodes`` (only nodes that exist when it runs).

    A program with its own ``runnable_code(show)`` (a long chain printed as a loop) uses it.
    """
    custom = getattr(program, "runnable_code", None)
    if callable(custom):
        return str(custom([n for n in nodes if n is not None]))
    show = sorted({*range(len(program.leaves)), *(n for n in nodes if n is not None and 0 <= n < program.size)})
    return to_python(program, show=show)


def fmt(x: Optional[float], other: Optional[float] = None) -> str:
    """``x`` with as few significant digits (at least 6) as tell it apart from ``other``."""
    if x is None:
        return "unknown"
    if isinstance(x, int) and not isinstance(x, bool):
        return str(x)
    for digits in range(6, 18):
        text = f"{x:.{digits}g}"
        if other is None or other == x or text != f"{other:.{digits}g}":
            return text
    return repr(x)


def pair(expected: Optional[float], got: Optional[float]) -> Tuple[str, str]:
    """Expected and got, each with the digits that tell it from the other."""
    return fmt(expected, got), fmt(got, expected)
