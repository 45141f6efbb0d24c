"""The course's exam: the course build can draw one (the hidden tests then grade on it), ``--check`` refuses
one that no longer fits, and without one the hidden tests grade on the kit's."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("nbformat", reason="the course build needs nbformat (the grading extra)")

from autograder.course import _grade, build
from micrograd.judge import ExamError, kit_exam
from micrograd.spec import kit_spec


def test_without_an_exam_of_its_own_the_course_grades_on_the_kits(monkeypatch: pytest.MonkeyPatch,
                                                                   tmp_path: Path) -> None:
    monkeypatch.setattr(_grade, "EXAM", tmp_path / "exam.json")
    monkeypatch.delenv("MICROGRAD_COURSE_EXAM", raising=False)
    assert _grade.course_exam(_grade.course_rubric()).digest == kit_exam(kit_spec()).digest
    assert build.check_exam() == []


def test_the_build_draws_the_course_exam_and_its_check_refuses_a_damaged_one(monkeypatch: pytest.MonkeyPatch,
                                                                            tmp_path: Path) -> None:
    monkeypatch.setattr(_grade, "EXAM", tmp_path / "exam.json")
    monkeypatch.setattr(build, "write_source", lambda: tmp_path / "micrograd.ipynb")
    assert build.main(["--exam"]) == 0 and (tmp_path / "exam.json").is_file()
    exam = _grade.course_exam(_grade.course_rubric())
    assert exam.source == str(tmp_path / "exam.json") and build.check_exam() == []
    (tmp_path / "exam.json").write_text((tmp_path / "exam.json").read_text()[:1000])
    (problem,) = build.check_exam()
    assert "not valid JSON" in problem and "--exam" in problem
    monkeypatch.setenv("MICROGRAD_COURSE_EXAM", str(tmp_path / "nowhere.json"))
    with pytest.raises(ExamError, match=r"nowhere\.json"):
        _grade.course_exam(_grade.course_rubric())
