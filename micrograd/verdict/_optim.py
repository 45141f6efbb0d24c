"""Judging the cross-entropy and AdamW exercises: run a request, compare with an oracle, name the mistake.

:func:`check_cross_entropy_program` and :func:`check_adamw_program` raise a SpecFailure with a
runnable snippet, the expected-vs-got rows and a hint. When a wrong answer is exactly what a
classic mistake computes (the oracles' mistake variants), the hint names that mistake.
"""

from __future__ import annotations

from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

from micrograd.impl import Evaluator
from micrograd.oracles import _optim
from micrograd.oracles._optim import ADAMW_MISTAKES, CROSS_ENTROPY_MISTAKES, cross_entropy_mistake, exact_adamw
from micrograd.program import AdamWOutcome, AdamWProgram, CrossEntropyOutcome, CrossEntropyProgram, Failure
from micrograd.verdict._exercises import exercise as lookup
from micrograd.verdict._failure import SpecFailure

__all__ = [
    "ADAMW_HINTS",
    "CROSS_ENTROPY_HINTS",
    "ORACLES",
    "check_adamw_program",
    "check_cross_entropy_program",
]

#: the oracles a check can use: exact formulas (always there) and PyTorch
ORACLES = ("exact", "torch")
#: relative tolerance, on max(1, |expected|): far below any mistake's effect, far above rounding
TOLERANCE = 1e-9

Row = Tuple[str, str, str]
#: the requests judged here
_Request = Union[CrossEntropyProgram, AdamWProgram]

#: cross-entropy mistake -> the hint that names it (see micrograd.oracles._optim)
CROSS_ENTROPY_HINTS: Dict[str, str] = {
    "overflow": "subtract the largest logit (a plain number: max(v.data for v in logits)) from every logit "
    "before exp: exp overflows beyond 709, and the softmax does not change",
    "sign_flipped": "the loss is minus the log of the target's probability, -log(p[target]), so it is never "
    "negative and decreases as p[target] grows",
    "not_normalized": "p[target] is exp(logit[target]) divided by the sum of the exps of all the logits "
    "(the softmax); the log of the unnormalized exp is not a probability",
    "first_class": "take the probability of the target class, ex[target], whatever its index",
}

#: AdamW mistake -> the hint that names it
ADAMW_HINTS: Dict[str, str] = {
    "t_not_incremented": "count the steps: self.t += 1 at the start of step(), so the bias corrections "
    "divide by 1 - beta1**t with t = 1, 2, ... (never by 1 - beta**0 = 0)",
    "no_bias_correction": "correct the bias of the moments before using them: m_hat = m / (1 - beta1**t) and "
    "v_hat = v / (1 - beta2**t)",
    "swapped_bias_correction": "correct the bias of each moment with its own beta: m_hat = m / (1 - beta1**t), "
    "v_hat = v / (1 - beta2**t)",
    "coupled_weight_decay": "AdamW decouples the weight decay: it subtracts lr * weight_decay * p.data in the "
    "update; adding weight_decay * p.data to the gradient is Adam with L2, not AdamW",
    "no_weight_decay": "decay the weights: the update is lr * (m_hat / (v_hat**0.5 + eps) + weight_decay * p.data)",
    "eps_inside_sqrt": "eps goes outside the square root: m_hat / (v_hat**0.5 + eps), not / (v_hat + eps)**0.5",
    "moments_not_kept": "store the moments back in self.m[i] and self.v[i]: they are running averages kept "
    "from one step to the next",
    "shared_moments": "keep one m and one v per parameter (self.m[i], self.v[i] for parameter i), never one "
    "shared by all parameters",
    "t_per_parameter": "t counts calls to step(): increment it once per step, before the loop over the "
    "parameters, not once per parameter",
}


def _close(expected: float, got: float) -> bool:
    return abs(expected - got) <= TOLERANCE * max(1.0, abs(expected))


def _fmt(x: Optional[float]) -> str:
    return "(none)" if x is None else repr(x)


def _not_started_advice(failure: Failure, exercise: str) -> str:
    where = f" at {failure.location}" if failure.location else ""
    return (f"replace the `raise NotImplementedError`{where} ({failure.message or 'no message'}) with your code; "
            f"this exercise is about {lookup(exercise).functions}, and its checks also run the parts it builds on")


def _stop_if_raised(exercise: str, program: _Request, failure: Optional[Failure], advice: str, *,
                    steps: bool = False) -> None:
    """Raise the SpecFailure of an implementation that raised ``failure`` (if any) running ``program``; a
    stub gets the not-started advice. ``steps``: the failure's node is the step it stopped at."""
    if failure is None:
        return
    if failure.type == "NotImplementedError":
        advice = _not_started_advice(failure, exercise)
    step = f" (step {failure.node + 1})" if steps and failure.node is not None else ""
    raise SpecFailure(exercise, f"{program.describe()} raised {failure} during {failure.phase}{step}",
                      code=program.to_python(), hint=advice, failure=failure)


def _stop_if_differs(exercise: str, program: _Request, summary: str, rows: List[Row], advice: str) -> None:
    """Raise the SpecFailure of an answer whose ``rows`` (expected vs got) differ: at most 8 of them."""
    if rows:
        raise SpecFailure(exercise, f"{program.describe()}: {summary}, but it does not",
                          code=program.to_python(), rows=rows[:8], hint=advice)


# ------------------------------------------------------------------------------ cross-entropy


