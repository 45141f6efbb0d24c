"""The kit as an nbgrader course: ``nbgrader_config.py``, ``rubric.toml`` and ``source/micrograd/micrograd.ipynb``.

The source notebook is built from ``reference/`` by :mod:`autograder.course.build`; its
hidden test cells call :func:`grade_exercise`, which grades the student's files with the
kit's sandboxed grader and the course's rubric (so ``micrograd grade --rubric rubric.toml``
gives the same points); :func:`notebook_files` takes the student's engine.py and nn.py out of a
submitted notebook without running it (for sandboxed grading). See ``docs/nbgrader.md``.
"""

from pathlib import Path

from autograder.course._extract import NotebookFilesError, notebook_files, write_notebook_files
from autograder.course._grade import (
    RUBRIC,
    ExerciseFailedError,
    GradingInterruptedError,
    course_points,
    course_rubric,
    grade_exercise,
)

#: nbgrader's feedback template that names each test cell (nbgrader_config.py points to it)
FEEDBACK_TEMPLATES = Path(__file__).resolve().parent / "templates"

__all__ = [
    "grade_exercise",
    "ExerciseFailedError",
    "GradingInterruptedError",
    "RUBRIC",
    "course_points",
    "course_rubric",
    "FEEDBACK_TEMPLATES",
    "notebook_files",
    "write_notebook_files",
    "NotebookFilesError",
]
