"""``micrograd grade``: batch grading of submissions in sandboxes, against the spec's properties."""

from autograder.grade._batch import grade_batch, grade_one, spread_order
from autograder.grade._command import HELP, Batch, check_out, configure, grade, prepare_batch, run, with_identity
from autograder.grade._exam import grading_exam, load_exam
from autograder.grade._identity import (
    OUTPUT_NAMES,
    Identity,
    IdentityError,
    collect_submissions,
    identify,
    identify_all,
    layout,
    safe_id,
)
from autograder.grade._plan import BatchPlan
from autograder.grade._plan_batch import plan_batch
from autograder.grade._regrade import Regrade, plan_regrade
from autograder.grade._runner import MAX_TIMEOUTS, grade_directory, make_oracle, run_property, spec_properties
from autograder.grade._submission import Prepared, SubmissionError, prepare, student_id

__all__ = [
    "Batch",
    "BatchPlan",
    "HELP",
    "MAX_TIMEOUTS",
    "OUTPUT_NAMES",
    "Identity",
    "IdentityError",
    "Prepared",
    "Regrade",
    "SubmissionError",
    "check_out",
    "collect_submissions",
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
    "plan_regrade",
    "prepare",
    "prepare_batch",
    "run",
    "run_property",
    "safe_id",
    "spec_properties",
    "spread_order",
    "student_id",
    "with_identity",
]
