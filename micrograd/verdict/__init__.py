"""Verdicts: the exercises, and the structured failure a property raises.

- the exercises (``_exercises.py``, those about operations derived from :mod:`micrograd.ops`);
- the tolerances (``_tolerance.py``) and the hint catalogue (``_hints.py``);
- comparing an implementation's outcome with an oracle's (``_compare.py``, ``_check.py``), diagnosing a
  wrong gradient (``_diagnose.py``) and probing single operations to name the method at fault
  (``_blame.py``); checks of one part on its own (``_probes.py``), of module programs
  (``_module_check.py``) and of the cross-entropy and AdamW exercises (``_optim.py``).
"""

from micrograd.ops import RULES
from micrograd.verdict._check import check_program
from micrograd.verdict._compare import compare_outcomes, refine_finite_differences
from micrograd.verdict._describe import method_name
from micrograd.verdict._exercises import (
    COURSE,
    EXERCISES,
    OPTIONAL_EXERCISES,
    Exercise,
    exercise,
    exercise_of_method,
    prerequisites,
    stub_method,
)
from micrograd.verdict._failure import Row, SpecFailure
from micrograd.verdict._hints import HINTS, ORACLE_TITLES
from micrograd.verdict._module_check import Mismatch, check_module_program, compare_module_outcomes, parameter_name
from micrograd.verdict._optim import (
    ADAMW_HINTS,
    CROSS_ENTROPY_HINTS,
    check_adamw_program,
    check_cross_entropy_program,
)
from micrograd.verdict._probes import (
    ACCUMULATION_PROBES,
    BACKWARD_PROBES,
    DEEP_PROBE,
    check_accumulation,
    check_backward_probes,
    check_deep_chain,
    check_value_class,
    check_value_exponent,
)
from micrograd.verdict._tolerance import (
    EXACT,
    FINITE_DIFFERENCES,
    REFINE_AGREEMENT,
    TOLERANCES,
    Tolerance,
    tolerance_for,
)

__all__ = [
    "COURSE",
    "EXERCISES",
    "OPTIONAL_EXERCISES",
    "Exercise",
    "Row",
    "SpecFailure",
    "exercise",
    "exercise_of_method",
    "prerequisites",
    "stub_method",
    "EXACT",
    "FINITE_DIFFERENCES",
    "HINTS",
    "ORACLE_TITLES",
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
    # the LLM101n exercises: cross-entropy and AdamW
    "ADAMW_HINTS",
    "CROSS_ENTROPY_HINTS",
    "check_adamw_program",
    "check_cross_entropy_program",
    # checks of one part on its own
    "ACCUMULATION_PROBES",
    "BACKWARD_PROBES",
    "DEEP_PROBE",
    "check_accumulation",
    "check_backward_probes",
    "check_deep_chain",
    "check_value_class",
    "check_value_exponent",
]
