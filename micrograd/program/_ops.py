"""Operations as a program uses them: their names, and its operands (a node's index, or a plain number).

Every name and rule here comes from the table of operations (:data:`micrograd.ops.OPERATIONS`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Tuple, Union

from micrograd.ops import OPERATIONS
from micrograd.runner import Const, node_name

__all__ = [
    "BINARY", "BUILDS", "BACKWARDS", "COURSE_OPS", "UNARY", "METHODS", "OPS", "Const", "Op", "Operand", "node_name",
    "op_expression", "operand_text",
]

#: binary operators, by the Python symbol each one prints as
BINARY: Dict[str, str] = {name: op.symbol for name, op in OPERATIONS.items() if op.arity == 2}
#: unary operations written as methods, ``v.relu()``
METHODS: Tuple[str, ...] = tuple(name for name, op in OPERATIONS.items() if op.arity == 1 and not op.symbol)
#: every unary operation: negation and the methods
UNARY: Tuple[str, ...] = tuple(name for name, op in OPERATIONS.items() if op.arity == 1)
#: every operation kind
OPS: Tuple[str, ...] = tuple(OPERATIONS)
#: the operations of the default course: every kind but the optional ones (``Operation.optional``)
COURSE_OPS: Tuple[str, ...] = tuple(name for name, op in OPERATIONS.items() if not op.optional)
#: who makes the operation nodes of a program: the implementation's operators, or the kit
BUILDS = ("student", "kit")
#: who runs the backward pass: the implementation's ``backward()``, or the kit's traversal
BACKWARDS = ("student", "kit")

#: an operand: the index of an earlier node, or a plain number
Operand = Union[int, Const]


@dataclass(frozen=True)
class Op:
    """One operation: ``kind`` names it (see OPS), ``args`` are its operands in Python order.

    ``Op("sub", (Const(1.0), 3))`` is ``1.0 - v3``, which exercises ``__rsub__``.
    """

    kind: str
    args: Tuple[Operand, ...]

    def __post_init__(self) -> None:
        operation = OPERATIONS.get(self.kind)
        if operation is None:
            raise ValueError(f"unknown operation {self.kind!r}; expected one of {', '.join(OPS)}")
        if len(self.args) != operation.arity:
            raise ValueError(f"{self.kind} takes {operation.arity} operand(s), got {len(self.args)}: {self.args!r}")
        for arg in self.args:
            if isinstance(arg, bool) or not isinstance(arg, (int, Const)):
                raise TypeError(f"an operand is a node index or a Const, got {arg!r}")
        if operation.arity == 2 and not operation.reflected and not isinstance(self.args[0], int):
            raise ValueError(f"the left operand of {operation.symbol or self.kind} must be a node (engines have no "
                             f"__r{operation.method[2:]}), got {self.args!r}")
        if not any(isinstance(arg, int) for arg in self.args):
            raise ValueError(f"{self.kind} needs at least one node operand, got only constants {self.args!r}")

    @property
    def refs(self) -> Tuple[int, ...]:
        """The node indices this operation reads, in operand order."""
        return tuple(arg for arg in self.args if isinstance(arg, int))

    @property
    def reflected(self) -> bool:
        """Whether Python computes it with the reflected method: a plain number on the left (``2 - a``)."""
        return len(self.args) == 2 and isinstance(self.args[0], Const)


def operand_text(arg: Operand, *, left_of_pow: bool = False) -> str:
    """A node's name, or a constant as Python writes it (in parentheses left of ** when negative)."""
    if isinstance(arg, Const):
        text = repr(arg.value)
        return f"({text})" if left_of_pow and arg.value < 0 else text
    return node_name(arg)


def op_expression(op: Op) -> str:
    """The Python expression of one operation: ``a * b``, ``2.0 - c``, ``-d``, ``d.relu()``."""
    operation = OPERATIONS[op.kind]
    if operation.arity == 2:
        lhs, rhs = op.args
        return f"{operand_text(lhs, left_of_pow=operation.symbol == '**')} {operation.symbol} {operand_text(rhs)}"
    (arg,) = op.args
    if operation.symbol:
        return f"{operation.symbol}{operand_text(arg)}"
    return f"{operand_text(arg)}.{operation.method}()"
