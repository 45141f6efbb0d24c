"""Verdicts: the exercises, and the structured failure a property raises."""

from micrograd.verdict._compare import (
    EXACT,
    FINITE_DIFFERENCES,
    HINTS,
    REFINE_AGREEMENT,
    RULES,
    TOLERANCES,
    Tolerance,
    check_program,
    compare_outcomes,
    method_name,
    refine_finite_differences,
    tolerance_for,
)
from micrograd.verdict._exercises import EXERCISES, Exercise, exercise
from micrograd.verdict._failure import Row, SpecFailure
from micrograd.verdict._module_check import Mismatch, check_module_program, compare_module_outcomes, parameter_name

__all__ = [
    "EXERCISES",
    "Exercise",
    "Row",
    "SpecFailure",
    "exercise",
    "EXACT",
    "FINITE_DIFFERENCES",
    "HINTS",
    "REFINE_AGREEMENT",
    "RULES",
    "TOLERANCES",
    "Tolerance",
    "check_program",
    "compare_outcomes",
    "method_name",
    "refine_finite_differences",
    "tolerance_for",
    # module programs
    "Mismatch",
    "check_module_program",
    "compare_module_outcomes",
    "parameter_name",
]
