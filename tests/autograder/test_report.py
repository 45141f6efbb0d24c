"""report.html: plots with matplotlib (their labels readable); without it, the same tables and a line
saying how to get the plots; the misconceptions are real hints, counted per student; every student
links to their feedback."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path
from typing import List

import pytest

from autograder.report import (
    ExerciseResult,
    PropertyResult,
    SubmissionResult,
    misconceptions,
    misconceptions_figure,
    pass_rate_figure,
    write_outputs,
)
from micrograd.verdict import EXERCISES

HINT = "tanh' is 1 - tanh**2"


def _results() -> List[SubmissionResult]:
    failed = PropertyResult("test_tanh::test_tanh_grad", "tanh", "failed", "tanh: gradients differ",
                            "a = Value(0.5)", (("a.grad", "0.786", "0.5"),), HINT)
    passed = PropertyResult("test_tanh::test_tanh_grad", "tanh", "passed")
    return [
        SubmissionResult("alice", "graded", "", 1.0, 1.0, (ExerciseResult("tanh", "tanh", 1, 1.0, 1, 1),), (passed,)),
        SubmissionResult("bob", "graded", "", 0.0, 1.0, (ExerciseResult("tanh", "tanh", 1, 0.0, 0, 1),), (failed,)),
    ]


def test_the_report_has_plots_and_tables_with_matplotlib(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")  # installed in the kit's dev environment; the other test covers without
    write_outputs(_results(), tmp_path)
    report = (tmp_path / "report.html").read_text()
    assert report.count("data:image/png;base64,") == 3
    assert "pip install matplotlib" not in report
    assert "<td>tanh</td><td>50%</td>" in report  # pass rate per exercise
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
    assert "<td>tanh</td><td>50%</td>" in report
    assert "tanh&#x27; is 1 - tanh**2" in report
    assert ">alice</a></td><td>1/1</td>" in report and ">bob</a></td><td>0/1</td>" in report
    assert (tmp_path / "grades.csv").is_file() and (tmp_path / "bob" / "results.json").is_file()


def _class() -> List[SubmissionResult]:
    """Three students with the tanh misconception (one of them fails three tanh checks, one also
    fails training because of it), one whose add bug also fails tanh, and the usual noise of a real
    class: a hung submission and one that never loaded."""
    def failing(pid: str, exercise: str, hint: str) -> PropertyResult:
        return PropertyResult(pid, exercise, "failed", "wrong gradient", "a = Value(1.0)", (("a.grad", "1", "2"),),
                              hint)

    tanh = [failing(f"test_tanh::t{i}", "tanh", HINT) for i in range(3)]
    add = failing("test_add::t", "add", "accumulate with +=")
    training = failing("test_training::t", "training", "each round: compute the loss, call backward")
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


def test_the_report_shows_the_misconceptions_and_links_every_student_to_their_feedback(tmp_path: Path) -> None:
    write_outputs(_class(), tmp_path, html_report=True)
    report = (tmp_path / "report.html").read_text(encoding="utf-8")
    table = report.split("Most common misconceptions</h2>", 1)[1].split("<table>", 1)[1].split("</table>", 1)[0]
    assert "<td>1</td><td>tanh</td><td>tanh&#x27; is 1 - tanh**2</td><td>3</td>" in table
    assert "not run" not in table and "Timeout" not in table
    for folder, name in [("ann", "ann"), ("Jos%C3%A9_Mar%C3%ADa_Garc%C3%ADa", "José María García")]:
        assert f"<a href='{folder}/feedback.md'>{name}</a>" in report
    assert (tmp_path / "José_María_García" / "feedback.md").is_file()


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
    fig = misconceptions_figure(common)
    try:
        ax = fig.axes[0]
        bars = sorted(ax.patches, key=lambda bar: -bar.get_y())  # top first
        assert [bar.get_width() for bar in bars] == [5, 3, 2]
        ticks = sorted(zip(ax.get_yticks(), ax.get_yticklabels()), key=lambda tick: -tick[0])  # top first
        labels = [label.get_text() for _, label in ticks]
        assert [label.split(".")[0] for label in labels] == ["1", "2", "3"] and len(set(labels)) == 3
        assert labels[0].startswith("1. accumulation: a node used twice") and labels[1].startswith("2. tanh")
    finally:
        plt.close(fig)
