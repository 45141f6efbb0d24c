"""Grading results as dataclasses, and the files made from them (CSV, Gradescope JSON, Markdown, HTML)."""

from autograder.report._class import (
    CLASS_FILE,
    CLASS_FILES,
    STUDENT_FILES,
    ClassFolderError,
    ClassRecord,
    earlier_outputs,
    read_class,
    remove_outputs,
    rubric_digest,
)
from autograder.report._figures import NO_PLOTS, misconceptions_figure, pass_rate_figure
from autograder.report._html import exercise_status, first_misconception, misconceptions
from autograder.report._results import (
    STATUSES,
    VISIBILITIES,
    ExerciseResult,
    GradescopeResults,
    GradescopeTest,
    PropertyResult,
    ResultError,
    SubmissionResult,
    to_json,
    write_json,
)
from autograder.report._text import writable, writable_result
from autograder.report._write import (
    OutputError,
    exercise_feedback,
    feedback_markdown,
    gradescope_results,
    unique_names,
    write_outputs,
)

__all__ = [
    "STATUSES",
    "VISIBILITIES",
    "ExerciseResult",
    "GradescopeResults",
    "GradescopeTest",
    "PropertyResult",
    "ResultError",
    "SubmissionResult",
    "exercise_feedback",
    "feedback_markdown",
    "gradescope_results",
    "exercise_status",
    "first_misconception",
    "misconceptions",
    "misconceptions_figure",
    "pass_rate_figure",
    "unique_names",
    "write_outputs",
    "OutputError",
    "NO_PLOTS",
    "to_json",
    "write_json",
    "writable",
    "writable_result",
    "CLASS_FILE",
    "CLASS_FILES",
    "STUDENT_FILES",
    "ClassFolderError",
    "ClassRecord",
    "earlier_outputs",
    "read_class",
    "remove_outputs",
    "rubric_digest",
]