def _cross_entropy_oracle(name: str) -> Callable[[CrossEntropyProgram], CrossEntropyOutcome]:
    if name not in ORACLES:
        raise ValueError(f"unknown oracle {name!r}; choose one of {', '.join(ORACLES)}")
    return _optim.exact_cross_entropy if name == "exact" else _optim.torch_cross_entropy


def _cross_entropy_rows(expected: CrossEntropyOutcome, got: CrossEntropyOutcome) -> List[Row]:
    rows: List[Row] = []
    if got.loss is None or expected.loss is None or not _close(expected.loss, got.loss):
        rows.append(("loss", _fmt(expected.loss), _fmt(got.loss)))
    for i, (e, g) in enumerate(zip(expected.grads, got.grads)):
        if not _close(e, g):
            rows.append((f"logits[{i}].grad", repr(e), repr(g)))
    if len(got.grads) != len(expected.grads):
        rows.append(("number of grads", str(len(expected.grads)), str(len(got.grads))))
    return rows


def diagnose_cross_entropy(program: CrossEntropyProgram, got: CrossEntropyOutcome) -> Optional[str]:
    """The key of CROSS_ENTROPY_HINTS whose mistake ``got`` shows, or None."""

    if got.error is not None:
        overflow = got.error.type == "OverflowError" or "range error" in got.error.message
        return "overflow" if overflow else None
    for mistake in CROSS_ENTROPY_MISTAKES:
        if not _cross_entropy_rows(cross_entropy_mistake(program, mistake), got):
            return mistake
    return None


def check_cross_entropy_program(
    impl: Evaluator,
    program: CrossEntropyProgram,
    *,
    exercise: str = "cross_entropy",
    oracle: Union[str, CrossEntropyOutcome] = "exact",
    summary: str,
    hint: str,
) -> CrossEntropyOutcome:
    """Evaluate ``program`` with ``impl`` (an Evaluator) and compare the loss and every logit's grad
    with ``oracle`` (``"exact"``, ``"torch"`` or an expected outcome); raise SpecFailure if they differ
    or the implementation raised. ``hint`` is used unless the answer shows a known mistake."""

    got = impl.evaluate(program)
    if not isinstance(got, CrossEntropyOutcome):
        raise TypeError(f"{impl!r} answered a CrossEntropyProgram with {type(got).__name__}")
    mistake = diagnose_cross_entropy(program, got)
    advice = CROSS_ENTROPY_HINTS[mistake] if mistake else hint
    _stop_if_raised(exercise, program, got.error, advice)
    expected = _cross_entropy_oracle(oracle)(program) if isinstance(oracle, str) else oracle
    _stop_if_differs(exercise, program, summary, _cross_entropy_rows(expected, got), advice)
    return got


# ------------------------------------------------------------------------------------ AdamW


def _adamw_oracle(name: str) -> Callable[[AdamWProgram], AdamWOutcome]:
    if name not in ORACLES:
        raise ValueError(f"unknown oracle {name!r}; choose one of {', '.join(ORACLES)}")
    return _optim.exact_adamw if name == "exact" else _optim.torch_adamw


def _adamw_rows(expected: AdamWOutcome, got: AdamWOutcome, fields: Sequence[str]) -> List[Row]:
    rows: List[Row] = []
    for k, (e, g) in enumerate(zip(expected.steps, got.steps), start=1):
        if "t" in fields and e.t != g.t:
            rows.append((f"after step {k}: optimizer.t", repr(int(e.t)), repr(g.t)))
        if "params" in fields:
            for i, (pe, pg) in enumerate(zip(e.params, g.params)):
                if not _close(pe, pg):
                    rows.append((f"after step {k}: params[{i}].data", repr(pe), repr(pg)))
        if rows:
            break  # the first step that differs says the most
    if not rows and len(got.steps) != len(expected.steps):
        rows.append(("steps taken", str(len(expected.steps)), str(len(got.steps))))
    return rows


def diagnose_adamw(program: AdamWProgram, got: AdamWOutcome) -> Optional[str]:
    """The key of ADAMW_HINTS whose mistake ``got`` shows, or None."""

    if got.error is not None:
        return "t_not_incremented" if got.error.type == "ZeroDivisionError" and got.error.phase == "step" else None
    for mistake in ADAMW_MISTAKES:
        if not _adamw_rows(exact_adamw(program, mistake), got, ("params", "t")):
            return mistake
    if not _adamw_rows(exact_adamw(program), got, ("params",)):
        return "t_per_parameter"  # the data is right but t is not: t is not counting steps
    return None


def check_adamw_program(
    impl: Evaluator,
    program: AdamWProgram,
    *,
    exercise: str = "adamw",
    oracle: Union[str, AdamWOutcome] = "exact",
    fields: Sequence[str] = ("params", "t"),
    summary: str,
    hint: str,
) -> AdamWOutcome:
    """Evaluate ``program`` with ``impl`` and compare every parameter's data (and ``t``) after each step
    with ``oracle`` (``"exact"``, ``"torch"`` or an expected outcome); raise SpecFailure if they differ
    or the implementation raised. ``hint`` is used unless the answer shows a known mistake."""

    got = impl.evaluate(program)
    if not isinstance(got, AdamWOutcome):
        raise TypeError(f"{impl!r} answered an AdamWProgram with {type(got).__name__}")
    mistake = diagnose_adamw(program, got)
    advice = ADAMW_HINTS[mistake] if mistake else hint
    _stop_if_raised(exercise, program, got.error, advice, steps=True)
    expected = _adamw_oracle(oracle)(program) if isinstance(oracle, str) else oracle
    _stop_if_differs(exercise, program, summary, _adamw_rows(expected, got, fields), advice)
    return got
