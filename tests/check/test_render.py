"""How a CheckReport reads: built by hand, so each status and rule of the display is pinned down."""

from __future__ import annotations

import io
import json
from pathlib import Path

from rich.console import Console

from micrograd.check import CheckReport, ExerciseResult, render_json, render_report
from micrograd.program import Failure
from micrograd.testing import Property, PropertyResult
from micrograd.verdict import EXERCISES, SpecFailure

CODE = "from micrograd.engine import Value\n\na = Value(0.0)\nb = a + a\nb.backward()\n"


def prop(exercise: str, name: str = "test_it") -> Property:
    return Property(name, exercise, f"test_{exercise}", function=print, needs_oracle=True)


def failed(exercise: str) -> PropertyResult:
    failure = SpecFailure(exercise, "a.grad is 1, expected 2", CODE, [("a.grad", "2", "1")], "use += in _backward")
    return PropertyResult(prop(exercise), "failed", 0.1, failure=failure, message=failure.summary, examples=3)


def verdict(exercise: str, status: str, *results: PropertyResult, **extra) -> ExerciseResult:
    return ExerciseResult(EXERCISES[exercise], status, list(results), **extra)


def render(report: CheckReport) -> str:
    out = io.StringIO()
    render_report(report, Console(file=out, width=200, color_system=None))
    return out.getvalue()


def make_report(*verdicts: ExerciseResult) -> CheckReport:
    return CheckReport(Path("/tmp/sub"), Path("/spec"), "torch", "ci", 30.0, list(verdicts), 1.25)


def test_a_bug_repeated_across_exercises_is_shown_once():
    text = render(make_report(verdict("add", "failing", failed("add")), verdict("mul", "failing", failed("mul"))))
    assert text.count("Counterexample (runnable):") == 1
    assert text.count("Hint: use += in _backward") == 1
    assert "a.grad is 1, expected 2: the same counterexample and hint as add above." in text
    assert "load_implementation('/tmp/sub')" in text and "from micrograd.engine" not in text
    assert "0/2 exercises pass (2 failing) in 1.2 s" in text


def test_a_spec_error_is_not_blamed_on_the_student():
    broken = PropertyResult(prop("tanh"), "error", 0.1, message="NameError: name 'BOUND' is not defined")
    text = render(
        make_report(
            verdict("add", "passing", PropertyResult(prop("add"), "passed", 0.1)), verdict("tanh", "error", broken)
        )
    )
    assert "spec error" in text and "The check itself broke, not your code: NameError" in text
    assert "1/2 exercises pass (1 with a spec error)" in text


def test_not_started_exercises_point_to_the_next_stub():
    raised = Failure("NotImplementedError", "Value.__add__: self + other", "build", 2)
    stub = SpecFailure("add", "your engine raised", CODE, failure=raised)
    result = PropertyResult(prop("add"), "failed", 0.1, failure=stub, message=stub.summary)
    stopped = verdict("mul", "not run", stopped_by="add")
    stopped.not_run.append(prop("mul"))
    report = make_report(verdict("add", "not started", result), stopped)
    text = render(report)
    assert "implement Value.__add__" in text and "Next: implement Value.__add__ in engine.py" in text
    assert "the check stopped after the timeout in add" in text
    assert "Counterexample" not in text
    data = json.loads(render_json(report))
    assert data["exercises"][0]["stub"] == "Value.__add__"
    assert data["exercises"][1]["properties"] == [
        {"property": "test_mul::test_it", "name": "test_it", "exercise": "mul", "status": "not run", "duration": 0.0,
         "examples": None, "message": "", "failure": None}
    ]
    assert (data["ok"], data["passing"], data["total"]) == (False, 0, 2)
