"""One root cause everywhere: for every mutant of the catalogue and every sample submission, the check's terminal
and --json, and grading's results (results.json, feedback.md, the nbgrader feedback, report.html) name the same
root causes and the same blocked exercises, and no output carries a hint for an exercise downstream of a root
cause.

The check runs as ``micrograd check`` does (the CHECK policy: blocked properties do not run), grading as
``micrograd grade`` does (every property runs, failures that follow are marked); both in this process on the
kit's exam (a submission that hangs, the hostile sample, runs in the sandbox's plain child instead).
"""

from __future__ import annotations

import html
import io
import json
import re
from pathlib import Path
from typing import List

import pytest
from rich.console import Console

from autograder.grade import make_oracle
from autograder.grade._guard import Guard
from autograder.grade._runner import _result, _status, _value_class
from autograder.grade._runner import run_property as grade_property
from autograder.report import (
    SubmissionResult,
    exercise_feedback,
    exercise_status,
    feedback_markdown,
    first_misconception,
    gradescope_results,
)
from autograder.report._html import write_report
from autograder.rubric import load_rubric
from micrograd.check import render_json, render_report, run_check
from micrograd.judge import GRADE, judge, kit_exam
from micrograd.mutants import CATALOGUE, write_mutant
from micrograd.sandbox import local_evaluator
from micrograd.spec import kit_spec
from micrograd.verdict import EXERCISES

pytestmark = pytest.mark.slow

SAMPLES = Path(__file__).parents[2] / "examples" / "submissions"
ROOTS = ("failing", "not_started", "error", "interrupted")
STUDENTS = [*sorted(CATALOGUE), "sample:buggy", "sample:correct"]


class _Load:
    nn = None


def _graded(directory: Path) -> SubmissionResult:
    rubric, exam, oracle = load_rubric(), kit_exam(kit_spec()), make_oracle()
    by_id = {p.id: p for p in kit_spec()}
    evaluator = local_evaluator(directory)  # a deep chain in the plain child: a crash is survivable
    try:
        premise = _value_class(Guard(evaluator))
        judged = judge([by_id[pid] for pid in rubric.property_ids],
                       lambda p: grade_property(p, evaluator, oracle, exam), GRADE,
                       premise=None if premise is None else premise.exercise)
    finally:
        evaluator.close()
    results = {r.id: r for r in judged.properties}
    reason = "" if premise is None else f"{premise.summary}. Hint: {premise.hint}"
    return _result(directory.name, rubric, _status(results, _Load())[0], reason, results, 0.0, exam, judged)


def _directory(student: str, tmp_path: Path) -> Path:
    if student.startswith("sample:"):
        return SAMPLES / student.split(":", 1)[1]
    return write_mutant(CATALOGUE[student], tmp_path / student)


def _hints(text: str) -> List[str]:
    return re.findall(r"Hint:\**\s*(.+)", text)


