"""How a CheckReport reads: built by hand, so each status and rule of the display is pinned down."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import List, Tuple

import pytest
from check_terminal import run_in_terminal
from counterexamples import check_reproduces, from_json, from_terminal, plain, run_snippet
from rich.console import Console

from micrograd.check import CheckReport, ExerciseResult, PropertyResult, render_json, render_report, runnable_code
from micrograd.impl import snippet_folder
from micrograd.mutants import CATALOGUE, write_mutant
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
    render_report(report, Console(file=out, width=200, color_system=None), cwd=Path("/far/from/the/checked/folder"))
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


# ------------------------------------------------------------------ issue 17: a counterexample runs as printed

#: a course folder whose path is long enough (45 characters and more) for the loading line to wrap at 80 columns
COURSE = "a-course-folder-with-a-name-long-enough-to-wrap"


def rendered_at(report: CheckReport, width: int, cwd: Path) -> str:
    """What a terminal ``width`` columns wide shows (colours and all, then removed)."""
    out = io.StringIO()
    render_report(report, Console(file=out, width=width, force_terminal=True, color_system="truecolor"), cwd)
    return plain(out.getvalue())


def test_a_snippet_names_its_folder_relative_to_where_it_runs_and_a_long_one_on_a_line_of_its_own(tmp_path):
    code = "from micrograd.engine import Value\n\na = Value(1.0)\n"
    here = tmp_path / "course"
    assert snippet_folder(here / "exercises", here) == "exercises"
    assert snippet_folder(here, here) == "."
    assert snippet_folder(tmp_path / "mine", here) == "../mine"
    far = tmp_path / "a" / "b" / "c"
    assert snippet_folder(here, far) == here.as_posix()  # three folders up: absolute
    short = runnable_code(code, here / "exercises", here)
    assert "\nimpl = load_implementation('exercises')\nValue = impl.Value\n" in short
    long = runnable_code(code, here / COURSE / "exercises", here)
    assert f"\nfolder = '{COURSE}/exercises'\nimpl = load_implementation(folder)\n" in long
    assert "impl = load_implementation(folder)" in long.splitlines()


def test_a_counterexample_is_printed_as_it_is_at_any_width(tmp_path):
    code = ("from micrograd.engine import Value\n\na = Value(0.0)\nb = a + a  # a comment long enough to go past "
            "the edge of a forty-column terminal\nb.backward()\n")
    row = ("after step 1: params[1].data", "-1.9085714285714286", "-2.010877417758977")  # 77 columns as a table
    failure = SpecFailure("add", "a.grad is 1, expected 2", code, [("a.grad", "2", "1   <- wrong"), row], "use +=")
    result = PropertyResult.of_failure(prop("add"), "add", failure, seconds=0.1, examples=3)
    add, results = verdict("add", "failing", result)
    report = CheckReport(tmp_path / COURSE / "exercises", "/spec", "exact", "ci", 30.0, [add], 1.0,
                         properties=results)
    snippets = {width: from_terminal(rendered_at(report, width, tmp_path)) for width in (200, 80, 40)}
    expected = runnable_code(code, report.path, tmp_path)
    for width, (shown,) in snippets.items():
        assert shown.code == expected, width  # every line whole, none indented or cut
        assert shown.rows == [("a.grad", "1   <- wrong"), (row[0], row[2])], width
    assert "    a.grad  " in rendered_at(report, 80, tmp_path)  # a table where it fits
    stacked = ("    a.grad\n      expected  2\n      got       1   <- wrong\n\n    after step 1: params[1].data\n"
               "      expected  -1.9085714285714286\n      got       -2.010877417758977\n")
    assert stacked in rendered_at(report, 40, tmp_path)
    (shown,) = from_json(json.loads(render_json(report, tmp_path)))  # --json: the same code
    assert shown.code == expected


@pytest.mark.skipif(sys.platform == "win32", reason="a pseudo-terminal")
@pytest.mark.parametrize("columns", [80, 40])
def test_the_counterexample_copied_from_a_terminal_runs_and_prints_the_got_value(tmp_path, columns):
    """The bug of issue 17: at 80 columns, with a course folder path of about 45 characters, the
    line loading the student's code was wrapped and its second half lost its indentation."""
    course = tmp_path / COURSE
    assert len(str(course)) >= 45
    write_mutant(CATALOGUE["tanh_derivative_not_squared"], course / "exercises")
    status, out, err = run_in_terminal([sys.executable, "-m", "micrograd", "check", "--exercise", "tanh"],
                                       columns=columns, cwd=course)
    assert status == 1, err
    (example,) = from_terminal(out)
    assert "impl = load_implementation('exercises')\n" in example.code
    ran = run_snippet(example.code, course)
    assert ran.returncode == 0, f"{ran.stderr}\n---\n{example.code}"
    compared, problems = check_reproduces(example, ran)
    assert compared == ["a.grad"] and not problems, problems
