"""Grading results as dataclasses, and the files made from them (CSV, Gradescope JSON, Markdown, HTML)."""

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
from autograder.report._write import (
    NO_PLOTS,
    OutputError,
    exercise_feedback,
    feedback_markdown,
    gradescope_results,
    misconceptions,
    misconceptions_figure,
    pass_rate_figure,
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
    "misconceptions",
    "misconceptions_figure",
    "pass_rate_figure",
    "unique_names",
    "write_outputs",
    "OutputError",
    "NO_PLOTS",
    "to_json",
    "write_json",
]
