"""The judge: one loop over the exercises, one way to run a property, one result model, one exam.

``micrograd check`` and the grader (``micrograd grade``, the Gradescope run, the nbgrader course) both
go through here, so a student is told the same thing everywhere:

- :func:`judge` runs the exercises in dependency order and traces every failure to its root cause
  (:data:`CHECK` stops where the check should, :data:`GRADE` runs every property);
- :func:`run_property` runs one property on an exam's examples (or lets Hypothesis draw them);
- :class:`PropertyResult` and :class:`ExerciseResult` are the results, with ``str`` enum statuses
  (:class:`PropertyStatus`, :class:`ExerciseStatus`, :class:`SubmissionStatus`) and a validating reader;
- :class:`Exam` holds the graded examples, drawn once (:func:`make_exam`, :func:`read_exam`,
  :func:`kit_exam`).
"""

from micrograd.judge._exam import EXAM_FORMAT, Exam, ExamEntry, ExamError, read_exam
from micrograd.judge._hypothesis import (
    cache_dir,
    hypothesis_test,
    keep_hypothesis_out_of_the_folder,
    property_seed,
    settings_for,
)
from micrograd.judge._loop import CHECK, GRADE, Judgement, Policy, judge, stub_of
from micrograd.judge._make import DEFAULT_MAX_EXAMPLES, make_exam
from micrograd.judge._profiles import (
    PROFILES,
    ProfileError,
    load_profile,
    profile_loaded,
    profile_settings,
    register_profiles,
)
from micrograd.judge._replay import FirstFailures, Spare
from micrograd.judge._results import ExerciseResult, PropertyResult, ResultError, Row, shown_output
from micrograd.judge._run import PropertyTimeout, missing_oracles, run_property
from micrograd.judge._status import PROBLEMS, ExerciseStatus, PropertyStatus, SubmissionStatus, status_of
from micrograd.judge._store import KIT_EXAM, cached_exam, kit_exam

__all__ = [
    # the loop
    "CHECK",
    "GRADE",
    "PROBLEMS",
    "Judgement",
    "Policy",
    "judge",
    "stub_of",
    # one property
    "PropertyTimeout",
    "missing_oracles",
    "run_property",
    "Spare",
    "FirstFailures",
    "hypothesis_test",
    "property_seed",
    "settings_for",
    # Hypothesis's profiles
    "PROFILES",
    "ProfileError",
    "load_profile",
    "profile_loaded",
    "profile_settings",
    "register_profiles",
    # results
    "ExerciseResult",
    "PropertyResult",
    "ResultError",
    "Row",
    "shown_output",
    "ExerciseStatus",
    "PropertyStatus",
    "SubmissionStatus",
    "status_of",
    # the exam
    "DEFAULT_MAX_EXAMPLES",
    "EXAM_FORMAT",
    "KIT_EXAM",
    "Exam",
    "ExamEntry",
    "ExamError",
    "cached_exam",
    "kit_exam",
    "make_exam",
    "read_exam",
    # Hypothesis's files
    "cache_dir",
    "keep_hypothesis_out_of_the_folder",
]
