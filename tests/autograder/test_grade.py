"""``micrograd grade``: directories, zips and notebooks; outputs; determinism; clear errors."""

from __future__ import annotations

import csv
import json
import sys
import zipfile
from pathlib import Path
from typing import Any, Dict, List

import pytest

from autograder import Limits, grade, load_rubric
from autograder.grade import _command, make_oracle, run_property, spec_properties
from autograder.report import SubmissionResult
from micrograd._paths import exercises_dir, reference_dir
from micrograd.cli import main
from micrograd.impl import LocalEvaluator

EXAMPLES = Path(__file__).parents[2] / "examples" / "submissions"
RUBRIC = Path(__file__).parent / "mini_rubric.toml"
LIMITS = Limits(timeout=1.0, budget=20.0)


def _notebook(path: Path) -> Path:
    engine = (EXAMPLES / "correct" / "engine.py").read_text()
    nn = (EXAMPLES / "correct" / "nn.py").read_text().replace("from .engine import Value", "")
    cells = [("markdown", "# My micrograd"), ("code", "%matplotlib inline"), ("code", engine), ("code", nn),
             ("code", "!pip install nothing\nprint(Value(2.0) * 3)")]
    notebook = {
        "nbformat": 4, "nbformat_minor": 5, "metadata": {},
        "cells": [{"cell_type": kind, "id": f"c{i}", "metadata": {}, "source": text.splitlines(keepends=True),
                   **({"outputs": [], "execution_count": None} if kind == "code" else {})}
                  for i, (kind, text) in enumerate(cells)],
    }
    path.write_text(json.dumps(notebook))
    return path


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Any]:
    root = tmp_path_factory.mktemp("subs")
    with zipfile.ZipFile(root / "zipped.zip", "w") as z:
        for name in ("engine.py", "nn.py"):
            z.write(EXAMPLES / "correct" / name, f"my_work/{name}")
    (root / "not_a_zip.zip").write_text("hello")
    (root / "empty").mkdir()
    numpy_user = root / "numpy_user"
    numpy_user.mkdir()
    (numpy_user / "engine.py").write_text("import numpy\n" + (EXAMPLES / "correct" / "engine.py").read_text())
    (numpy_user / "nn.py").write_text((EXAMPLES / "correct" / "nn.py").read_text())
    paths = [EXAMPLES / "correct", EXAMPLES / "buggy", root / "zipped.zip", _notebook(root / "notebook.ipynb"),
             root / "not_a_zip.zip", root / "empty", numpy_user]
    rubric = load_rubric(RUBRIC)
    first = grade(paths, root / "out1", rubric=rubric, limits=LIMITS, jobs=2)
    second = grade(paths, root / "out2", rubric=rubric, limits=LIMITS, jobs=1, html=False)
    return {"first": {r.student: r for r in first}, "second": second, "out": root / "out1", "order": first}


@pytest.mark.slow
def test_every_kind_of_submission_is_graded(batch: Dict[str, Any]) -> None:
    got = {name: (r.status, r.score) for name, r in batch["first"].items()}
    assert got == {
        "correct": ("graded", 6), "buggy": ("graded", 2 + 2 + 1),  # tanh fails; the mini spec misses its = for +=
        "zipped": ("graded", 6), "notebook": ("graded", 6),
        "not_a_zip": ("invalid", 0), "empty": ("invalid", 0), "numpy_user": ("invalid", 0),
    }
    reasons = {name: r.reason for name, r in batch["first"].items()}
    assert "not a valid zip" in reasons["not_a_zip"]
    assert "no engine.py" in reasons["empty"]
    assert "imports numpy (line 1)" in reasons["numpy_user"]


@pytest.mark.slow
def test_grading_twice_gives_identical_results(batch: Dict[str, Any]) -> None:
    def strip(r: Any) -> Any:
        return (r.student, r.status, r.reason, r.score, r.exercises, r.properties)

    assert [strip(r) for r in batch["order"]] == [strip(r) for r in batch["second"]]


@pytest.mark.slow
def test_outputs_follow_the_gradescope_format(batch: Dict[str, Any]) -> None:
    out: Path = batch["out"]
    with (out / "grades.csv").open() as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == ["student", "name", "score", "max_score", "add", "mul", "tanh", "accumulation",
                                     "status", "reason", "submission"]
        rows = list(reader)
    assert [row["student"] for row in rows] == [r.student for r in batch["order"]]
    for r in batch["order"]:
        data = json.loads((out / r.student / "results.json").read_text())
        assert isinstance(data["score"], (int, float)) and data["score"] == r.score
        for test in data["tests"]:
            assert set(test) >= {"name", "score", "max_score", "output", "visibility"}
            assert test["visibility"] in ("hidden", "after_due_date", "after_published", "visible")
            assert 0 <= test["score"] <= test["max_score"]
        assert sum(t["score"] for t in data["tests"]) == pytest.approx(r.score)
    feedback = (out / "buggy" / "feedback.md").read_text()
    # a runnable counterexample that loads the student's own code, not the kit's reference
    assert "```python\n# run this next to your engine.py and nn.py\nfrom micrograd.impl import load_implementation" \
        in feedback
    assert "micrograd.engine" not in feedback
    assert "| | expected | got |" in feedback
    report = (out / "report.html").read_text()
    assert report.count("data:image/png;base64,") == 3


