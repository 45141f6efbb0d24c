"""``micrograd grade``: batch grading of submissions in sandboxes, against the spec's properties."""

from autograder.grade._batch import grade_batch, grade_one
from autograder.grade._command import HELP, configure, grade, run
from autograder.grade._profile import prepare_hypothesis
from autograder.grade._runner import MAX_TIMEOUTS, grade_directory, make_oracle, run_property, spec_properties
from autograder.grade._submission import Prepared, SubmissionError, prepare, student_id

__all__ = [
    "HELP",
    "MAX_TIMEOUTS",
    "Prepared",
    "SubmissionError",
    "configure",
    "grade",
    "grade_batch",
    "grade_directory",
    "grade_one",
    "make_oracle",
    "prepare",
    "prepare_hypothesis",
    "run",
    "run_property",
    "spec_properties",
    "student_id",
]