@pytest.mark.parametrize("student", STUDENTS)
def test_every_output_names_the_same_root_cause_and_no_downstream_hint(student: str, tmp_path: Path) -> None:
    directory = _directory(student, tmp_path)
    checked = run_check(directory, evaluator=local_evaluator(directory), oracle="exact", timeout=None)
    graded = _graded(directory)
    if checked.load_failure is not None:  # the Value class does not work: the check shows that one problem
        assert checked.load_failure.summary in graded.reason and checked.load_failure.exercise == "backward"
        assert {e.exercise for e in graded.exercises if e.status in ROOTS} == {"backward"}
        assert all(p.blocked_by == "backward" for p in graded.properties if p.exercise != "backward"
                   and not p.passed)
        return

    # the check's terminal and --json, and grading's results: the same root causes and blocked exercises
    check_json = json.loads(render_json(checked))["exercises"]
    check_roots = {e["name"] for e in check_json if e["status"] in ROOTS}
    check_blocked = {e["name"]: e["blocked_by"] for e in check_json if e["status"] == "blocked"}
    grade_roots = {e.exercise for e in graded.exercises if e.status in ROOTS}
    grade_blocked = {e.exercise: e.blocked_by for e in graded.exercises if e.status == "blocked"}
    assert (check_roots, check_blocked) == (grade_roots, grade_blocked), student
    assert {e.exercise for e in checked.root_causes} <= check_roots
    console = Console(file=io.StringIO(), width=200, color_system=None)
    render_report(checked, console)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    for name, blocker in check_blocked.items():
        assert re.search(rf"^{name}\s+blocked .*blocked by {blocker}", text, re.M), (student, name)

    # no hint for an exercise downstream of a root cause, in any output
    root_hints = {p.hint for p in graded.properties if p.exercise in grade_roots and p.hint}
    # (the terminal wraps a long hint: its first line starts a root cause's hint)
    assert all(any(h.startswith(shown.strip()) for h in root_hints) for shown in _hints(text)), student
    assert all(not p.hint for p in graded.properties if p.blocked_by), student
    markdown = feedback_markdown(graded)
    what_to_fix, _, consequences = markdown.partition("## Consequences")
    for heading in re.findall(r"^### (\w+): ", what_to_fix, re.M):
        assert heading in grade_roots, (student, heading)  # only root causes get a section (and a hint)
    assert not _hints(consequences)
    for test in gradescope_results(graded).tests:
        exercise = test.name.split(":")[0]
        if exercise in grade_blocked:
            assert set(_hints(test.output)) <= root_hints, (student, exercise)
            nbgrader = exercise_feedback(graded, exercise)  # what the course's hidden test prints
            all_passed = re.fullmatch(r"(Its one check|All \d+ checks) passed\.", test.output)  # Gradescope says so
            assert nbgrader == ("" if all_passed else test.output)
            if nbgrader:
                assert f"exercise {grade_blocked[exercise]} fails (the root cause)" in nbgrader

    # report.html: the grid shows the blocked exercises as blocked, the first misconception is a root cause's
    write_report([graded], tmp_path / "report.html")
    page = (tmp_path / "report.html").read_text()
    for e in graded.exercises:
        if e.exercise in grade_blocked:
            assert exercise_status(graded, e) == "blocked", (student, e.exercise)
    first = first_misconception(graded)
    assert first is None or (first[0] in grade_roots and first[1] in root_hints), (student, first)
    downstream = {p.hint for p in graded.properties if p.exercise in grade_blocked and p.hint} - root_hints
    assert not any(html.escape(h) in page for h in downstream), student


def test_a_blocked_exercise_shows_the_root_causes_counterexample_and_hint_in_results_json(tmp_path: Path) -> None:
    """The issue's example: = for += in __add__'s _backward. feedback.md leads with accumulation and lists the
    rest as consequences; a Gradescope test of an exercise downstream (accumulation may be hidden) shows
    accumulation's counterexample and hint, and none of its own."""
    graded = _graded(write_mutant(CATALOGUE["add_assigns_grad"], tmp_path / "student"))
    markdown = feedback_markdown(graded)
    assert markdown.index("### accumulation:") < markdown.index("## Consequences")
    assert len(_hints(markdown)) == 2 and all("+=" in hint for hint in _hints(markdown))
    neuron = next(t for t in gradescope_results(graded).tests if t.name.startswith("neuron"))
    assert "exercise accumulation fails (the root cause)" in neuron.output and "Counterexample" in neuron.output
    assert _hints(neuron.output) and all("+=" in hint for hint in _hints(neuron.output))
    assert "a consequence of exercise accumulation" in neuron.output



def test_a_hanging_submission_is_stopped_at_the_same_first_root_cause(tmp_path: Path) -> None:
    """The hostile sample hangs in backward: the check stops at its first timeout (what comes after is not run),
    grading goes on until its time budget or three timeouts; both lead with the same root cause."""
    from autograder.grade import grade_directory
    from autograder.sandbox import Limits, choose_isolation

    hostile = SAMPLES / "hostile"
    checked = run_check(hostile, oracle="exact", timeout=2.0)
    graded = grade_directory(hostile, "hostile", load_rubric(), Limits(timeout=2.0, budget=60.0), make_oracle(),
                             choose_isolation("none"))
    check_roots = [e.exercise for e in checked.exercises if e.status in ROOTS]
    grade_roots = [e.exercise for e in graded.exercises if e.status in ROOTS]
    assert check_roots and check_roots[0] == grade_roots[0] == "backward"
    assert set(check_roots) <= set(grade_roots) and graded.status == "timeout"
    after = list(EXERCISES)[list(EXERCISES).index("backward") + 1:]
    assert all(e.status == "not_run" and e.stopped_by == "backward" for e in checked.exercises
               if e.exercise in after)