def test_the_command_line_explains_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grade", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]) == 2
    assert "no such submission" in capsys.readouterr().err
    bad = tmp_path / "r.toml"
    bad.write_text("[exercises.nope]\n")
    assert main(["grade", str(EXAMPLES / "correct"), "--out", str(tmp_path / "o"), "--rubric", str(bad)]) == 2
    assert "unknown exercise 'nope'" in capsys.readouterr().err
    assert main(["grade", str(EXAMPLES / "correct"), "--out", str(tmp_path / "o"), "--timeout", "0"]) == 2
    assert "timeout" in capsys.readouterr().err


def _no_grading(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("the batch was graded before the outputs were checked")


@pytest.mark.parametrize("where", ["a file", "inside a file"])
def test_an_out_that_cannot_be_written_is_an_error_before_grading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    monkeypatch.setattr(_command, "grade_batch", _no_grading)
    existing = tmp_path / "grades.csv"
    existing.write_text("keep me\n")
    out = existing if where == "a file" else existing / "out"
    assert main(["grade", str(EXAMPLES / "correct"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "micrograd grade: error:" in err and str(existing) in err and "Traceback" not in err
    assert existing.read_text() == "keep me\n"


def test_a_failure_to_write_the_outputs_is_an_error_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def graded(paths: Any, *args: Any, **kwargs: Any) -> List[SubmissionResult]:
        return [SubmissionResult("x", "graded", "", 1.0, 1.0) for _ in paths]

    monkeypatch.setattr(_command, "grade_batch", graded)
    out = tmp_path / "out"
    out.mkdir()
    (out / "correct").write_text("a file where the student's folder goes\n")
    assert main(["grade", str(EXAMPLES / "correct"), "--out", str(out), "--no-html"]) == 2
    err = capsys.readouterr().err
    assert "cannot write the grades into" in err and "correct" in err and "Traceback" not in err


def test_an_untouched_stub_passes_no_check() -> None:
    """Item 10: the stubs of exercises/ scored 0.5/19 (a property passed while the code raised)."""
    from autograder.grade import grading_exam

    stubs, oracle, exam = LocalEvaluator(exercises_dir()), make_oracle(), grading_exam(load_rubric())
    properties = spec_properties()
    passing = [p.id for p in properties if run_property(p, stubs, oracle, exam).passed]
    assert properties and passing == []


@pytest.mark.slow
def test_untouched_stubs_score_zero(tmp_path: Path) -> None:
    (result,) = grade([exercises_dir()], tmp_path / "out", limits=LIMITS, html=False)
    assert (result.status, result.score, result.max_score) == ("graded", 0, load_rubric().max_score)


def test_the_same_name_twice_gets_two_folders_and_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def graded(paths: Any, *args: Any, **kwargs: Any) -> List[SubmissionResult]:
        return [SubmissionResult("correct", "graded", "", float(i), 1.0) for i, _ in enumerate(paths)]

    monkeypatch.setattr(_command, "grade_batch", graded)
    twice = [str(EXAMPLES / "correct"), str(EXAMPLES / "correct")]
    assert main(["grade", *twice, "--out", str(tmp_path / "out"), "--no-html"]) == 0
    assert "are both 'correct'" in capsys.readouterr().err
    with (tmp_path / "out" / "grades.csv").open() as f:
        assert [(r["student"], r["score"]) for r in csv.DictReader(f)] == [("correct", "0"), ("correct-2", "1")]


@pytest.mark.slow
def test_workers_do_not_rerun_the_callers_main(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A spawned worker re-runs __main__ by path: a script without a main guard, a notebook kernel or a
    test harness's generated script (streamlit's AppTest left one) broke the pool for the whole batch."""
    import types

    from autograder.grade import grade_batch

    script = tmp_path / "caller.py"
    script.write_text("raise SystemExit('the caller ran again in a worker')\n")
    main = types.ModuleType("__main__")
    main.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", main)
    results = grade_batch([exercises_dir(), reference_dir()], load_rubric(), LIMITS, jobs=2)
    assert [r.status for r in results] == ["graded", "graded"]
    assert sys.modules["__main__"] is main
