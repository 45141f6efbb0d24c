"""A student's step against the reference's on the same state: which numbers differ, named.

The trusted app runs the reference on the very request the student's code got (the same
parameters, gradients and optimizer state), then compares: AdamW's update (each
parameter's ``m``, ``v`` and ``data``, and ``t``), what ``zero_grad()`` left, and at the
parameters the student's step reached: the losses, the forward pass and every gradient.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import List, Optional, Sequence

from micrograd.app._outcome import StepOutcome

__all__ = ["Check", "compare", "compare_evaluation", "compare_update", "compare_zero_grad", "same_numbers"]

# tolerances when a student's numbers are compared with the reference's
_REL, _ABS = 1e-6, 1e-9


@dataclass(frozen=True)
class Check:
    """A student's numbers against the reference's: ``ok``, and a message saying what differs (or that
    everything matches)."""

    ok: bool
    message: str


def _close(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= _ABS + _REL * max(abs(a), abs(b))


def same_numbers(a: Sequence[float], b: Sequence[float]) -> bool:
    """Whether two lists of numbers agree within the check's tolerance."""
    return len(a) == len(b) and all(map(_close, a, b))


def _differing(what: str, yours: Sequence[float], reference: Sequence[float], names: Sequence[str],
               suffix: str) -> Optional[str]:
    """``what`` differs on n of N parameters, naming the one that differs most, or None."""
    bad = [i for i, (s, r) in enumerate(zip(yours, reference)) if not _close(s, r)]
    if not bad:
        return None
    worst = max(bad, key=lambda i: abs(yours[i] - reference[i]) if math.isfinite(yours[i] - reference[i]) else math.inf)
    return (f"{what} differs on {len(bad)} of {len(reference)} parameters, most on {names[worst]}{suffix}: "
            f"yours {yours[worst]:.6g}, the reference's {reference[worst]:.6g}")


def compare_update(student: StepOutcome, reference: StepOutcome, names: Sequence[str]) -> List[str]:
    """How the student's AdamW step differs from the reference's from the same state: m, v, then data."""
    problems: List[str] = []
    if student.adamw is None or reference.adamw is None:
        return problems
    if student.adamw.t != reference.adamw.t:
        problems.append(f"AdamW.t is {student.adamw.t} after step(), the reference's {reference.adamw.t}")
    for what, yours, theirs, suffix in (
        ("AdamW's first moment m", student.adamw.m, reference.adamw.m, " (m)"),
        ("AdamW's second moment v", student.adamw.v, reference.adamw.v, " (v)"),
        ("the update of the parameters' data", student.params, reference.params, ".data"),
    ):
        problem = _differing(what, yours, theirs, names, suffix)
        if problem:
            problems.append(problem)
    if len(problems) == 1 and problems[0].startswith("the update"):
        problems[0] += " (t, m and v match: look at the bias correction and the update itself)"
    return problems


def compare_zero_grad(student: StepOutcome, names: Sequence[str]) -> List[str]:
    """What ``zero_grad()`` left that is not 0."""
    left = [i for i, g in enumerate(student.zeroed) if g != 0]
    if not left:
        return []
    first = left[0]
    return [f"zero_grad() left {len(left)} of {len(student.zeroed)} grads that are not 0, such as "
            f"{names[first]}.grad = {student.zeroed[first]:.6g}: it must set every parameter's grad back to 0"]


def compare_evaluation(student: StepOutcome, reference: StepOutcome, names: Sequence[str]) -> List[str]:
    """How the student's losses, forward pass and gradients differ from the reference's at the same parameters."""
    problems: List[str] = []
    if not reference.ok or reference.loss is None or student.loss is None:
        return problems
    if not _close(student.loss, reference.loss):
        problems.append(f"the training loss is {student.loss:.6g}, the reference's {reference.loss:.6g}")
    if student.val_loss is not None and reference.val_loss is not None and not _close(student.val_loss,
                                                                                      reference.val_loss):
        problems.append(f"the validation loss is {student.val_loss:.6g}, the reference's {reference.val_loss:.6g}")
    bad_logits = sum(1 for s, r in zip(student.logits, reference.logits) if not same_numbers(s, r))
    if bad_logits:
        problems.append(f"the forward pass differs on {bad_logits} of {len(reference.logits)} points")
    problem = _differing("the gradient", student.grads, reference.grads, names, ".grad")
    if problem:
        problems.append(problem)
    return problems


def compare(problems: List[str], checked: str) -> Check:
    """The check's verdict from what differs; ``checked`` says what was compared."""
    if not problems:
        return Check(True, f"{checked} match the reference's on the same state")
    return Check(False, "Your implementation's numbers differ from the reference's on the same state: "
                 + "; ".join(problems) + ".")
