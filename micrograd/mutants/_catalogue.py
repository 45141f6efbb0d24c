"""The catalogue: realistic student mistakes, each an edit of the reference, in the order of the exercises.

Each operation's mistakes are part of its teaching words (:data:`micrograd.ops.MISTAKES`), so a new
operation brings its own; backward()'s, the deep graphs' and the nn exercises' are in
``_engine_mistakes.py`` and ``_nn_mistakes.py``. Edits are exact substrings of reference/engine.py or
reference/nn.py, so every mutant follows the reference when it changes (a substring that no longer
matches is an error naming the mutant, caught by the tests).
"""

from __future__ import annotations

from typing import Dict, List

from micrograd.mutants._engine_mistakes import BACKWARD, DEEP, SLIPS
from micrograd.mutants._mutant import Mutant
from micrograd.mutants._nn_mistakes import LLM101N, NN
from micrograd.ops import MISTAKES
from micrograd.verdict import EXERCISES

__all__ = ["CATALOGUE", "mutant"]


def _operations() -> List[Mutant]:
    """Every operation's mistakes (edits of engine.py), from the teaching words."""
    return [Mutant(name, exercise, "engine.py", misconception, hint, old, new, feedback)
            for entries in MISTAKES.values()
            for name, exercise, misconception, hint, old, new, feedback in entries]


def _catalogue() -> Dict[str, Mutant]:
    order = list(EXERCISES)
    entries = sorted([*_operations(), *SLIPS, *BACKWARD, *DEEP, *NN, *LLM101N], key=lambda m: order.index(m.exercise))
    catalogue: Dict[str, Mutant] = {}
    for entry in entries:
        if not entry.feedback:
            raise ValueError(f"mutant {entry.name!r} has no feedback phrase")
        if entry.name in catalogue:
            raise ValueError(f"duplicate mutant name {entry.name!r} in the catalogue")
        catalogue[entry.name] = entry
    return catalogue


#: every mutant, by name, in the order of the exercises
CATALOGUE: Dict[str, Mutant] = _catalogue()


def mutant(name: str) -> Mutant:
    """The catalogue entry ``name``; an unknown name is a ValueError listing the valid ones."""
    try:
        return CATALOGUE[name]
    except KeyError:
        raise ValueError(f"unknown mutant {name!r}; expected one of {', '.join(CATALOGUE)}") from None
