"""``micrograd grade``: directories, zips and notebooks; outputs; determinism; clear errors."""

from __future__ import annotations

import csv
import dataclasses
import json
import re
import shutil
import sys
import zipfile
from pathlib import Path
from typing import Any, Dict, List

import pytest

from autograder import Limits, grade, load_rubric
from autograder.grade import _command, make_oracle, run_property, spec_properties
from autograder.report import ExerciseResult, SubmissionResult
from micrograd import __version__
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
    syntax_error = root / "syntax_error"
    syntax_error.mkdir()
    (syntax_error / "engine.py").write_text("class Value:\n    def __init__(self, data:\n")
    (syntax_error / "nn.py").write_text((EXAMPLES / "correct" / "nn.py").read_text())
    paths = [EXAMPLES / "correct", EXAMPLES / "buggy", root / "zipped.zip", _notebook(root / "notebook.ipynb"),
             root / "not_a_zip.zip", root / "empty", numpy_user, syntax_error]
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
        "syntax_error": ("invalid", 0),
    }
    reasons = {name: r.reason for name, r in batch["first"].items()}
    assert "not a valid zip" in reasons["not_a_zip"]
    assert "no engine.py" in reasons["empty"]
    assert "imports numpy (line 1)" in reasons["numpy_user"]
    assert "SyntaxError" in reasons["syntax_error"]
    # said once in the student's feedback, not once per check (issue 18: 43 times)
    assert (batch["out"] / "syntax_error" / "feedback.md").read_text().count("SyntaxError") == 1


@pytest.mark.slow
def test_grading_twice_gives_identical_results(batch: Dict[str, Any]) -> None:
    def strip(r: Any) -> Any:  # everything but how long each check took
        return (r.student, r.status, r.reason, r.score, r.exercises,
                tuple(dataclasses.replace(p, seconds=0.0) for p in r.properties))

    assert [strip(r) for r in batch["order"]] == [strip(r) for r in batch["second"]]
    assert any(p.seconds > 0 for r in batch["order"] for p in r.properties)  # the time is measured, not compared


@pytest.mark.slow
def test_outputs_follow_the_gradescope_format(batch: Dict[str, Any]) -> None:
    out: Path = batch["out"]
    with (out / "grades.csv").open() as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == ["student", "name", "score", "max_score", "add", "mul", "tanh", "accumulation",
                                     "status", "reason", "isolation", "submission"]
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
        assert data["extra_data"]["isolation"] == r.isolation != "" and data["extra_data"]["kit_version"] == __version__
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


