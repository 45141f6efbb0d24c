"""How a CheckReport reads: built by hand, so each status and rule of the display is pinned down."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import List, Tuple

from rich.console import Console

from micrograd.check import CheckReport, ExerciseResult, PropertyResult, render_json, render_report
from micrograd.program import Failure
from micrograd.verdict import EXERCISES, SpecFailure

CODE = "from micrograd.engine import Value\n\na = Value(0.0)\nb = a + a\nb.backward()\n"


def prop(exercise: str, name: str = "test_it") -> str:
    return f"test_{exercise}::{name}"


def failed(exercise: str) -> PropertyResult:
    failure = SpecFailure(exercise, "a.grad is 1, expected 2", CODE, [("a.grad", "2", "1")], "use += in _backward")
    return PropertyResult.of_failure(prop(exercise), exercise, failure, seconds=0.1, examples=3)


def verdict(exercise: str, status: str, *results: PropertyResult,
            **extra) -> Tuple[ExerciseResult, List[PropertyResult]]:
    passed = sum(r.status == "passed" for r in results)
    return ExerciseResult(exercise, EXERCISES[exercise].title, passed=passed, total=len(results), status=status,
                          **extra), list(results)


def render(report: CheckReport) -> str:
    out = io.StringIO()
    render_report(report, Console(file=out, width=200, color_system=None))
    return out.getvalue()


def make_report(*verdicts: Tuple[ExerciseResult, List[PropertyResult]]) -> CheckReport:
    return CheckReport(Path("/tmp/sub"), "/spec", "torch", "ci", 30.0, [v for v, _ in verdicts], 1.25,
                       properties=[r for _, results in verdicts for r in results])


def test_a_bug_repeated_across_exercises_is_shown_once():
    text = render(make_report(verdict("add", "failing", failed("add")), verdict("mul", "failing", failed("mul"))))
    assert text.count("Counterexample (runnable):") == 1
    assert text.count("Hint: use += in _backward") == 1
    assert "a.grad is 1, expected 2: the same counterexample and hint as add above." in text
    assert "load_implementation('/tmp/sub')" in text and "from micrograd.engine" not in text
    assert "0/2 exercises pass (2 failing) in 1.2 s" in text


def test_a_spec_error_is_not_blamed_on_the_student():
    broken = PropertyResult(prop("tanh"), "tanh", "error", "NameError: name 'BOUND' is not defined")
    text = render(
        make_report(
            verdict("add", "passing", PropertyResult(prop("add"), "add", "passed")), verdict("tanh", "error", broken)
        )
    )
    assert "spec error" in text and "The check itself broke, not your code: NameError" in text
    assert "1/2 exercises pass (1 with a spec error)" in text


def test_not_started_exercises_point_to_the_next_stub():
    raised = Failure("NotImplementedError", "Value.__add__: self + other", "build", 2)
    stub = SpecFailure("add", "your engine raised", CODE, failure=raised)
    result = PropertyResult.of_failure(prop("add"), "add", stub, seconds=0.1)
    not_run = PropertyResult(prop("mul"), "mul", "not_run", "the check stopped after the timeout in add")
    stopped = verdict("mul", "not_run", not_run, stopped_by="add", reason=not_run.summary)
    report = make_report(verdict("add", "not_started", result, stub="Value.__add__"), stopped)
    text = render(report)
    assert "implement Value.__add__" in text and "Next: implement Value.__add__ in engine.py" in text
    assert "the check stopped after the timeout in add" in text
    assert "Counterexample" not in text
    data = json.loads(render_json(report))
    assert data["exercises"][0]["stub"] == "Value.__add__"
    assert data["exercises"][1]["properties"] == [not_run.to_dict()]
    assert data["exercises"][1]["properties"][0]["status"] == "not_run"
    assert (data["ok"], data["passing"], data["total"]) == (False, 0, 2)
