"""Rubrics: which properties grade each exercise, for how many points, and policy checks."""

from autograder.rubric._rubric import (
    DEFAULT_MAX_EXAMPLES,
    ExerciseRule,
    Rubric,
    RubricError,
    Violation,
    default_rubric,
    load_rubric,
    policy_violations,
)
from autograder.rubric._spec import rubric_spec, spec_properties

__all__ = [
    "DEFAULT_MAX_EXAMPLES",
    "ExerciseRule",
    "Rubric",
    "RubricError",
    "Violation",
    "default_rubric",
    "load_rubric",
    "policy_violations",
    "rubric_spec",
    "spec_properties",
]
