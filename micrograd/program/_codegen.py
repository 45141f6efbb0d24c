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


#: operations whose result is one node reading its operands directly (in the reference), so calling
#: that node's ``_backward`` alone applies the whole rule
_ONE_NODE = ("add", "mul", "pow", "relu", "tanh", "exp", "log")


def to_python(
    program: Program,
    *,
    import_line: str = "from micrograd.engine import Value",
    show: Sequence[int] | None = None,
) -> str:
    """A snippet that builds ``program`` with Value, runs its backward passes, and prints the
    data and grad of the nodes in ``show`` (default: the leaves).

    A program the kit builds (``build="kit"``) makes its nodes with ``kit_node``; one the kit
    backpropagates (``backward="kit"``) sets the root's grad and calls ``_backward`` directly
    (one operation) or through ``run_backward`` (the kit's traversal), never ``backward()``.
    """
    helpers = []
    if program.build == "kit":
        helpers.append("kit_node")
    direct = program.backward == "kit" and len(program.ops) == 1 and program.ops[0].kind in _ONE_NODE \
        and program.roots == (len(program.leaves),)
    if program.backward == "kit" and not direct:
        helpers.append("run_backward")
    lines = [import_line]
    if helpers:
        lines.append(f"from micrograd.program import {', '.join(helpers)}")
    lines.append("")
    for i, x in enumerate(program.leaves):
        lines.append(f"{node_name(i)} = Value({x!r})")
    for node, op in program.nodes():
        if program.build == "kit":
            operands = ", ".join(_operand(a) for a in op.args)
            lines.append(f"{node_name(node)} = kit_node(Value, {op.kind!r}, {operands})  # {op_expression(op)}")
        else:
            lines.append(f"{node_name(node)} = {op_expression(op)}")
    if program.build == "kit" and program.ops:
        lines.append("# kit_node makes a node with the check's own data and _backward: only your backward() runs")
    for i, grad in enumerate(program.preset):
        lines.append(f"{node_name(i)}.grad = {grad!r}  # a grad already there: _backward must add to it (+=)")
    for k, root in enumerate(program.roots):
        name = node_name(root)
        if program.backward == "student":
            lines.append(f"{name}.backward()")
        elif direct:
            lines.append(f"{name}.grad = {program.seed(k)!r}  # out.grad: the gradient arriving from above")
            lines.append(f"{name}._backward()  # the rule of {node_name(root)}'s operation, on its own")
        else:
            lines.append(f"run_backward({name}, {program.seed(k)!r})  # {name}.grad = {program.seed(k)!r}, then "
                         "every _backward once, root first (not your backward())")
    for node in range(len(program.leaves)) if show is None else show:
        name = node_name(node)
        lines.append(f"print({name!r}, {name}.data, {name}.grad)")
    return "\n".join(lines) + "\n"
