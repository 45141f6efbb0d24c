"""The kit as an nbgrader course: ``nbgrader_config.py`` and ``source/micrograd/micrograd.ipynb``.

The source notebook is built from ``reference/`` by :mod:`autograder.course.build`; its
hidden test cells call :func:`grade_exercise`, which runs the spec for one exercise with
the kit's checker; :func:`notebook_files` takes the student's engine.py and nn.py out of a
submitted notebook without running it (for sandboxed grading). See ``docs/nbgrader.md``.
"""

from autograder.course._extract import NotebookFilesError, notebook_files, write_notebook_files
from autograder.course._grade import DEFAULT_ORACLE, DEFAULT_PROFILE, ExerciseFailedError, grade_exercise

__all__ = [
    "grade_exercise",
    "ExerciseFailedError",
    "DEFAULT_ORACLE",
    "DEFAULT_PROFILE",
    "notebook_files",
    "write_notebook_files",
    "NotebookFilesError",
]
