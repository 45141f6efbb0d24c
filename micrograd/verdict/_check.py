"""The one check a property makes: evaluate a program with the implementation and an oracle, and raise the
SpecFailure that explains any difference (the only place a property's SpecFailure comes from)."""

from __future__ import annotations

from micrograd.impl import Evaluator
from micrograd.oracles import Oracle, engine_failure
from micrograd.program import Outcome, Program
from micrograd.verdict._blame import explain
from micrograd.verdict._compare import find, refine_finite_differences

__all__ = ["check_program"]


def check_program(impl: Evaluator, oracle: Oracle, program: Program, *, exercise: str) -> Outcome:
    """Evaluate ``program`` with ``impl`` and ``oracle``; raise SpecFailure if they disagree.

    A disagreement with finite differences is confirmed first with a step 8 times smaller
    (see :func:`refine_finite_differences`), so FD's truncation error on steep or
    high-degree programs is not blamed on the implementation. Returns the
    implementation's Outcome. The one ``raise`` here is the only place a property's
    SpecFailure comes from, so Hypothesis sees a single kind of failure.
    """
    got = impl.evaluate(program)
    if got.error is not None and engine_failure(program) is None:
        # a correct engine raises nothing here: the report needs no oracle numbers (and
        # skipping them keeps shrinking a failing deep chain cheap)
        expected = Outcome(data=(), grad=(), initial_grad=())
    else:
        expected = oracle.evaluate(program)
    found = find(program, got, expected, exercise, oracle)
    if found is not None and found.failure.failure is None and getattr(oracle, "name", "") == "fd" \
            and expected.error is None:
        refined = refine_finite_differences(oracle, program, expected)
        if refined is not None:
            expected = refined
            found = find(program, got, expected, exercise, oracle)
    if found is not None:
        raise explain(impl, oracle, program, got, expected, found)
    return got
