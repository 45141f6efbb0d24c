"""Operations: the kinds a program may use and its operands (a node's index, or a plain number)."""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Dict, Tuple, Union

__all__ = [
    "BINARY", "BUILDS", "BACKWARDS", "UNARY", "METHODS", "OPS", "Const", "Op", "Operand", "node_name",
    "op_expression", "operand_text",
]

#: binary operators, by the Python symbol each one prints as
BINARY: Dict[str, str] = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**"}
#: unary operations written as methods, ``v.relu()``
METHODS = ("relu", "tanh", "exp", "log")
#: every unary operation: negation and the methods
UNARY = ("neg", *METHODS)
#: every operation kind
OPS = tuple(BINARY) + UNARY
#: who makes the operation nodes of a program: the implementation's operators, or the kit
BUILDS = ("student", "kit")
#: who runs the backward pass: the implementation's ``backward()``, or the kit's traversal
BACKWARDS = ("student", "kit")


@dataclass(frozen=True)
class Const:
    """A plain Python number used as an operand: ``v + 2`` or ``2 + v``."""

    value: Union[int, float]

    def __post_init__(self) -> None:
        if isinstance(self.value, bool) or not isinstance(self.value, (int, float)):
            raise TypeError(f"Const needs an int or a float, got {self.value!r}")


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
        if self.kind not in OPS:
            raise ValueError(f"unknown operation {self.kind!r}; expected one of {', '.join(OPS)}")
        arity = 2 if self.kind in BINARY else 1
        if len(self.args) != arity:
            raise ValueError(f"{self.kind} takes {arity} operand(s), got {len(self.args)}: {self.args!r}")
        for arg in self.args:
            if isinstance(arg, bool) or not isinstance(arg, (int, Const)):
                raise TypeError(f"an operand is a node index or a Const, got {arg!r}")
        if self.kind == "pow" and not isinstance(self.args[0], int):
            raise ValueError(f"the base of ** must be a node (engines have no __rpow__), got {self.args!r}")
        if not any(isinstance(arg, int) for arg in self.args):
            raise ValueError(f"{self.kind} needs at least one node operand, got only constants {self.args!r}")

    @property
    def refs(self) -> Tuple[int, ...]:
        """The node indices this operation reads, in operand order."""
        return tuple(arg for arg in self.args if isinstance(arg, int))


def node_name(index: int) -> str:
    """``a`` ... ``z`` for the first 26 nodes, then ``v26``, ``v27``, ..."""
    return string.ascii_lowercase[index] if index < 26 else f"v{index}"


def operand_text(arg: Operand, *, left_of_pow: bool = False) -> str:
    """A node's name, or a constant as Python writes it (in parentheses left of ** when negative)."""
    if isinstance(arg, Const):
        text = repr(arg.value)
        return f"({text})" if left_of_pow and arg.value < 0 else text
    return node_name(arg)


def op_expression(op: Op) -> str:
    """The Python expression of one operation: ``a * b``, ``2.0 - c``, ``d.relu()``."""
    if op.kind in BINARY:
        lhs, rhs = op.args
        return f"{operand_text(lhs, left_of_pow=op.kind == 'pow')} {BINARY[op.kind]} {operand_text(rhs)}"
    (arg,) = op.args
    if op.kind == "neg":
        return f"-{operand_text(arg)}"
    return f"{operand_text(arg)}.{op.kind}()"
