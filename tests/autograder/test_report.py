"""report.html: plots with matplotlib; without it, the same tables and a line saying how to get the plots."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List

import pytest

from autograder.report import ExerciseResult, PropertyResult, SubmissionResult, write_outputs


def _results() -> List[SubmissionResult]:
    failed = PropertyResult("test_tanh::test_tanh_grad", "tanh", "failed", "tanh: gradients differ",
                            "a = Value(0.5)", (("a.grad", "0.786", "0.5"),), "tanh' is 1 - tanh**2")
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
    assert "<td>alice</td><td>1/1</td>" in report and "<td>bob</td><td>0/1</td>" in report
    assert (tmp_path / "grades.csv").is_file() and (tmp_path / "bob" / "results.json").is_file()
