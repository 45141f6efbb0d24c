"""What every oracle shares: the protocol, the root checks, and the errors a correct engine raises."""

from __future__ import annotations

import math
import operator
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Protocol, Sequence, Tuple, runtime_checkable

from micrograd.program import Const, Failure, Op, Outcome, Program, node_name

__all__ = ["Oracle", "ancestors", "check_roots", "engine_failure", "reaches_root", "with_preset"]


@runtime_checkable
class Oracle(Protocol):
    """Evaluates a program as a correct micrograd engine would: data and grad of every node."""

    name: str

    def evaluate(self, program: Program) -> Outcome: ...


def ancestors(program: Program, node: int) -> FrozenSet[int]:
    """``node`` and every node it reads, directly or not."""
    first_op = len(program.leaves)
    seen = {node}
    stack = [node]
    while stack:
        current = stack.pop()
        if current >= first_op:
            for ref in program.ops[current - first_op].refs:
                if ref not in seen:
                    seen.add(ref)
                    stack.append(ref)
    return frozenset(seen)


def reaches_root(program: Program) -> List[bool]:
    """For every node: does some root depend on it (is it an ancestor of a root, or a root)?"""
    reach = [False] * program.size
    for root in program.roots:
        reach[root] = True
    first_op = len(program.leaves)
    for node in range(program.size - 1, first_op - 1, -1):
        if reach[node]:
            for ref in program.ops[node - first_op].refs:
                reach[ref] = True
    return reach


def with_preset(program: Program, grad: Sequence[Optional[float]]) -> Tuple[Optional[float], ...]:
    """``grad`` with the program's preset leaf grads added (an unknown grad stays unknown)."""
    if not program.preset:
        return tuple(grad)
    return tuple(
        g if g is None or i >= len(program.preset) else g + float(program.preset[i]) for i, g in enumerate(grad)
    )


def check_roots(program: Program) -> None:
    """Raise ValueError unless grad = sum over roots of d root / d node is what an engine computes.

    ``backward()`` sets the root's grad to 1 and re-sends the grads of every node it reaches,
    so the sum holds only when the roots' ancestor sets share nothing but leaves and no root
    is an ancestor of another (nor listed twice).
    """
    if len(program.roots) < 2:
        return
    first_op = len(program.leaves)
    sets = [ancestors(program, root) for root in program.roots]
    for i, (root_i, set_i) in enumerate(zip(program.roots, sets)):
        for root_j, set_j in zip(program.roots[i + 1 :], sets[i + 1 :]):
            if root_i in set_j or root_j in set_i:
                raise ValueError(
                    f"root {node_name(root_i)} (node {root_i}) and root {node_name(root_j)} (node {root_j}): "
                    "one is the other or its ancestor, so micrograd's grads are not the sum over roots; "
                    "oracles need roots whose ancestors share only leaves"
                )
            shared = sorted(n for n in set_i & set_j if n >= first_op)
            if shared:
                raise ValueError(
                    f"roots {node_name(root_i)} (node {root_i}) and {node_name(root_j)} (node {root_j}) share the "
                    f"intermediate node {node_name(shared[0])} (node {shared[0]}): backward() on both counts it "
                    "twice, so oracles need roots whose ancestors share only leaves"
                )


# The engine's own arithmetic, with Python numbers, to find where a correct engine raises.
# Division and subtraction go through ** -1 and * -1 exactly as the reference does.
def _engine_binary(kind: str, a: Any, b: Any) -> Any:
    if kind == "add":
        return a + b
    if kind == "sub":
        return a + (-b)
    if kind == "mul":
        return a * b
    if kind == "div":
        return a * b**-1
    return a**b


def _relu(x: Any) -> Any:
    return 0 if x < 0 else x


_UNARY: Dict[str, Callable[[Any], Any]] = {
    "neg": operator.neg,
    "relu": _relu,
    "tanh": math.tanh,
    "exp": math.exp,
    "log": math.log,
}


def _number_type(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def engine_failure(program: Program) -> Optional[Failure]:
    """The Failure a correct engine (the reference semantics) runs into on ``program``, or None.

    Build phase: ``**`` with a node exponent (TypeError), ``log`` of a number <= 0 and
    ``0.0 ** -1`` (division by zero) and overflowing ``exp`` or ``**``. Backward phase: the
    local derivative of ``x ** c`` is ``c * x ** (c - 1)`` and of ``b ** -1`` is ``-b ** -2``,
    which raise for ``x == 0`` and ``c < 1`` or on overflow. Read phase: a complex number
    (a negative number to a fractional power) that no later method rejected.
    """
    values: List[Any] = list(program.leaves)
    building: Optional[int] = None
    try:
        for node, op in program.nodes():
            building = node
            values.append(_engine_apply(op, values))
    except (ArithmeticError, ValueError, TypeError) as error:
        return Failure(type(error).__name__, str(error), "build", building)
    for root in program.roots:
        mine = ancestors(program, root)
        for node, op in program.nodes():
            if node not in mine:
                continue
            try:
                _engine_local_derivative(op, values)
            except (ArithmeticError, ValueError, TypeError) as error:
                return Failure(type(error).__name__, str(error), "backward", root)
    for node, value in enumerate(values):
        if not _number_type(value):
            return Failure(
                "TypeError", f"{node_name(node)}.data is {type(value).__name__} {value!r:.60}, not a number", "read"
            )
    return None


def _operands(op: Op, values: Sequence[Any]) -> Tuple[Any, ...]:
    return tuple(arg.value if isinstance(arg, Const) else values[arg] for arg in op.args)


def _engine_apply(op: Op, values: Sequence[Any]) -> Any:
    if op.kind == "pow" and not isinstance(op.args[1], Const):
        raise TypeError("Value ** Value is not supported: the exponent must be an int or a float")
    args = _operands(op, values)
    if len(args) == 2:
        return _engine_binary(op.kind, *args)
    return _UNARY[op.kind](args[0])


def _engine_local_derivative(op: Op, values: Sequence[Any]) -> None:
    args = _operands(op, values)
    if op.kind == "pow":
        base, exponent = args
        _ = exponent * base ** (exponent - 1)
    elif op.kind == "div" and isinstance(op.args[1], int):
        _ = -1 * args[1] ** -2
