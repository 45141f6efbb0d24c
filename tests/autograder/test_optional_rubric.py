"""sigmoid, the optional exercise: the default rubric leaves it out (no score moves for a student who never writes
it); an instructor's rubric that names it grades it, on the kit's exam as shipped."""

from __future__ import annotations

from pathlib import Path
from typing import Dict

import pytest

from autograder import Limits
from autograder.grade import grade_batch, grading_exam
from autograder.rubric import Rubric, default_rubric, load_rubric
from micrograd.impl import reference_dir
from micrograd.judge import kit_exam
from micrograd.spec import kit_spec
from micrograd.verdict import COURSE

REPO = Path(__file__).parents[2]
COURSE_RUBRIC = REPO / "autograder" / "course" / "rubric.toml"
WITHOUT_SIGMOID = REPO / "examples" / "submissions" / "correct"  # the whole course, and no Value.sigmoid
SIGMOID_IDS = tuple(p.id for p in kit_spec() if p.exercise == "sigmoid")


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_the_default_rubric_grades_the_default_course_only():
    assert [rule.exercise for rule in default_rubric().rules] == list(COURSE)
    assert "sigmoid" not in COURSE and len(SIGMOID_IDS) == 2
    assert "sigmoid" not in {rule.exercise for rule in load_rubric(COURSE_RUBRIC).rules}


def test_a_rubric_without_exercises_grades_the_default_course(tmp_path: Path):
    rubric = load_rubric(_write(tmp_path, "r.toml", "[settings]\ndefault_points = 2\n"))
    assert [rule.exercise for rule in rubric.rules] == list(COURSE) and rubric.max_score == 2 * len(COURSE)


@pytest.mark.parametrize("text", ["[exercises]\nadd = 1\nsigmoid = 1\n",
                                  "[exercises]\nadd = 1\n\n[exercises.sigmoid]\npoints = 1\n"])
def test_a_rubric_naming_sigmoid_grades_it_with_all_its_properties(tmp_path: Path, text: str):
    rubric = load_rubric(_write(tmp_path, "r.toml", text))
    assert [(rule.exercise, rule.points) for rule in rubric.rules] == [("add", 1.0), ("sigmoid", 1.0)]
    assert rubric.rules[1].properties == SIGMOID_IDS


def _switched_on(folder: Path) -> Path:
    """The nbgrader course's rubric with ``sigmoid = 1`` added under [exercises], as an instructor switches it on."""
    return _write(folder, "rubric.toml", COURSE_RUBRIC.read_text() + "sigmoid = 1\n")


def test_the_kits_exam_holds_sigmoid_so_switching_it_on_needs_no_exam_of_its_own(tmp_path: Path):
    exam = kit_exam(kit_spec())
    assert set(SIGMOID_IDS) <= set(exam.entries)
    assert grading_exam(load_rubric(_switched_on(tmp_path))).digest == exam.digest


def _scores(rubric: Rubric) -> Dict[str, Dict[str, float]]:
    paths = [WITHOUT_SIGMOID, reference_dir()]
    results = grade_batch(paths, rubric, Limits(timeout=3.0, budget=120.0), jobs=2, isolation="none",
                          exam=grading_exam(rubric))
    assert [r.status for r in results] == ["graded", "graded"], [r.reason for r in results]
    return {name: {e.exercise: e.score for e in r.exercises} for name, r in zip(("without", "with"), results)}


@pytest.mark.slow  # six gradings of a whole submission
def test_switched_on_sigmoid_is_graded_and_off_it_costs_nothing(tmp_path: Path):
    course = load_rubric(COURSE_RUBRIC)
    switched = load_rubric(_switched_on(tmp_path))
    assert switched.max_score == course.max_score + 1
    on = _scores(switched)
    assert on["without"]["sigmoid"] == 0.0
    assert {ex: points for ex, points in on["without"].items() if ex != "sigmoid"} == {
        rule.exercise: rule.points for rule in course.rules}  # every other exercise full
    assert on["with"] == {rule.exercise: rule.points for rule in switched.rules}  # full, sigmoid included
    off = _scores(course)
    assert off["without"] == off["with"] == {rule.exercise: rule.points for rule in course.rules}
    default = _scores(load_rubric())
    assert default["without"] == {name: 1.0 for name in COURSE}
