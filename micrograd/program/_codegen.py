"""Print a program as a runnable Python snippet that uses ``Value``."""

from __future__ import annotations

import string
from typing import Sequence

from micrograd.program._program import BINARY, Const, Op, Operand, Program

__all__ = ["node_name", "op_expression", "to_python"]


def node_name(index: int) -> str:
    """``a`` ... ``z`` for the first 26 nodes, then ``v26``, ``v27``, ..."""
    return string.ascii_lowercase[index] if index < 26 else f"v{index}"


def _operand(arg: Operand, *, left_of_pow: bool = False) -> str:
    if isinstance(arg, Const):
        text = repr(arg.value)
        return f"({text})" if left_of_pow and arg.value < 0 else text
    return node_name(arg)


def op_expression(op: Op) -> str:
    """The Python expression of one operation: ``a * b``, ``2.0 - c``, ``d.relu()``."""
    if op.kind in BINARY:
        lhs, rhs = op.args
        return f"{_operand(lhs, left_of_pow=op.kind == 'pow')} {BINARY[op.kind]} {_operand(rhs)}"
    (arg,) = op.args
    if op.kind == "neg":
        return f"-{_operand(arg)}"
    return f"{_operand(arg)}.{op.kind}()"


def to_python(
    program: Program,
    *,
    import_line: str = "from micrograd.engine import Value",
    show: Sequence[int] | None = None,
) -> str:
    """A snippet that builds ``program`` with Value, calls backward() on its roots, and
    prints the data and grad of the nodes in ``show`` (default: the leaves)."""
    lines = [import_line, ""]
    for i, x in enumerate(program.leaves):
        lines.append(f"{node_name(i)} = Value({x!r})")
    for node, op in program.nodes():
        lines.append(f"{node_name(node)} = {op_expression(op)}")
    for root in program.roots:
        lines.append(f"{node_name(root)}.backward()")
    for node in range(len(program.leaves)) if show is None else show:
        name = node_name(node)
        lines.append(f"print({name!r}, {name}.data, {name}.grad)")
    return "\n".join(lines) + "\n"
