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
    assert notes == [f"3 submissions would be 'alice': {a} is graded as 'alice', {a} as 'alice-2', "
                     f"{tmp_path / 'section_a' / 'alice.zip'} as 'alice-3'"]


def test_ids_differ_without_case(tmp_path: Path) -> None:
    """Alice/ and alice/ are one folder on macOS and Windows, where the outputs may be copied."""
    found, notes = identify_all([_folder(tmp_path / "Alice"), _folder(tmp_path / "alice")])
    assert [i.student for i in found] == ["Alice", "alice-2"] and len(notes) == 1


@pytest.mark.parametrize("name", ["grades.csv", "Report.HTML", "class.json", "results.json", "feedback.md",
                                  "exam.json", "exam-v2.json"])
def test_an_id_is_never_the_name_of_an_output(tmp_path: Path, name: str) -> None:
    """Issue 21: a student id equal to an output file's name stopped that file from being written."""
    found, notes = identify_all([_folder(tmp_path / name), _folder(tmp_path / "bob")])
    assert [i.student for i in found] == [f"student-{name}", "bob"]
    assert notes == [f"{tmp_path / name} would be {name!r}, the name of an output: it is graded as "
                     f"'student-{name}'"]
    write_outputs([_result(i.student, i.name, i.submission) for i in found], tmp_path / "out")
    assert (tmp_path / "out" / "grades.csv").is_file() and (tmp_path / "out" / f"student-{name}").is_dir()


def test_write_outputs_refuses_ids_that_cannot_be_folders(tmp_path: Path) -> None:
    for bad in ("grades.csv", "CLASS.json", ".hidden", "a/b"):
        with pytest.raises(ValueError, match="cannot be a folder of the outputs"):
            write_outputs([_result(bad, bad, bad)], tmp_path / "out")
    with pytest.raises(ValueError, match="student id 'Bob'"):
        write_outputs([_result("Bob", "", ""), _result("bob", "", "")], tmp_path / "out")


def test_a_name_of_any_bytes_is_graded_under_an_id_of_its_own(tmp_path: Path) -> None:
    """Issue 21: a folder name that is not valid UTF-8 crashed the batch before anyone was graded."""
    import os

    raw = os.fsencode(tmp_path) + b"/caf\xe9 \xff\xfe"
    os.mkdir(raw)
    os.mkdir(os.fsencode(tmp_path) + b"/caf\xe9")
    path = Path(os.fsdecode(raw))
    found, notes = identify_all([path, Path(os.fsdecode(os.fsencode(tmp_path) + b"/caf\xe9"))])
    assert notes == []
    assert [(i.student, i.name) for i in found] == [("caf_xe9_xff_xfe", "caf\\xe9 \\xff\\xfe"),
                                                    ("caf_xe9", "caf\\xe9")]
    assert found[0].submission.endswith("caf\\xe9 \\xff\\xfe")
    for identity in found:
        (identity.student + identity.name + identity.submission).encode("utf-8")  # writable


def test_a_long_name_gets_an_id_a_file_system_takes(tmp_path: Path) -> None:
    name = "王" * 90  # 270 bytes in UTF-8: more than a folder name may have
    student = safe_id(name)
    assert len(student.encode("utf-8")) <= 120 and student == "王" * 40
    write_outputs([_result(student, name, "x")], tmp_path)
    assert (tmp_path / student / "feedback.md").is_file()


def test_a_gradescope_export_is_graded_as_it_comes(tmp_path: Path) -> None:
    """Issue 18: the documented glob export/submission_* also matched submission_metadata.yml, which became
    a student scored 0/21 invalid; the export's folder itself is a class."""
    from autograder.grade import collect_submissions

    export = tmp_path / "export"
    for n in (10, 9, 101):
        _folder(export / f"submission_{n}")
    (export / "submission_metadata.yml").write_text("{}\n", encoding="utf-8")
    (export / ".DS_Store").write_bytes(b"")
    (export / "README.txt").write_text("downloaded on Monday\n", encoding="utf-8")
    found, notes = collect_submissions([export])
    assert [p.name for p in found] == ["submission_9", "submission_10", "submission_101"]
    assert sorted(notes) == [f"skipped {export / '.DS_Store'}: not a submission of the Gradescope export (those are "
                             "its submission_NNN folders)",
                             f"skipped {export / 'README.txt'}: not a submission of the Gradescope export (those are "
                             "its submission_NNN folders)"]
    glob = sorted(export.glob("submission_*"))  # what the shell gives for export/submission_*
    found, notes = collect_submissions(glob)
    assert sorted(p.name for p in found) == ["submission_10", "submission_101", "submission_9"]
    assert notes == [f"skipped {export / 'submission_metadata.yml'}: not a submission (the Gradescope export's list "
                     "of submitters)"]
    found, notes = collect_submissions([tmp_path / "__MACOSX", export / "submission_9"])
    assert found == [export / "submission_9"] and "macOS's archive metadata" in notes[0]


def test_layout_reads_no_zip_beyond_the_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading a zip's list of files happens in the grading process: its end record is checked first."""
    import struct

    from autograder.grade import _identity

    claims = tmp_path / "many.zip"  # an end record claiming 60,000 entries
    claims.write_bytes(b"PK\x05\x06" + struct.pack("<4H2LH", 0, 0, 60000, 60000, 0, 0, 0))

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the zip was parsed")

    monkeypatch.setattr(_identity.zipfile, "ZipFile", never)
    assert layout(claims) == "folder"


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
