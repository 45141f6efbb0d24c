"""Grade one exercise of the course notebook with the kit's grader (``micrograd grade``'s).

The hidden test cells of ``source/micrograd/micrograd.ipynb`` call :func:`grade_exercise`.
The notebook's ``%%writefile`` cells have just written the student's ``engine.py`` and
``nn.py`` into the notebook's folder. The first call grades those files exactly as
``micrograd grade --rubric autograder/course/rubric.toml`` does (the same sandbox, properties,
Hypothesis settings and oracle, so the same points); every call then reports one exercise:

- all its checks pass: one line, and the cell's value is the exercise's points;
- some pass: the report of the failing checks (a counterexample to run in a new cell at the end
  of the notebook, expected vs got, a hint) on stdout, and the cell's value is the points earned,
  which nbgrader takes as partial credit;
- none pass: :class:`ExerciseFailedError` with that report, so the cell errors and gets 0;
- the submission's sandboxed child was killed from outside (twice: ``needs_regrade``), once more after
  grading it again: :class:`GradingInterruptedError`, which says it is not the student's doing and that the
  instructor must autograde again (never a failing check blamed on the student).
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Dict, Optional, Tuple, Union

from micrograd.verdict import exercise as _exercise

if TYPE_CHECKING:
    from autograder.report import SubmissionResult
    from autograder.rubric import Rubric
    from micrograd.judge import Exam

__all__ = ["EXAM", "RUBRIC", "ExerciseFailedError", "GradingInterruptedError", "course_exam", "course_points",
           "course_rubric", "grade_exercise"]

#: the course's rubric: points per exercise (the notebook's test cells carry the same points)
RUBRIC = Path(__file__).resolve().parent / "rubric.toml"
#: the course's exam, when the course build made one (``python -m autograder.course.build --exam``); without
#: it, the kit's own (the course's rubric grades the kit's spec with the default example count)
EXAM = Path(__file__).resolve().parent / "exam.json"

_GRADED: Dict[Tuple[str, str, str], SubmissionResult] = {}
_RUBRICS: Dict[str, Rubric] = {}


class ExerciseFailedError(AssertionError):
    """The student's code fails every check of (or has not started) one exercise; ``str()`` says why."""


class GradingInterruptedError(RuntimeError):
    """The exercise could not be graded: something outside the student's code killed its sandbox (the
    submission ``needs_regrade``); ``str()`` says so and what the instructor does."""


def course_points(rubric: Union[str, Path] = RUBRIC) -> Dict[str, int]:
    """``{exercise: points}`` from the course's rubric file, read without collecting the spec."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover (Python < 3.11)
        import tomli as tomllib
    table = tomllib.loads(Path(rubric).read_text(encoding="utf-8"))["exercises"]
    points: Dict[str, int] = {}
    for name, value in table.items():
        value = value["points"] if isinstance(value, dict) else value
        points[name] = int(value) if float(value).is_integer() else value
    return points


def course_rubric(rubric: Union[str, Path, None] = None) -> Rubric:
    """The course's rubric (loaded once per process): ``rubric``, else the file named by
    $MICROGRAD_COURSE_RUBRIC, else :data:`RUBRIC`. Another file must give every exercise the
    points of the notebook's test cells (it may change ``max_examples``, say); a RubricError
    says which exercise differs."""
    from autograder.rubric import RubricError, load_rubric

    path = Path(rubric if rubric is not None else os.environ.get("MICROGRAD_COURSE_RUBRIC") or RUBRIC)
    key = str(path.resolve())
    if key not in _RUBRICS:
        loaded = load_rubric(path)
        given = {rule.exercise: rule.points for rule in loaded.rules}
        for name, points in course_points().items():
            if given.get(name) != points:
                raise RubricError(f"rubric {path}: exercise {name!r} must be worth {points} point(s), as the "
                                  f"notebook's test cell (got {given.get(name, 'nothing')})")
        _RUBRICS[key] = loaded
    return _RUBRICS[key]


def course_exam(rubric: Rubric) -> Exam:
    """The exam the course grades on: the file named by $MICROGRAD_COURSE_EXAM, else :data:`EXAM` if the course
    build made one, else the kit's (:func:`autograder.grade.grading_exam`); checked against ``rubric``."""
    from autograder.grade import grading_exam

    chosen = os.environ.get("MICROGRAD_COURSE_EXAM") or (str(EXAM) if EXAM.is_file() else None)
    return grading_exam(rubric, chosen)


