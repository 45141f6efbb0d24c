"""``micrograd grade``: batch grading of submissions in sandboxes, against the spec's properties."""

from autograder.grade._batch import grade_batch, grade_one, spread_order
from autograder.grade._command import HELP, check_out, configure, grade, run, with_identity
from autograder.grade._exam import grading_exam, load_exam
from autograder.grade._identity import Identity, IdentityError, identify, identify_all, layout, safe_id
from autograder.grade._plan import BatchPlan
from autograder.grade._plan_batch import plan_batch
from autograder.grade._runner import MAX_TIMEOUTS, grade_directory, make_oracle, run_property, spec_properties
from autograder.grade._submission import Prepared, SubmissionError, prepare, student_id

__all__ = [
    "BatchPlan",
    "HELP",
    "MAX_TIMEOUTS",
    "Identity",
    "IdentityError",
    "Prepared",
    "SubmissionError",
    "check_out",
    "configure",
    "grade",
    "grade_batch",
    "grade_directory",
    "grade_one",
    "grading_exam",
    "identify",
    "identify_all",
    "layout",
    "load_exam",
    "make_oracle",
    "plan_batch",
    "prepare",
    "run",
    "run_property",
    "safe_id",
    "spec_properties",
    "spread_order",
    "student_id",
    "with_identity",
]
