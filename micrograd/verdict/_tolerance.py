"""When two numbers count as equal: the tolerances of each oracle, and why they are what they are."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, Tuple, Union

from micrograd.oracles import Oracle

__all__ = ["EXACT", "FINITE_DIFFERENCES", "REFINE_AGREEMENT", "TOLERANCES", "Tolerance", "tolerance_for"]


@dataclass(frozen=True)
class Tolerance:
    """When two floats count as equal: ``|got - expected| <= abs + rel * |expected| + scale * M``,
    where M is the largest |expected| among the values compared (all data, or all grads).

    ``rel`` covers error relative to the value itself; ``scale`` covers cancellation, where
    a small result (``a - b`` with a close to b) carries the absolute rounding error of
    its large operands; ``abs`` covers values that should be exactly 0.
    """

    rel: float
    abs: float
    scale: float

    def __post_init__(self) -> None:
        for name in ("rel", "abs", "scale"):
            value = getattr(self, name)
            if not (isinstance(value, float) and 0.0 <= value < 1.0):
                raise ValueError(f"Tolerance.{name} must be a float in [0, 1), got {value!r}")

    def close(self, expected: float, got: float, magnitude: float = 0.0) -> bool:
        """True if ``got`` agrees with ``expected`` (NaN agrees with nothing, inf only with itself)."""
        if math.isnan(got) or math.isnan(expected):
            return False
        if math.isinf(got) or math.isinf(expected):
            return got == expected
        return abs(got - expected) <= self.abs + self.rel * abs(expected) + self.scale * magnitude


#: For PyTorch and JAX (float64). + - * / are correctly rounded in both and in Python, so
#: only exp, log, tanh and ** differ, by an ulp or two (about 2e-16 relative), and that
#: error grows only by the condition number of the rest of the program. The strategies keep
#: |values| <= 1e4 and stay 0.1 away from poles, so conditions stay far below 1e6: 1e-9
#: leaves three orders of margin, while a wrong rule is off by far more than 1e-9
#: (typically 10% or more). ``scale`` 1e-12 times the largest value absorbs cancellation
#: (1e4 * 2e-16 = 2e-12 of absolute error when two values of 1e4 nearly cancel).
EXACT = Tolerance(rel=1e-9, abs=1e-12, scale=1e-12)

#: For finite differences (grads only; FD's data is exact float arithmetic). Richardson-
#: extrapolated central differences have truncation error O(h**4) and rounding error
#: about u * |S| / h (u = 1.1e-16, h = 1e-3 times the node's scale), about 1e-12 relative to
#: the values involved, but higher derivatives of log, exp and x ** -k near their steep
#: parts can make the truncation error much larger; 1e-6 relative keeps a wide margin and
#: still catches any wrong rule (whose error is O(1) relative).
FINITE_DIFFERENCES = Tolerance(rel=1e-6, abs=1e-8, scale=1e-8)

#: oracle name -> (tolerance for data, tolerance for grads)
TOLERANCES: Dict[str, Tuple[Tolerance, Tolerance]] = {
    "torch": (EXACT, EXACT),
    "jax": (EXACT, EXACT),
    "fd": (EXACT, FINITE_DIFFERENCES),
}


def tolerance_for(oracle: Union[str, Oracle]) -> Tuple[Tolerance, Tolerance]:
    """(data, grad) tolerances for ``oracle`` (an oracle or its name); unknown oracles get FD's."""
    name = oracle if isinstance(oracle, str) else getattr(oracle, "name", "")
    return TOLERANCES.get(name, (EXACT, FINITE_DIFFERENCES))


#: how close FD estimates at steps h and h/8 must be for the h/8 one to be trusted.
#: Truncation error falls 8**4 = 4096-fold from h to h/8, so the gap between the two is
#: about the coarse estimate's error and the fine one's error about gap / 4096: a gap
#: within 1e-3 relative (1e-6 absolute) leaves the fine estimate within about 2.5e-7
#: relative (2.5e-10 absolute), inside FINITE_DIFFERENCES.
REFINE_AGREEMENT = Tolerance(rel=1e-3, abs=1e-6, scale=1e-6)
