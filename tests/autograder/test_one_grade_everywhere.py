"""One grade everywhere: a class of 20 graded by ``micrograd grade``, by the Gradescope bundle one
submission at a time (in the dry-run machine, with the kit installed from the bundle as a wheel,
while this process runs the kit from wherever the tests run it), and, for its notebooks, by the
nbgrader course: the same points for every exercise of every student.

The course's rubric (autograder/course/rubric.toml), with fewer examples per property to keep the
test short, is the rubric of all three (nbgrader's through $MICROGRAD_COURSE_RUBRIC), and one exam, drawn
once (``micrograd exam``), judges all three: the bundle ships it, nbgrader's hidden tests read it through
$MICROGRAD_COURSE_EXAM, and ``micrograd grade`` is given it (``--exam``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, Optional

import pytest
from classroom import NOTEBOOK_BUGS, filled_notebook, folders, solution_sources
from gradescope_root import GradescopeRoot

from autograder import grade
from autograder.gradescope import build_bundle

pytestmark = pytest.mark.slow

nbformat = pytest.importorskip("nbformat", reason="the notebooks extra is not installed")
NBGRADER = shutil.which("nbgrader", path=str(Path(sys.executable).parent)) or shutil.which("nbgrader")

Scores = Dict[str, Dict[str, float]]  # student -> exercise -> points


def _nbgrader(course: Path, *args: str, env: Optional[Dict[str, str]] = None) -> None:
    assert NBGRADER is not None
    done = subprocess.run([NBGRADER, *args], cwd=course, capture_output=True, text=True, timeout=1800,
                          env=None if env is None else {**os.environ, **env})
    assert done.returncode == 0, done.stderr[-4000:]


def _nbgrader_scores(course: Path, students: list) -> Scores:
    from nbgrader.api import Gradebook

    scores: Scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student in students:
            notebook = gradebook.find_submission_notebook("micrograd", "micrograd", student)
            scores[student] = {g.name[len("test_"):]: float(g.score) for g in notebook.grades
                               if g.name.startswith("test_")}
    return scores


def test_micrograd_grade_gradescope_and_nbgrader_give_the_same_points(
    gradescope_root: GradescopeRoot, tmp_path: Path
) -> None:
    if NBGRADER is None:
        pytest.skip("nbgrader is not installed (pip install nbgrader)")
    from autograder.course import RUBRIC, course_rubric
    from autograder.course import build as course_build

    rubric_file = tmp_path / "rubric.toml"  # the course's points, fewer examples
    rubric_file.write_text("[settings]\nmax_examples = 8\n\n" + RUBRIC.read_text(), encoding="utf-8")
    rubric = course_rubric(rubric_file)
    from autograder.exam import make

    exam = make(rubric)  # the examples all three judge, drawn once
    exam_file = exam.write(tmp_path / "exam.json")

    # the course, released as students get it
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(course_build.COURSE_DIR / "nbgrader_config.py", course)
    shutil.copytree(course_build.COURSE_DIR / "source", course / "source",
                    ignore=shutil.ignore_patterns("*.py", ".hypothesis", ".ipynb_checkpoints"))
    _nbgrader(course, "generate_assignment", "micrograd")
    release = nbformat.read(course / "release" / "micrograd" / "micrograd.ipynb", as_version=4)
    solutions = solution_sources(nbformat.read(course_build.source_notebook(), as_version=4))

    # the class: 8 notebooks handed in through nbgrader, 12 folders
    submissions: Dict[str, Path] = {}
    for student, bug in [("nb_correct", None), *((f"nb_{b}", b) for b in NOTEBOOK_BUGS)]:
        path = course / "submitted" / student / "micrograd" / "micrograd.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(filled_notebook(release, solutions, bug), str(path))
        submissions[student] = path
    stub = course / "submitted" / "nb_stub" / "micrograd" / "micrograd.ipynb"
    stub.parent.mkdir(parents=True)
    shutil.copy(course / "release" / "micrograd" / "micrograd.ipynb", stub)
    submissions["nb_stub"] = stub
    submissions.update(folders(tmp_path / "folders"))
    assert len(submissions) == 20

    # 1. micrograd grade, the whole class at once
    started = time.perf_counter()
    results = grade(list(submissions.values()), tmp_path / "grades", rubric=rubric, jobs=2, html=False, exam=exam)
    seconds = {"micrograd grade": time.perf_counter() - started}
    here: Scores = {r.student: {ex.exercise: ex.score for ex in r.exercises} for r in results}
    assert set(here) == set(submissions)  # nbgrader's layout names the notebooks after their student
    assert {r.exam for r in results} == {exam.digest}
    assert (tmp_path / "grades" / "exam.json").read_text() == exam_file.read_text()  # the run can be repeated

    # 2. the Gradescope bundle built with the course's rubric, one submission at a time
    gradescope_root.use_bundle(build_bundle(tmp_path / "course.zip", rubric=rubric_file, exam=exam_file))
    gradescope: Scores = {}
    started = time.perf_counter()
    try:
        for student, path in submissions.items():
            results_json = gradescope_root.run(path.parent if path.suffix == ".ipynb" else path)
            gradescope[student] = {t["name"].split(":")[0]: t["score"] for t in results_json["tests"]}
    finally:
        gradescope_root.use_bundle(build_bundle(tmp_path / "default.zip"))
    seconds["gradescope"] = time.perf_counter() - started
    assert gradescope == here

    # 3. nbgrader, for the notebooks
    started = time.perf_counter()
    _nbgrader(course, "autograde", "micrograd", env={"MICROGRAD_COURSE_RUBRIC": str(rubric_file),
                                                     "MICROGRAD_COURSE_EXAM": str(exam_file)})
    seconds["nbgrader"] = time.perf_counter() - started
    print("wall seconds:", {k: round(v) for k, v in seconds.items()})
    notebooks = [s for s, p in submissions.items() if p.suffix == ".ipynb"]
    assert _nbgrader_scores(course, notebooks) == {s: here[s] for s in notebooks}

    # the class is not trivial: every kind of score is there
    totals = {s: sum(v.values()) for s, v in here.items()}
    assert totals["nb_correct"] == totals["folder_correct"] == rubric.max_score
    assert totals["nb_stub"] == 0 and totals["syntax_error"] == 0
    assert any(score % 1 for scores in here.values() for score in scores.values())  # partial credit


def test_the_oracle_installed_does_not_change_the_points(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("torch", reason="compares an environment with torch and one without")
    from autograder.grade import grade_directory, make_oracle
    from autograder.rubric import load_rubric
    from autograder.sandbox import Limits
    from micrograd.mutants import CATALOGUE, write_mutant

    rubric_file = tmp_path / "rubric.toml"
    rubric_file.write_text("[settings]\nmax_examples = 10\n[exercises]\nrelu = 1\ntanh = 1\n", encoding="utf-8")
    rubric = load_rubric(rubric_file)
    students = [write_mutant(CATALOGUE[bug], tmp_path / bug)
                for bug in ("relu_grad_one_at_zero", "relu_backward_passes_everything", "tanh_derivative_not_squared")]

    def points() -> Scores:
        oracle = make_oracle()  # what this environment has
        graded = [grade_directory(s, s.name, rubric, Limits(), oracle) for s in students]
        return {r.student: {ex.exercise: ex.score for ex in r.exercises} for r in graded}

    with_torch = points()
    monkeypatch.setitem(sys.modules, "torch", None)  # an environment without torch (nor JAX)
    monkeypatch.setitem(sys.modules, "jax", None)
    assert points() == with_torch
