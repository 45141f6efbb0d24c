"""report.html: a students x exercises grid, every student's first misconception (once per student, all
listed), plots with matplotlib (their labels readable) and the same tables without it, the isolation
layer with a warning when submissions were not isolated, every student linked to their feedback."""

from __future__ import annotations

import html
import itertools
import re
import sys
from pathlib import Path
from typing import List

import pytest

from autograder.report import (
    ExerciseResult,
    PropertyResult,
    SubmissionResult,
    exercise_status,
    first_misconception,
    misconceptions,
    misconceptions_figure,
    pass_rate_figure,
    write_outputs,
)
from micrograd.verdict import EXERCISES

HINT = "tanh' is 1 - tanh**2"


def _failing(pid: str, exercise: str, hint: str) -> PropertyResult:
    return PropertyResult(pid, exercise, "failed", "wrong gradient", "a = Value(1.0)", (("a.grad", "1", "2"),), hint)


def _results() -> List[SubmissionResult]:
    failed = PropertyResult("test_tanh::test_tanh_grad", "tanh", "failed", "tanh: gradients differ",
                            "a = Value(0.5)", (("a.grad", "0.786", "0.5"),), HINT)
    passed = PropertyResult("test_tanh::test_tanh_grad", "tanh", "passed")
    return [
        SubmissionResult("alice", "graded", "", 1.0, 1.0, (ExerciseResult("tanh", "tanh", 1, 1.0, 1, 1),), (passed,),
                         isolation="bwrap"),
        SubmissionResult("bob", "graded", "", 0.0, 1.0, (ExerciseResult("tanh", "tanh", 1, 0.0, 0, 1),), (failed,),
                         isolation="bwrap"),
    ]


def _section(report: str, heading_id: str) -> str:
    return report.split(f"id='{heading_id}'", 1)[1].split("<h2", 1)[0]


