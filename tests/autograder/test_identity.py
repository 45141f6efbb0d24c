"""Who a submission belongs to: nbgrader's layout, a Gradescope export, plain names (Unicode kept),
collisions resolved and said, never silent; grades.csv has the name and the folder used."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path
from typing import List

import pytest

from autograder.grade import IdentityError, identify, identify_all, layout, safe_id
from autograder.report import ExerciseResult, SubmissionResult, write_outputs

ENGINE = "class Value:\n    pass\n"


def _folder(path: Path, files: tuple = ("engine.py", "nn.py")) -> Path:
    path.mkdir(parents=True)
    for name in files:
        (path / name).write_text(ENGINE if name.endswith(".py") else "{}", encoding="utf-8")
    return path


def test_nbgrader_submissions_are_named_after_the_student_folder(tmp_path: Path) -> None:
    # docs/nbgrader.md: micrograd grade submitted/*/micrograd/micrograd.ipynb
    paths = [_folder(tmp_path / "submitted" / s / "micrograd", ("micrograd.ipynb",)) / "micrograd.ipynb"
             for s in ("alice", "bob", "José")]
    found, notes = identify_all(paths)
    assert [(i.student, i.name, i.layout) for i in found] == [
        ("alice", "alice", "notebook"), ("bob", "bob", "notebook"), ("José", "José", "notebook")]
    assert notes == []
    # the assignment folder and autograded/ work the same way
    assert identify(tmp_path / "submitted" / "bob" / "micrograd").student == "bob"
    assert identify(tmp_path / "autograded" / "carol" / "micrograd" / "micrograd.ipynb").student == "carol"


def test_plain_names_keep_their_unicode(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "José María García.zip", "w") as z:
        z.writestr("work/engine.py", ENGINE)
    identity = identify(tmp_path / "José María García.zip")
    assert identity.name == "José María García"
    assert identity.student == "José_María_García" == safe_id("José María García")
    assert identify(_folder(tmp_path / "Zoë Ødegård")).student == "Zoë_Ødegård"
    assert identify(_folder(tmp_path / "王小明")).student == "王小明"
    assert safe_id("../../etc/passwd") == "etc_passwd" and safe_id("...") == "student"
    assert safe_id("Jose\u0301") == "José"  # one spelling of é, whichever the file system gave


def test_a_gradescope_export_names_the_submitters(tmp_path: Path) -> None:
    pytest.importorskip("yaml", reason="reading a Gradescope export needs PyYAML (the grading extra)")
    export = tmp_path / "assignment_export"
    _folder(export / "submission_101")
    _folder(export / "submission_102", ("micrograd.ipynb",))
    _folder(export / "submission_103")
    (export / "submission_metadata.yml").write_text(
        "submission_101:\n  :submitters:\n  - :name: José María García\n    :sid: '100'\n"
        "    :email: jose@example.edu\n  :created_at: 2024-03-01 10:00:00.000000000 -08:00\n  :score: 0.0\n"
        "submission_102:\n  :submitters:\n  - :name: Pair One\n    :sid: '200'\n  - :name: Pair Two\n"
        "    :sid: '201'\n"
        "submission_103:\n  :submitters:\n  - :sid: '300'\n",
        encoding="utf-8")
    found, notes = identify_all([export / "submission_101", export / "submission_102" / "micrograd.ipynb",
                                 export / "submission_103"])
    assert [(i.student, i.name) for i in found] == [
        ("José_María_García", "José María García"), ("Pair_One_Pair_Two", "Pair One, Pair Two"), ("300", "300")]
    assert found[1].layout == "notebook" and notes == []


def test_an_unreadable_gradescope_export_is_a_clear_error(tmp_path: Path) -> None:
    pytest.importorskip("yaml", reason="reading a Gradescope export needs PyYAML (the grading extra)")
    _folder(tmp_path / "submission_1")
    (tmp_path / "submission_metadata.yml").write_text("submission_1: [unclosed\n", encoding="utf-8")
    with pytest.raises(IdentityError, match=r"submission_metadata\.yml"):
        identify_all([tmp_path / "submission_1"])


def test_collisions_are_resolved_and_said(tmp_path: Path) -> None:
    a = _folder(tmp_path / "section_a" / "alice")
    b = _folder(tmp_path / "section_b" / "alice")
    found, notes = identify_all([a, b])
    assert [i.student for i in found] == ["section_a-alice", "section_b-alice"]
    assert [i.name for i in found] == ["alice", "alice"]
    assert len(notes) == 1 and "section_a" in notes[0] and "section_b" in notes[0]
    # the same folder twice, or one whose parents cannot tell apart: numbered, and said
    found, notes = identify_all([a, a, tmp_path / "section_a" / "alice.zip"])
    assert [i.student for i in found] == ["alice", "alice-2", "alice-3"]
    assert len(notes) == 2 and all("alice" in n for n in notes)


def test_layouts_say_how_the_student_runs_a_counterexample(tmp_path: Path) -> None:
    assert layout(_folder(tmp_path / "plain")) == "folder"
    assert layout(_folder(tmp_path / "nb", ("micrograd.ipynb",))) == "notebook"
    assert layout(_folder(tmp_path / "both", ("micrograd.ipynb", "engine.py"))) == "folder"
    with zipfile.ZipFile(tmp_path / "n.zip", "w") as z:
        z.writestr("hw/micrograd.ipynb", "{}")
    assert layout(tmp_path / "n.zip") == "notebook"
    assert layout(tmp_path / "x.ipynb") == "notebook"


def _result(student: str, name: str, submission: str) -> SubmissionResult:
    return SubmissionResult(student, "graded", "", 1.0, 1.0, (ExerciseResult("add", "addition", 1, 1.0, 2, 2),),
                            (), name=name, submission=submission)


def test_grades_csv_has_the_name_and_the_folder_used(tmp_path: Path) -> None:
    results = [_result("José_María_García", "José María García", "subs/José María García.zip"),
               _result("section_b-alice", "alice", "section_b/alice")]
    write_outputs(results, tmp_path / "out", html_report=False)
    with (tmp_path / "out" / "grades.csv").open(encoding="utf-8", newline="") as f:
        rows: List[dict] = list(csv.DictReader(f))
    assert [(r["student"], r["name"], r["submission"]) for r in rows] == [
        ("José_María_García", "José María García", "subs/José María García.zip"),
        ("section_b-alice", "alice", "section_b/alice")]
    for row in rows:
        assert (tmp_path / "out" / row["student"] / "feedback.md").is_file()
    assert "# Feedback for José María García" in (tmp_path / "out" / "José_María_García" / "feedback.md").read_text()


def test_two_results_with_one_id_are_an_error_not_a_silent_rename(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="student id 'alice'"):
        write_outputs([_result("alice", "alice", "a"), _result("alice", "alice", "b")], tmp_path, html_report=False)