def _fingerprint(directory: Path) -> str:
    digest = hashlib.sha256()
    for file in sorted(directory.glob("*.py")):
        digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def _graded(directory: Path, rubric: Rubric) -> SubmissionResult:
    """The whole submission graded once per content of its .py files (the test cells share it)."""
    from autograder.grade import Identity, with_identity
    from autograder.grade._batch import grade_one
    from autograder.sandbox import Limits
    from micrograd.judge import keep_hypothesis_out_of_the_folder

    key = (str(directory), rubric.source, _fingerprint(directory))
    if key not in _GRADED:
        keep_hypothesis_out_of_the_folder()  # nothing of Hypothesis's in the student's folder
        result = grade_one(directory, rubric, Limits(), exam=course_exam(rubric))
        if result.status == "needs_regrade":  # killed from outside twice: once more, afresh, before saying so
            result = grade_one(directory, rubric, Limits(), exam=course_exam(rubric))
        identity = Identity(directory.name, directory.name, str(directory), "notebook")
        _GRADED[key] = with_identity(result, identity)  # counterexamples run in a cell of the notebook
    return _GRADED[key]


def grade_exercise(name: str, directory: Union[str, Path] = ".", *, rubric: Optional[Rubric] = None) -> float:
    """Grade exercise ``name`` of the engine.py/nn.py in ``directory``; returns the points earned.

    Raises ExerciseFailedError when it earns none (an unknown ``name`` is a ValueError naming the
    valid exercises). ``rubric`` defaults to :func:`course_rubric`'s.
    """
    from autograder.report import exercise_feedback

    spec = _exercise(name)  # a typo in a test cell is a ValueError naming the valid exercises
    rubric = rubric if rubric is not None else course_rubric()
    if spec.name not in [rule.exercise for rule in rubric.rules]:
        raise ValueError(f"exercise {spec.name!r} is not in the rubric {rubric.source}")
    folder = Path(directory).resolve()
    result = _graded(folder, rubric)
    verdict = next(ex for ex in result.exercises if ex.exercise == spec.name)
    if verdict.passed == verdict.total and verdict.total:
        print(f"exercise {spec.name} ({spec.functions}): all {verdict.total} checks pass")
        return verdict.score
    if verdict.status == "interrupted" or (result.status == "needs_regrade" and verdict.score < verdict.points):
        _GRADED.pop((str(folder), rubric.source, _fingerprint(folder)), None)  # the next cell grades it afresh
        raise GradingInterruptedError(
            f"exercise {spec.name} could not be graded: {result.reason} This is not your code's doing; your "
            "instructor must grade the notebook again (nbgrader autograde --force).")
    ran = [p for p in result.properties if p.exercise == spec.name and not p.summary.startswith("not run")]
    if result.status == "invalid" or not ran:
        raise ExerciseFailedError(f"exercise {spec.name} could not be checked: {result.reason}")
    report = exercise_feedback(result, spec.name)
    if result.status != "graded" and result.reason:
        report = f"grading stopped early ({result.status}: {result.reason})\n\n{report}"
    failing = [p for p in result.properties if p.exercise == spec.name and not p.passed]
    if failing and all("NotImplementedError" in p.summary for p in failing):
        head = (f"exercise {spec.name} is not started: {spec.functions} (or a function it needs) still raises "
                "NotImplementedError")
    else:
        failed = verdict.total - verdict.passed
        head = f"exercise {spec.name} ({spec.functions}) fails {failed} of {verdict.total} checks"
    if verdict.score <= 0:
        raise ExerciseFailedError(f"{head}:\n\n{report}")
    print(f"{head}: {verdict.score:g} of {verdict.points:g} points\n\n{report}")
    return verdict.score
