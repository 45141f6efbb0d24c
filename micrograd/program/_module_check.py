"""Checking a module program on an implementation against the oracle, for the spec's nn properties."""

from __future__ import annotations

from typing import Any, Callable, Optional, Sequence, Union

from micrograd.program._module import ModuleOutcome, ModuleProgram
from micrograd.program._module_oracles import compare_module_outcomes, numpy_module_outcome, torch_module_outcome

__all__ = ["check_module_program", "expected_module_outcome"]


def expected_module_outcome(program: ModuleProgram) -> ModuleOutcome:
    """What a correct module computes: the PyTorch model, or the NumPy one when torch is not installed."""
    try:
        import torch  # noqa: F401 (only checking that it is there)
    except ImportError:
        return numpy_module_outcome(program)
    return torch_module_outcome(program)


def check_module_program(
    impl: Any,
    program: ModuleProgram,
    *,
    exercise: str,
    fields: Sequence[str],
    summary: str,
    hint: str,
    expected: Union[ModuleOutcome, Callable[[ModuleOutcome], ModuleOutcome], None] = None,
    steps: Optional[Sequence[int]] = None,
    rel: float = 1e-6,
    abs_: float = 1e-9,
) -> ModuleOutcome:
    """Evaluate ``program`` with ``impl`` (an Evaluator) and compare ``fields`` with the oracle.

    Raises SpecFailure for ``exercise`` when the implementation raised, or disagrees:
    ``summary`` (a line saying what should hold) and ``hint`` go into the report with a
    runnable snippet and the expected-vs-got rows. Returns the implementation's outcome.

    ``expected`` defaults to the oracle's outcome (:func:`expected_module_outcome`); a
    callable receives the implementation's own outcome (to check it against itself).
    ``steps`` limits the comparison to those action indices; ``rel`` and ``abs_`` are the
    tolerances (see :func:`compare_module_outcomes`).
    """
    from micrograd.verdict import SpecFailure
    from micrograd.verdict import exercise as lookup

    got = impl.evaluate(program)
    if not isinstance(got, ModuleOutcome):
        raise TypeError(f"{impl!r} answered a ModuleProgram with {type(got).__name__}, not a ModuleOutcome")
    if got.error is not None:
        failure = got.error
        if failure.type == "NotImplementedError":
            functions = lookup(exercise).functions
            where = f" at {failure.location}" if failure.location else ""
            advice = (
                f"replace the `raise NotImplementedError`{where} ({failure.message or 'no message'}) with your code; "
                f"this exercise is about {functions}, and its checks also run the parts it builds on"
            )
        else:
            advice = hint
        raise SpecFailure(
            exercise,
            f"{program.describe()} raised {failure} during {failure.phase}"
            + (f" (action {failure.node})" if failure.node is not None else ""),
            code=program.to_python(),
            hint=advice,
            failure=failure,
        )
    if expected is None:
        expected = expected_module_outcome(program)
    elif callable(expected):
        expected = expected(got)
    if expected.error is not None:
        raise RuntimeError(f"the oracle failed on a valid module program: {expected.error}\n{program}")
    mismatches = compare_module_outcomes(
        expected, got, fields=fields, program=program, steps=steps, rel=rel, abs_=abs_
    )
    if mismatches:
        raise SpecFailure(
            exercise,
            f"{program.describe()}: {summary}, but it does not",
            code=program.to_python(),
            rows=[(m.what, m.expected, m.got) for m in mismatches],
            hint=hint,
        )
    return got
