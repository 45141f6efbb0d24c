"""Grading results as dataclasses, and the files made from them (CSV, Gradescope JSON, Markdown, HTML)."""

from autograder.report._results import (
    STATUSES,
    ExerciseResult,
    GradescopeResults,
    GradescopeTest,
    PropertyResult,
    SubmissionResult,
    to_json,
    write_json,
)
from autograder.report._write import feedback_markdown, gradescope_results, write_outputs

__all__ = [
    "STATUSES",
    "ExerciseResult",
    "GradescopeResults",
    "GradescopeTest",
    "PropertyResult",
    "SubmissionResult",
    "feedback_markdown",
    "gradescope_results",
    "to_json",
    "write_json",
    "write_outputs",
]