def test_the_report_has_plots_and_tables_with_matplotlib(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")  # installed in the kit's dev environment; the other test covers without
    write_outputs(_results(), tmp_path)
    report = (tmp_path / "report.html").read_text()
    assert report.count("data:image/png;base64,") == 3  # misconceptions, scores, pass rates
    assert "pip install matplotlib" not in report
    assert "<th>checks passed</th><td>50%</td>" in report  # pass rate per exercise, in the grid
    assert "tanh&#x27; is 1 - tanh**2" in report  # the misconception


def test_without_matplotlib_the_report_has_tables_and_says_how_to_get_plots(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` now raises ImportError
    write_outputs(_results(), tmp_path)
    report = (tmp_path / "report.html").read_text()
    assert "<img" not in report
    assert "pip install matplotlib" in report
    assert "<th>checks passed</th><td>50%</td>" in report
    assert "tanh&#x27; is 1 - tanh**2" in report
    assert ">alice</a></th>" in report and "<td class='total' title='0'>0/1</td>" in report
    assert (tmp_path / "grades.csv").is_file() and (tmp_path / "bob" / "results.json").is_file()


def _class() -> List[SubmissionResult]:
    """Three students with the tanh misconception (one of them fails three tanh checks, one also
    fails training because of it), one whose add bug also fails tanh, and the usual noise of a real
    class: a hung submission and one that never loaded."""
    tanh = [_failing(f"test_tanh::t{i}", "tanh", HINT) for i in range(3)]
    add = _failing("test_add::t", "add", "accumulate with +=")
    training = _failing("test_training::t", "training", "each round: compute the loss, call backward")
    not_run = tuple(PropertyResult(f"test_x::t{i}", "add", "failed", "not run: engine.py is missing")
                    for i in range(30))
    timeouts = tuple(PropertyResult(f"test_y::t{i}", "deep", "timeout", "Timeout: 5 s") for i in range(3))
    return [
        SubmissionResult("ann", "graded", "", 0, 3, (), tuple(tanh)),
        SubmissionResult("ben", "graded", "", 0, 3, (), (tanh[0], training)),
        SubmissionResult("cat", "graded", "", 0, 3, (), (tanh[1],)),
        SubmissionResult("eve", "graded", "", 0, 3, (), (tanh[2], add, training)),
        SubmissionResult("José_María_García", "invalid", "no engine.py", 0, 3, (), not_run, name="José María García"),
        SubmissionResult("dan", "timeout", "deep: Timeout", 0, 3, (), timeouts),
    ]


def test_misconceptions_are_real_hints_counted_once_per_student() -> None:
    assert misconceptions(_class()) == [(("tanh", HINT), 3), (("add", "accumulate with +="), 1)]


def test_a_student_with_several_hints_in_one_exercise_counts_once() -> None:
    """Issue 18: one student's single bug (a missing bias) filled rows 1-4 of the chart: each failing check
    of their first failing exercise had its own hint. A student has one first misconception."""
    hints = [f"neuron hint {i}" for i in range(4)]
    one = SubmissionResult("ivan", "graded", "", 0, 1, (), tuple(_failing(f"t::n{i}", "neuron", h)
                                                                 for i, h in enumerate(hints)))
    other = SubmissionResult("olga", "graded", "", 0, 1, (), (_failing("t::n2", "neuron", hints[2]),))
    assert first_misconception(one) == ("neuron", hints[0])
    assert misconceptions([one, other]) == [(("neuron", hints[0]), 1), (("neuron", hints[2]), 1)]
    assert sum(n for _, n in misconceptions([one, other])) == 2  # as many as students with one


def test_every_first_misconception_is_listed_and_the_chart_says_how_many_more(tmp_path: Path) -> None:
    """Issue 18: report.html kept the top 10 hints and said nothing of the rest."""
    pytest.importorskip("matplotlib")
    exercises = list(EXERCISES)
    results = [SubmissionResult(f"s{i:02d}", "graded", "", 0, 1, (),
                                (_failing("t::p", exercises[i % len(exercises)], f"hint number {i}"),))
               for i in range(15)]
    write_outputs(results, tmp_path)
    report = (tmp_path / "report.html").read_text(encoding="utf-8")
    table = _section(report, "misconceptions")
    for i in range(15):
        assert f"<td>hint number {i}</td><td>1</td><td><a href='s{i:02d}/feedback.md'>s{i:02d}</a></td>" in table
    assert "and 5 more: <a href='#misconceptions'>" in report  # under the chart of the top 10


def _grid_rows(report: str) -> List[str]:
    return re.findall(r"<tr><th class='who'>(.*?)</tr>", _section(report, "grid"))


def test_the_grid_has_a_row_per_student_a_cell_per_exercise_coloured_by_status(tmp_path: Path) -> None:
    ex = [ExerciseResult("add", "addition", 1, 1.0, 2, 2), ExerciseResult("tanh", "tanh", 1, 0.5, 1, 2),
          ExerciseResult("mlp", "MLP", 2, 0.0, 0, 2)]
    stub = PropertyResult("t::m", "mlp", "failed", "NotImplementedError: MLP.__call__")
    half = (PropertyResult("t::a", "tanh", "passed"), _failing("t::b", "tanh", HINT))
    results = [
        SubmissionResult("alice", "graded", "", 1.5, 4, tuple(ex), (*half, stub, stub), name="Alice"),
        SubmissionResult("alice-2", "graded", "", 1.5, 4, tuple(ex), (*half, stub, stub), name="Alice"),
    ]
    write_outputs(results, tmp_path)
    report = (tmp_path / "report.html").read_text(encoding="utf-8")
    rows = _grid_rows(report)
    assert len(rows) == 2
    # two students of one name are told apart by their id, each linked to their own feedback
    assert "<a href='alice/feedback.md'>Alice</a> <span class='id'>alice</span>" in rows[0]
    assert "<a href='alice-2/feedback.md'>Alice</a> <span class='id'>alice-2</span>" in rows[1]
    cells = re.findall(r"<td class='cell' style='background:(#\w+)' title='([^']*)'>([^<]*)</td>", rows[0])
    assert [(html.unescape(tip).split(":")[0], score) for _, tip, score in cells] == [
        ("add", "1"), ("tanh", "0.5"), ("mlp", "0")]
    colours = {status: colour for status, (_, colour) in __import__(
        "autograder.report._html", fromlist=["STATUS_STYLES"]).STATUS_STYLES.items()}
    assert [c for c, _, _ in cells] == [colours["passing"], colours["partial"], colours["not_started"]]
    assert "<th>students passing</th><td>2</td><td>0</td><td>0</td>" in report


def test_exercise_statuses_are_read_from_the_checks() -> None:
    def result(*props: PropertyResult, status: str = "graded") -> SubmissionResult:
        return SubmissionResult("s", status, "", 0, 1, (), props)

    def of(r: SubmissionResult, passed: int, total: int) -> str:
        return exercise_status(r, ExerciseResult("add", "addition", 1, passed / total, passed, total))

    ok = PropertyResult("t::a", "add", "passed")
    assert of(result(ok, ok), 2, 2) == "passing"
    assert of(result(ok, _failing("t::b", "add", "h")), 1, 2) == "partial"
    assert of(result(_failing("t::b", "add", "h")), 0, 1) == "failing"
    assert of(result(PropertyResult("t::a", "add", "failed", "NotImplementedError")), 0, 1) == "not_started"
    assert of(result(PropertyResult("t::a", "add", "timeout", "Timeout: no answer")), 0, 1) == "timeout"
    assert of(result(PropertyResult("t::a", "add", "crash", "Crash: SIGSEGV")), 0, 1) == "crash"
    assert of(result(PropertyResult("t::a", "add", "failed", "not run: SyntaxError"), status="invalid"), 0, 1) \
        == "not_run"


def test_the_report_shows_the_misconceptions_and_links_every_student_to_their_feedback(tmp_path: Path) -> None:
    write_outputs(_class(), tmp_path, html_report=True)
    report = (tmp_path / "report.html").read_text(encoding="utf-8")
    table = _section(report, "misconceptions").split("<table", 1)[1]
    assert ("<td>1</td><td>tanh</td><td>tanh&#x27; is 1 - tanh**2</td><td>3</td><td><a href='ann/feedback.md'>ann</a>, "
            "<a href='ben/feedback.md'>ben</a>, <a href='cat/feedback.md'>cat</a></td>") in table
    assert "not run" not in table and "Timeout" not in table
    for folder, name in [("ann", "ann"), ("Jos%C3%A9_Mar%C3%ADa_Garc%C3%ADa", "José María García")]:
        assert f"<a href='{folder}/feedback.md'>{name}</a>" in report
    assert (tmp_path / "José_María_García" / "feedback.md").is_file()


@pytest.mark.parametrize("layers, warned", [(("bwrap", "bwrap"), False), (("uid", "none"), True), (("", ""), True)])
def test_the_layer_and_the_kit_are_at_the_top_with_a_warning_when_not_isolated(
    tmp_path: Path, layers: tuple, warned: bool
) -> None:
    """Issue 18: under --isolation none, report.html said only "Isolation: none"."""
    import dataclasses

    results = [dataclasses.replace(r, isolation=layer, kit_version="9.9.9") for r, layer in zip(_results(), layers)]
    write_outputs(results, tmp_path)
    report = (tmp_path / "report.html").read_text(encoding="utf-8")
    head = report.split("id='grid'", 1)[0]
    assert "micrograd-kit 9.9.9" in head
    assert "Isolation: " + ", ".join(sorted({layer or "unknown" for layer in layers})) + " &middot;" in head
    assert ("class='banner'" in head) == warned
    if warned:
        exposed = sum(layer not in ("bwrap", "uid") for layer in layers)
        assert f"<b>Not isolated:</b> {exposed} of 2 submissions" in head


def test_exercise_labels_do_not_overlap() -> None:
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    exercises = list(EXERCISES)
    fig = pass_rate_figure(exercises, [i / len(exercises) for i in range(len(exercises))])
    try:
        renderer = fig.canvas.get_renderer()
        ax = fig.axes[0]
        labels = [t for t in ax.get_yticklabels() + ax.get_xticklabels() if t.get_text()]
        assert {t.get_text() for t in labels} >= set(exercises)
        boxes = [t.get_window_extent(renderer) for t in labels]
        for (i, a), (j, b) in itertools.combinations(enumerate(boxes), 2):
            assert not a.overlaps(b), f"{labels[i].get_text()!r} overlaps {labels[j].get_text()!r}"
    finally:
        plt.close(fig)


def test_hints_that_read_alike_once_shortened_get_a_bar_each_most_common_first() -> None:
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    same_start = "a node used twice must receive the sum of both contributions: accumulate with += in _backward"
    common = [(("accumulation", f"{same_start}. Value.__add__ sets a grad with ="), 5), (("tanh", HINT), 3),
              (("accumulation", f"{same_start}. Value.__mul__ sets a grad with ="), 2)]
    fig = misconceptions_figure(common, more=4)
    try:
        ax = fig.axes[0]
        bars = sorted(ax.patches, key=lambda bar: -bar.get_y())  # top first
        assert [bar.get_width() for bar in bars] == [5, 3, 2]
        ticks = sorted(zip(ax.get_yticks(), ax.get_yticklabels()), key=lambda tick: -tick[0])  # top first
        labels = [label.get_text() for _, label in ticks]
        assert [label.split(".")[0] for label in labels] == ["1", "2", "3"] and len(set(labels)) == 3
        assert labels[0].startswith("1. accumulation: a node used twice") and labels[1].startswith("2. tanh")
        assert "4 more in the table" in ax.get_title()
    finally:
        plt.close(fig)


def test_a_submission_that_did_not_load_is_explained_once() -> None:
    """Issue 18: a syntax error's feedback.md repeated the same line 43 times."""
    from autograder.report import exercise_feedback, feedback_markdown

    reason = "importing engine.py failed (line 3): SyntaxError: '(' was never closed (engine.py, line 3)"
    props = tuple(PropertyResult(f"test_{e}::t{i}", e, "failed", f"not run: {reason}")
                  for e in EXERCISES for i in range(2))
    exercises = tuple(ExerciseResult(e, e, 1, 0, 0, 2) for e in EXERCISES)
    result = SubmissionResult("s", "invalid", reason, 0, len(EXERCISES), exercises, props)
    feedback = feedback_markdown(result)
    assert feedback.count("SyntaxError") == 1 and f"### {len(props)} checks (failed) of add, mul" in feedback
    assert "None of them ran, for the reason above." in feedback
    assert exercise_feedback(result, "add") == f"2 checks (failed): not run: {reason}"
    # checks that say something of their own are each shown
    mixed = SubmissionResult("s", "graded", "", 0, 1, exercises[:1],
                             (_failing("test_add::a", "add", "h1"), _failing("test_add::b", "add", "h2")))
    assert feedback_markdown(mixed).count("**Hint:**") == 2


@pytest.mark.parametrize("total, said", [(1, "Its one check passed."), (3, "All 3 checks passed."),
                                         (0, "No check of this exercise ran.")])
def test_a_passing_exercise_says_how_many_checks_in_good_english(total: int, said: str) -> None:
    """Issue 18: "All 1 checks passed"."""
    from autograder.report import gradescope_results

    result = SubmissionResult("s", "graded", "", 1, 1, (ExerciseResult("add", "addition", 1, 1, total, total),))
    assert gradescope_results(result).tests[0].output == said


def test_results_json_says_the_layer_kit_and_exam(tmp_path: Path) -> None:
    """Issue 18: results.json and grades.csv did not record the isolation layer."""
    import csv
    import json

    result = SubmissionResult("s", "graded", "", 1, 1, (ExerciseResult("add", "addition", 1, 1, 2, 2),),
                              isolation="uid", kit_version="1.2.3", exam="abc")
    write_outputs([result], tmp_path)
    data = json.loads((tmp_path / "s" / "results.json").read_text())
    assert data["extra_data"] == {"student": "s", "status": "graded", "isolation": "uid", "kit_version": "1.2.3",
                                  "exam": "abc"}
    with (tmp_path / "grades.csv").open(newline="") as f:
        assert next(csv.DictReader(f))["isolation"] == "uid"


@pytest.mark.slow
def test_the_report_of_the_sample_class_and_every_mutant_shows_each_first_misconception(tmp_path: Path) -> None:
    """Issue 18, done when: the report of the sample class plus the catalogue's mutants shows every
    student's first misconception (six students' appeared nowhere when it kept the top 10 hints)."""
    import shutil

    from autograder import Limits, grade, load_rubric
    from micrograd.mutants import CATALOGUE, write_mutant

    examples = Path(__file__).parents[2] / "examples" / "submissions"
    paths = [Path(shutil.copytree(examples / name, tmp_path / "class" / name)) for name in ("correct", "buggy",
                                                                                            "hostile")]
    paths += [write_mutant(mutant, tmp_path / "class" / name) for name, mutant in CATALOGUE.items()]
    rubric = tmp_path / "rubric.toml"
    rubric.write_text("[settings]\nmax_examples = 5\n", encoding="utf-8")
    # a plain process: the report is what this test is about (and bwrap's sandboxes were killed at random under
    # load, issue 21 item 1)
    results = grade(paths, tmp_path / "out", rubric=load_rubric(rubric), limits=Limits(timeout=2.0, budget=30.0),
                    jobs=2, isolation="none")
    report = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert len(_grid_rows(report)) == len(paths) == len(results)
    rows = _section(report, "misconceptions").split("<tr>")[2:]
    firsts = {r.student: first_misconception(r) for r in results}
    for student, first in firsts.items():
        if first is None:
            continue
        exercise, hint = first
        row = next(row for row in rows if f"<td>{html.escape(exercise)}</td><td>{html.escape(hint)}</td>" in row)
        assert f"<a href='{student}/feedback.md'>{student}</a>" in row, student
    caught = [s for s, first in firsts.items() if first is not None]
    assert len(caught) >= 0.8 * len(CATALOGUE)  # the class is not trivial: most mutants are caught, with a hint
    counts = [int(n) for n in re.findall(r"</td><td>(\d+)</td><td><a ", "".join(rows))]
    assert sum(counts) == len(caught) and len(counts) > 10  # each student once; more than the chart's top 10
    assert f"and {len(counts) - 10} more: <a href='#misconceptions'>" in report
