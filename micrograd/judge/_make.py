"""Make an exam: draw every property's examples once, with Hypothesis, on the kit's reference.

Each property is run by Hypothesis (its own seed, derived from the exam's; no shrinking) against the
reference, in this process, and the examples it ran to their end are recorded: those an ``assume``
rejected are left out, and an example the reference fails stops everything (the spec would be wrong).
A property that draws nothing has one example with no arguments.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Dict, List, Optional, Sequence

from micrograd.impl import Evaluator
from micrograd.judge._exam import Exam, ExamEntry, ExamError, new_exam, ordered
from micrograd.judge._hypothesis import hypothesis_test, property_seed, settings_for
from micrograd.oracles import Oracle
from micrograd.spec import Property, PropertySkipped, Spec

__all__ = ["DEFAULT_MAX_EXAMPLES", "make_exam"]

#: examples per property of an exam unless asked otherwise (the grading rubric's default)
DEFAULT_MAX_EXAMPLES = 25


def make_exam(spec: Spec, ids: Optional[Sequence[str]] = None, *, max_examples: int = DEFAULT_MAX_EXAMPLES,
              seed: int = 0, progress: Optional[Callable[[Property], None]] = None) -> Exam:
    """The exam of ``spec``'s properties named by ``ids`` (default: all), ``max_examples`` examples each (a
    property's share of it: :meth:`micrograd.spec.Property.examples_out_of`), drawn with ``seed``.
    ``progress(prop)`` is called before each property. Raises ExamError when the reference fails one."""
    if type(max_examples) is not int or max_examples < 1:
        raise ExamError(f"max_examples must be a whole number >= 1, got {max_examples!r}")
    if type(seed) is not int or seed < 0:
        raise ExamError(f"seed must be a whole number >= 0, got {seed!r}")
    from micrograd.impl import LocalEvaluator, reference_dir

    reference = LocalEvaluator(reference_dir())
    entries: Dict[str, ExamEntry] = {}
    try:
        for prop in ordered(spec, ids):
            if progress is not None:
                progress(prop)
            own = property_seed(prop, seed)
            entries[prop.id] = ExamEntry(prop.exercise, own, tuple(_draw(prop, reference, max_examples, own)))
    finally:
        reference.close()
    return new_exam(spec, entries, max_examples, seed)


def _draw(prop: Property, reference: Evaluator, max_examples: int, seed: int) -> List[Dict[str, Any]]:
    if prop.skip is not None or not prop.generated:
        return [] if prop.skip is not None else [{}]
    oracle = _oracle_for(prop)
    if prop.needs_oracle and oracle is None:  # nothing here can judge it: draw without running it
        prop = dataclasses.replace(prop, body=_nothing)
    drawn: List[Dict[str, Any]] = []
    chosen = settings_for(prop, max_examples, shrink=False)
    try:
        hypothesis_test(prop, prop.arguments(reference, oracle), chosen, seed=seed, record=drawn)()
    except PropertySkipped:
        return []
    except Exception as error:  # noqa: BLE001 (the reference must pass: anything else is the spec's bug)
        raise ExamError(f"the reference fails {prop.id} ({type(error).__name__}: {str(error)[:300]}): "
                        "the spec cannot be graded with it") from None
    return drawn


def _nothing(**arguments: Any) -> None:
    return None


def _oracle_for(prop: Property) -> Optional[Oracle]:
    """The exact oracle, or the first installed one of those that may judge ``prop``; None if none is."""
    if not prop.needs_oracle:
        return None
    from micrograd.oracles import ORACLE_NAMES, get_oracle, oracle_skip_reason

    allowed = prop.oracles or ("exact",)
    for name in ("exact", *allowed):
        if name in allowed and name in ORACLE_NAMES and oracle_skip_reason(name) is None:
            return get_oracle(name)
    return None