def test_a_student_whose_files_cannot_be_written_costs_only_their_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 21: one student's outputs that could not be written stopped everyone's (no grades.csv, no
    report). Now the others are written, grades.csv says what happened to that student, and the command
    says so and exits 1."""
    monkeypatch.setattr(_command, "grade_batch", _fake_batch)
    out = tmp_path / "out"
    out.mkdir()
    (out / "correct").write_text("a file where the student's folder goes\n")
    assert main(["grade", str(EXAMPLES / "correct"), str(EXAMPLES / "buggy"), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "correct: its feedback.md and results.json could not be written" in err and "Traceback" not in err
    rows = _rows(out)
    assert [r["student"] for r in rows] == ["correct", "buggy"]
    assert "could not be written" in rows[0]["reason"] and rows[1]["reason"] == ""
    assert (out / "buggy" / "feedback.md").is_file() and (out / "report.html").is_file()
    assert (out / "correct").read_text() == "a file where the student's folder goes\n"


def test_an_out_in_a_missing_folder_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 18: a typo in --out's parent created a whole tree."""
    monkeypatch.setattr(_command, "grade_batch", _no_grading)
    out = tmp_path / "typo" / "grades"
    assert main(["grade", str(EXAMPLES / "correct"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"the folder {tmp_path / 'typo'} does not exist" in err
    assert not (tmp_path / "typo").exists()


def test_the_help_shows_every_default(capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 18: --help showed no defaults for --timeout and --memory."""
    for command in ("grade", "gradescope"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        text = " ".join(capsys.readouterr().out.split())
        assert f"(default {Limits.timeout:g}" in text and f"(default {Limits.memory_mb}" in text, command


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
    assert "2 submissions would be 'correct'" in " ".join(capsys.readouterr().err.split())
    with (tmp_path / "out" / "grades.csv").open() as f:
        assert [(r["student"], r["score"]) for r in csv.DictReader(f)] == [("correct", "0"), ("correct-2", "1")]


def test_notes_and_the_table_name_each_student_as_grades_csv_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 18: the note said same/bob.zip was bob and same/bob was bob-2, grades.csv the other way
    round; the terminal table showed names, so two rows of one name could not be told apart."""
    monkeypatch.setattr(_command, "grade_batch", _fake_batch)
    same = tmp_path / "same"
    (same / "bob").mkdir(parents=True)
    with zipfile.ZipFile(same / "bob.zip", "w") as z:
        z.writestr("engine.py", "")
    other = tmp_path / "other" / "bob"
    other.mkdir(parents=True)
    given = [same / "bob", same / "bob.zip", other]
    monkeypatch.setenv("COLUMNS", "400")  # one line per note
    assert main(["grade", *map(str, given), "--out", str(tmp_path / "out"), "--no-html"]) == 0
    captured = capsys.readouterr()
    csv_ids = {r["submission"]: r["student"] for r in _rows(tmp_path / "out")}
    said = re.findall(r"(\S+) (?:is|is graded as|as) '([^']+)'", " ".join(captured.err.split()))
    assert said and all(csv_ids[path] == student for path, student in said), (said, csv_ids)
    assert [csv_ids[str(p)] for p in given] == ["bob", "bob-2", "bob-3"]  # the parents cannot tell them apart
    table = [line for line in captured.out.splitlines() if "bob" in line]
    assert len(table) == 3 and all(any(i in line for line in table) for i in csv_ids.values())


def _fake_batch(paths: Any, *args: Any, **kwargs: Any) -> List[SubmissionResult]:
    """Grades without grading: a score from the submission's name (each "fixed" one scores 1), on the exam given."""
    exam = kwargs.get("exam")
    return [SubmissionResult(Path(p).name, "graded", "", 1.0 if "fixed" in str(p) else 0.5, 1.0,
                             (ExerciseResult("add", "addition", 1, 0.5, 1, 2),), isolation="bwrap",
                             kit_version=__version__, exam=exam.digest if exam is not None else "") for p in paths]


def _rows(out: Path) -> List[Dict[str, str]]:
    with (out / "grades.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _class_of(root: Path, names: Any) -> List[Path]:
    folders = []
    for name in names:
        (root / name).mkdir(parents=True)
        folders.append(root / name)
    return folders


def test_an_earlier_run_is_never_overwritten_without_a_choice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 18: grading two students into a class folder of 16 rewrote grades.csv with 2 and left the
    14 other folders, stale. Now it refuses before grading, naming the choices."""
    monkeypatch.setattr(_command, "grade_batch", _fake_batch)
    subs = _class_of(tmp_path / "subs", ["ann", "ben", "cat"])
    out = tmp_path / "out"
    assert main(["grade", *map(str, subs), "--out", str(out)]) == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    monkeypatch.setattr(_command, "grade_batch", _no_grading)
    assert main(["grade", str(subs[0]), "--out", str(out)]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert f"--out {out} holds an earlier run (3 students)" in err and "--update" in err and "--fresh" in err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    # with both choices, argparse refuses
    with pytest.raises(SystemExit):
        main(["grade", str(subs[0]), "--out", str(out), "--update", "--fresh"])


def test_fresh_replaces_the_class_and_leaves_no_stale_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_command, "grade_batch", _fake_batch)
    subs = _class_of(tmp_path / "subs", ["ann", "ben", "cat"])
    out = tmp_path / "out"
    assert main(["grade", *map(str, subs), "--out", str(out)]) == 0
    (out / "notes.txt").write_text("the instructor's own file\n")
    (out / "ben" / "comments.txt").write_text("kept: micrograd grade did not write it\n")
    assert main(["grade", str(subs[0]), "--out", str(out), "--fresh"]) == 0
    assert [r["student"] for r in _rows(out)] == ["ann"]
    assert not (out / "cat").exists() and not (out / "ben" / "feedback.md").exists()
    assert (out / "notes.txt").is_file() and (out / "ben" / "comments.txt").is_file()
    assert "--fresh: kept ben" in " ".join(capsys.readouterr().err.split())


def test_update_refuses_a_class_graded_by_another_kit_or_rubric_or_an_older_kit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    monkeypatch.setattr(_command, "grade_batch", _fake_batch)
    subs = _class_of(tmp_path / "subs", ["ann", "ben"])
    out = tmp_path / "out"
    assert main(["grade", *map(str, subs), "--out", str(out)]) == 0
    monkeypatch.setattr(_command, "grade_batch", _no_grading)
    # another rubric (more examples per property)
    assert main(["grade", str(subs[0]), "--out", str(out), "--update", "--max-examples", "3"]) == 2
    assert "graded with another rubric" in capsys.readouterr().err
    # another kit, or another exam
    record = json.loads((out / "class.json").read_text())
    from autograder.grade import grading_exam

    kit_exam = grading_exam(load_rubric()).digest
    for key, value, words in [("kit_version", "0.0.1", "another kit (0.0.1; this run: "),
                              ("exam", "f00d", f"another exam (f00d; this run: {kit_exam})")]:
        changed = json.loads(json.dumps(record))
        changed["students"][1]["result"][key] = value
        (out / "class.json").write_text(json.dumps(changed))
        assert main(["grade", str(subs[0]), "--out", str(out), "--update"]) == 2
        assert words in " ".join(capsys.readouterr().err.split())
    (out / "class.json").write_text(json.dumps(record))
    # a class graded on a private exam (--exam): --update without it, or with another, is refused; with it, done
    private = tmp_path / "private.json"
    assert main(["exam", "--out", str(private), "--seed", "7"]) == 0
    capsys.readouterr()
    monkeypatch.setattr(_command, "grade_batch", _fake_batch)
    assert main(["grade", *map(str, subs), "--out", str(out), "--fresh", "--exam", str(private)]) == 0
    assert json.loads((out / "exam.json").read_text())["digest"] == json.loads(private.read_text())["digest"]
    capsys.readouterr()
    assert main(["grade", str(subs[0]), "--out", str(out), "--update"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert f"another exam ({json.loads(private.read_text())['digest']}; this run: {kit_exam})" in err
    assert f"{out / 'exam.json'}: give it with --exam" in err
    assert main(["grade", str(subs[0]), "--out", str(out), "--update", "--exam", str(out / "exam.json")]) == 0
    # a class folder written by a kit that kept no class.json, or a broken one
    (out / "class.json").write_text("{not json")
    assert main(["grade", str(subs[0]), "--out", str(out), "--update"]) == 2
    assert "cannot be read" in capsys.readouterr().err
    (out / "class.json").unlink()
    assert main(["grade", str(subs[0]), "--out", str(out), "--update"]) == 2
    assert "without class.json" in capsys.readouterr().err


def test_update_knows_a_submission_again_by_its_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regrading same/bob alone must replace the student graded from same/bob (bob-2 then), not bob."""
    monkeypatch.setattr(_command, "grade_batch", _fake_batch)
    same = tmp_path / "same"
    (same / "bob").mkdir(parents=True)
    (same / "bob.zip").write_bytes(b"")
    assert main(["grade", str(same / "bob.zip"), str(same / "bob"), "--out", str(tmp_path / "out")]) == 0
    assert [(r["student"], r["submission"]) for r in _rows(tmp_path / "out")] == [
        ("bob", str(same / "bob.zip")), ("bob-2", str(same / "bob"))]
    (same / "bob").rename(same / "bob_fixed")
    (same / "bob_fixed").rename(same / "bob")  # the same path, new files
    monkeypatch.setattr(_command, "grade_batch", lambda paths, *a, **k: [
        dataclasses.replace(r, score=1.0) for r in _fake_batch(paths)])
    assert main(["grade", str(same / "bob"), "--out", str(tmp_path / "out"), "--update"]) == 0
    assert [(r["student"], r["score"]) for r in _rows(tmp_path / "out")] == [("bob", "0.5"), ("bob-2", "1")]
    assert "replaced 1 (bob-2); added 0 (none); kept 1 (bob)" in " ".join(capsys.readouterr().err.split())


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


@pytest.mark.slow
def test_regrading_two_students_with_update_keeps_the_class(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 18, done when: a class graded into a folder, two students regraded with --update: grades.csv has
    every student once, the two new scores and the others unchanged; report.html lists them all; without
    --update or --fresh the run refuses before grading."""
    subs = tmp_path / "subs"
    students = {"ann": "correct", "ben": "correct", "cat": "buggy", "dan": "buggy", "eve": "correct"}
    for name, example in students.items():
        shutil.copytree(EXAMPLES / example, subs / name)
    out = tmp_path / "class"
    rubric = load_rubric(RUBRIC)
    # the layer is not what this test is about: a plain process, which bwrap's random kills under load
    # (issue 21, item 1) cannot touch
    grade(sorted(subs.iterdir()), out, rubric=rubric, limits=LIMITS, jobs=2, isolation="none")
    before = {r["student"]: r for r in _rows(out)}
    assert sorted(before) == sorted(students) and before["cat"]["score"] != before["ann"]["score"]
    # ann breaks her engine, cat fixes his
    for name, example in (("ann", "buggy"), ("cat", "correct")):
        shutil.rmtree(subs / name)
        shutil.copytree(EXAMPLES / example, subs / name)
    monkeypatch.setattr(_command, "grade_batch", _no_grading)
    assert main(["grade", str(subs / "ann"), str(subs / "cat"), "--out", str(out)]) == 2
    monkeypatch.undo()
    grade([subs / "ann", subs / "cat"], out, rubric=rubric, limits=LIMITS, jobs=2, isolation="none", update=True)
    after = _rows(out)
    assert [r["student"] for r in after] == [r["student"] for r in before.values()]  # each once, in the class's order
    after_by = {r["student"]: r for r in after}
    assert after_by["ann"]["score"] == before["cat"]["score"] and after_by["cat"]["score"] == before["ann"]["score"]
    for name in ("ben", "dan", "eve"):
        assert after_by[name] == before[name]
    report = (out / "report.html").read_text(encoding="utf-8")
    grid = report.split("id='grid'", 1)[1].split("<h2", 1)[0]
    for name in students:
        assert f"<a href='{name}/feedback.md'>{name}</a></th>" in grid
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == sorted(students)


def _export(root: Path) -> Path:
    """A Gradescope "Export Submissions", unzipped: submission_NNN folders and submission_metadata.yml."""
    export = root / "assignment_42_export"
    for n, example in ((7, "correct"), (12, "buggy")):
        shutil.copytree(EXAMPLES / example, export / f"submission_{n}")
    (export / "submission_metadata.yml").write_text(
        "submission_7:\n  :submitters:\n  - :name: Ada Lovelace\n    :sid: '1'\n"
        "submission_12:\n  :submitters:\n  - :name: Alan Turing\n    :sid: '2'\n", encoding="utf-8")
    return export


@pytest.mark.parametrize("given", ["the folder", "the glob"])
def test_a_gradescope_export_gets_one_row_per_submission(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, given: str
) -> None:
    """Issue 18: the documented export/submission_* also graded submission_metadata.yml (0/21, invalid);
    the export's folder itself was one invalid submission."""
    pytest.importorskip("yaml", reason="reading a Gradescope export needs PyYAML (the grading extra)")
    monkeypatch.setattr(_command, "grade_batch", _fake_batch)
    monkeypatch.setenv("COLUMNS", "400")  # one line per note
    export = _export(tmp_path)
    args = [str(export)] if given == "the folder" else [str(p) for p in sorted(export.glob("submission_*"))]
    assert main(["grade", *args, "--out", str(tmp_path / "out")]) == 0
    rows = sorted(_rows(tmp_path / "out"), key=lambda r: r["student"])  # the glob's order is the shell's
    assert [(r["student"], r["name"]) for r in rows] == [("Ada_Lovelace", "Ada Lovelace"),
                                                           ("Alan_Turing", "Alan Turing")]
    assert [Path(r["submission"]).name for r in rows] == ["submission_7", "submission_12"]
    if given == "the glob":  # it matched the metadata too: skipped, and said
        err = " ".join(capsys.readouterr().err.split())
        assert f"skipped {export / 'submission_metadata.yml'}: not a submission" in err


@pytest.mark.slow
def test_a_gradescope_export_is_graded_for_real(tmp_path: Path) -> None:
    pytest.importorskip("yaml", reason="reading a Gradescope export needs PyYAML (the grading extra)")
    export = _export(tmp_path)
    results = grade([export], tmp_path / "out", rubric=load_rubric(RUBRIC), limits=LIMITS, isolation="none")
    assert [(r.student, r.status, r.score) for r in results] == [("Ada_Lovelace", "graded", 6),
                                                                 ("Alan_Turing", "graded", 5)]
    assert len(_rows(tmp_path / "out")) == 2


def test_the_terminal_table_cuts_reasons_at_a_word(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 18: the terminal table cut reasons mid-word; grades.csv keeps them whole."""
    reason = "importing the submission: " + " ".join(f"word{i:03d}" for i in range(60))

    def graded(paths: Any, *args: Any, **kwargs: Any) -> List[SubmissionResult]:
        return [SubmissionResult("correct", "invalid", reason, 0.0, 1.0, isolation="bwrap") for _ in paths]

    monkeypatch.setattr(_command, "grade_batch", graded)
    monkeypatch.setenv("COLUMNS", "400")
    assert main(["grade", str(EXAMPLES / "correct"), "--out", str(tmp_path / "out"), "--no-html"]) == 0
    shown = re.search(r"importing the submission: (.*?) \.\.\.", capsys.readouterr().out)
    assert shown is not None
    words = shown.group(1).split(" ")
    assert all(re.fullmatch(r"word\d{3}", w) for w in words) and 5 < len(words) < 60
    assert _rows(tmp_path / "out")[0]["reason"] == reason
