"""What every oracle shares: the protocol, the root checks, and the errors a correct engine raises."""

from __future__ import annotations

from typing import Any, FrozenSet, List, Optional, Protocol, Sequence, Tuple, runtime_checkable

from micrograd.ops import OPERATIONS, Form, Operation
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


def _number_type(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _operands(op: Op, values: Sequence[object]) -> Tuple[object, ...]:
    return tuple(arg.value if isinstance(arg, Const) else values[arg] for arg in op.args)


class _Node:
    """A value a correct engine holds in a Value (not a plain number), while it computes a program."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value


#: a node a correct engine makes while computing an operation: (operation, its operands' values, its value,
#: the positions of the operands that are nodes)
_Made = Tuple[Operation, Tuple[Any, ...], Any, Tuple[int, ...]]


def _engine_apply(op: Op, values: Sequence[object], nodes: List[_Made]) -> object:
    """``op``'s value as micrograd computes it (``a - b`` is ``a + (-b)``, see Operation.built_from),
    noting in ``nodes`` every node it makes."""
    operation = OPERATIONS[op.kind]
    for i in operation.numbers:
        if not isinstance(op.args[i], Const):
            raise TypeError(f"Value {operation.symbol or operation.name} Value is not supported: "
                            "the right operand must be an int or a float")
    args = tuple(_Node(v) if isinstance(a, int) else v for a, v in zip(op.args, _operands(op, values)))
    form = operation.reflected_from if op.reflected else operation.built_from
    result = _engine(op.kind, args, form, nodes)
    return result.value if isinstance(result, _Node) else result


def _engine(kind: str, args: Tuple[object, ...], form: Optional[Form], nodes: List[_Made]) -> object:
    operation = OPERATIONS[kind]
    if form is None:  # a node of its own: its forward on the operands' values
        plain = tuple(a.value if isinstance(a, _Node) else a for a in args)
        value = operation.forward(*plain)
        if not any(isinstance(a, _Node) for a in args):
            return value  # plain numbers only: Python computes it, no node
        nodes.append((operation, plain, value, tuple(i for i, a in enumerate(args) if isinstance(a, _Node))))
        return _Node(value)
    named = dict(zip("ab", args))

    def evaluate(part: Form) -> object:
        if isinstance(part, str):
            return named[part]
        if not isinstance(part, tuple):
            return part  # a plain number of the form
        inner = tuple(evaluate(p) for p in part[1:])
        reflected = len(inner) == 2 and not isinstance(inner[0], _Node) and isinstance(inner[1], _Node)
        sub = OPERATIONS[part[0]]
        inner_form = sub.reflected_from if reflected else sub.built_from
        return _engine(part[0], inner, None if part is form and part[0] == kind else inner_form, nodes)

    return evaluate(form)


def _cannot_fail(program: Program) -> bool:
    """Whether every operation of ``program`` is total (``Operation.total``) on float operands: then a correct
    engine computes it without an error (a long chain of + and * is judged without simulating each node)."""
    for op in program.ops:
        if not OPERATIONS[op.kind].total:
            return False
        for arg in op.args:
            if isinstance(arg, Const) and not isinstance(arg.value, float):
                return False
    return all(isinstance(x, float) for x in program.leaves)


def engine_failure(program: Program) -> Optional[Failure]:
    """The Failure a correct engine (the reference semantics) runs into on ``program``, or None.

    Build phase: an operand that must be a plain number is a node (``a ** b``: TypeError), ``log``
    of a number <= 0, ``0.0 ** -1`` (division by zero) and overflowing ``exp`` or ``**``. Backward
    phase: a local derivative of a node behind a root that Python cannot compute (``x ** c`` sends
    ``c * x ** (c - 1)``, which raises for ``x == 0`` and ``c < 1``, or on overflow; ``a / b`` is
    ``a * b ** -1``). Read phase: a complex number (a negative number to a fractional power) that
    no later method rejected. Every operation is computed as micrograd computes it, from the table.
    """
    if _cannot_fail(program):
        return None
    values: List[Any] = list(program.leaves)
    made: List[List[_Made]] = []
    building: Optional[int] = None
    try:
        for node, op in program.nodes():
            building = node
            made.append([])
            values.append(_engine_apply(op, values, made[-1]))
    except (ArithmeticError, ValueError, TypeError) as error:
        return Failure(type(error).__name__, str(error), "build", building)
    first_op = len(program.leaves)
    for root in program.roots:
        mine = ancestors(program, root)
        for node in sorted(n for n in mine if n >= first_op):
            try:  # what the engine's _backward computes: the derivative to each operand that is a node
                for operation, args, value, positions in made[node - first_op]:
                    for i in positions:
                        operation.derivatives[i](*args, value)
            except (ArithmeticError, ValueError, TypeError) as error:
                return Failure(type(error).__name__, str(error), "backward", root)
    for node, value in enumerate(values):
        if not _number_type(value):
            return Failure(
                "TypeError", f"{node_name(node)}.data is {type(value).__name__} {value!r:.60}, not a number", "read"
            )
    return None
