"""Operations: each one declared once, with what the course says about it.

- :data:`OPERATIONS` (``_table.py``): name, arity, symbol or method, forward, local derivatives,
  the inputs strategies may draw, and the PyTorch and JAX functions the oracles call;
- the teaching words (``_words.py``): each operation's exercise, the rule in words, the hints
  for its own mistakes and the mutants that make them.

Programs, evaluation, the oracles, the strategies, the exercises, the verdicts and the mutant
catalogue derive from these two modules: docs/adding-an-operation.md says how to add one. Nothing
here is carried into the sandboxed child (it computes nothing for a submission).
"""

from __future__ import annotations

from typing import Tuple

from micrograd.ops._table import OPERATIONS, Domain, Form, Operation
from micrograd.ops._words import EXERCISES, KINK_HINTS, MISTAKES, OVERFLOWS, REFLECTED, RULES

__all__ = [
    "EXERCISES",
    "KINK_HINTS",
    "MISTAKES",
    "OPERATIONS",
    "OPTIONAL",
    "OVERFLOWS",
    "REFLECTED",
    "RULES",
    "Domain",
    "Form",
    "Operation",
    "exercise_of",
    "operation",
    "operations_in",
]


#: the optional operations (``Operation.optional``), in table order: their exercises are off in the default course
OPTIONAL: Tuple[str, ...] = tuple(name for name, op in OPERATIONS.items() if op.optional)


def operation(name: str) -> Operation:
    """The operation called ``name``; an unknown name is a ValueError listing the valid ones."""
    try:
        return OPERATIONS[name]
    except KeyError:
        raise ValueError(f"unknown operation {name!r}; expected one of {', '.join(OPERATIONS)}") from None


def exercise_of(name: str, *, reflected: bool = False) -> str:
    """The exercise in which a student writes operation ``name``'s method (or its reflected method)."""
    if reflected:
        return REFLECTED
    for exercise, (_, names) in EXERCISES.items():
        if name in names:
            return exercise
    raise ValueError(f"operation {name!r} is in no exercise of micrograd.ops._words.EXERCISES")


def operations_in(exercise: str) -> Tuple[str, ...]:
    """The operations whose methods exercise ``exercise`` is about, as the words list them (the reflected
    exercise: every operation that has a reflected method, in table order)."""
    if exercise == REFLECTED:
        return tuple(name for name, op in OPERATIONS.items() if op.reflected)
    return EXERCISES[exercise][1]


def _check_words() -> None:
    """Every operation has its words and every word is about an operation: a typo fails at import."""
    listed = [name for _, names in EXERCISES.values() for name in names]
    for name in OPERATIONS:
        if listed.count(name) != 1:
            raise ValueError(f"operation {name!r} must be in exactly one exercise of micrograd.ops._words.EXERCISES")
        if name not in RULES:
            raise ValueError(f"operation {name!r} has no rule in micrograd.ops._words.RULES")
    for what, names in (("EXERCISES", listed), ("RULES", list(RULES)), ("KINK_HINTS", list(KINK_HINTS)),
                        ("OVERFLOWS", list(OVERFLOWS)), ("MISTAKES", list(MISTAKES))):
        for name in names:
            if name not in OPERATIONS:
                raise ValueError(f"micrograd.ops._words.{what} names {name!r}, which is not an operation")
    for name in KINK_HINTS:
        if not OPERATIONS[name].kinks:
            raise ValueError(f"operation {name!r} has a kink hint but no kinks in the table")
    for exercise, (_, kinds) in EXERCISES.items():
        if len({OPERATIONS[name].optional for name in kinds}) > 1:
            raise ValueError(f"exercise {exercise!r} mixes optional and other operations: give each its own exercise")
    for name, op in OPERATIONS.items():
        if not op.optional and op.built_from is not None and _uses(op.built_from, OPTIONAL):
            raise ValueError(f"operation {name!r} is built from an optional operation: every course needs it")


def _uses(form: Form, names: Tuple[str, ...]) -> bool:
    """Does ``form`` (``("add", "a", ("neg", "b"))``) apply one of the operations ``names``?"""
    return isinstance(form, tuple) and (form[0] in names or any(_uses(part, names) for part in form[1:]))


_check_words()
