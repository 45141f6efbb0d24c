"""Hypothesis strategies for the cross-entropy and AdamW requests.

Numbers shrink towards small, simple values (0, 1, short decimals) and sizes towards the
fewest classes, parameters and steps, so a counterexample is as small as its bug allows.
"""

from __future__ import annotations

from hypothesis import strategies as st

from micrograd.program import AdamWProgram, CrossEntropyProgram

__all__ = ["adamw_programs", "cross_entropy_programs", "LOGIT_BOUND", "LARGE_LOGIT"]

#: logits of the ordinary properties stay in [-LOGIT_BOUND, LOGIT_BOUND]: the smallest probability,
#: exp(-2 * LOGIT_BOUND) / n, stays far above underflow, so every correct formula agrees
LOGIT_BOUND = 20.0
#: large logits sit beyond this, where exp overflows (exp(709.8) is the largest float)
LARGE_LOGIT = 710.0


def _positive_int(name: str, x: object, low: int = 1) -> int:
    if isinstance(x, bool) or not isinstance(x, int) or x < low:
        raise ValueError(f"{name} must be an int of at least {low}, got {x!r}")
    return x


def cross_entropy_programs(min_classes: int = 2, max_classes: int = 6,
                           large: bool = False) -> st.SearchStrategy[CrossEntropyProgram]:
    """``CrossEntropyProgram``s with ``min_classes`` to ``max_classes`` logits in
    [-LOGIT_BOUND, LOGIT_BOUND]; with ``large``, every logit is shifted by the same number
    beyond +-LARGE_LOGIT (up to 1e4), where an unshifted exp overflows."""
    _positive_int("min_classes", min_classes, 2)
    if _positive_int("max_classes", max_classes, 2) < min_classes:
        raise ValueError(f"max_classes ({max_classes}) must be at least min_classes ({min_classes})")
    return _cross_entropy_programs(min_classes, max_classes, bool(large))


@st.composite
def _cross_entropy_programs(draw: st.DrawFn, min_classes: int, max_classes: int, large: bool) -> CrossEntropyProgram:
    n = draw(st.integers(min_classes, max_classes))
    logit = st.floats(-LOGIT_BOUND, LOGIT_BOUND, allow_nan=False, allow_infinity=False)
    logits = draw(st.lists(logit, min_size=n, max_size=n))
    if large:
        shift = draw(st.floats(LARGE_LOGIT + LOGIT_BOUND, 1e4))  # every logit beyond LARGE_LOGIT
        sign = draw(st.sampled_from((1.0, -1.0)))
        logits = [x + sign * shift for x in logits]
    target = draw(st.integers(0, n - 1))
    return CrossEntropyProgram(tuple(logits), target)


def adamw_programs(max_params: int = 4, max_steps: int = 5, min_steps: int = 1) -> st.SearchStrategy[AdamWProgram]:
    """``AdamWProgram``s: 1 to ``max_params`` parameters in [-3, 3], ``min_steps`` to ``max_steps``
    steps of grads in [-5, 5] (zeros and tiny ones included), and settings around the usual ones:
    lr in [1e-3, 1], beta1 in [0, 0.99], beta2 in [0.5, 0.999], eps from 1e-8 to 0.1, weight decay
    0 or up to 0.5."""
    _positive_int("max_params", max_params)
    _positive_int("min_steps", min_steps)
    if _positive_int("max_steps", max_steps) < min_steps:
        raise ValueError(f"max_steps ({max_steps}) must be at least min_steps ({min_steps})")
    return _adamw_programs(max_params, max_steps, min_steps)


@st.composite
def _adamw_programs(draw: st.DrawFn, max_params: int, max_steps: int, min_steps: int) -> AdamWProgram:
    n = draw(st.integers(1, max_params))
    k = draw(st.integers(min_steps, max_steps))
    number = st.floats(-3.0, 3.0, allow_nan=False, allow_infinity=False)
    grad = st.one_of(st.floats(-5.0, 5.0, allow_nan=False, allow_infinity=False), st.sampled_from((0.0, 1e-9, -1e-6)))
    params = draw(st.lists(number, min_size=n, max_size=n))
    grads = draw(st.lists(st.lists(grad, min_size=n, max_size=n), min_size=k, max_size=k))
    return AdamWProgram(
        params=tuple(params),
        grads=tuple(tuple(row) for row in grads),
        lr=draw(st.one_of(st.just(0.1), st.floats(1e-3, 1.0))),
        beta1=draw(st.one_of(st.just(0.9), st.floats(0.0, 0.99))),
        beta2=draw(st.one_of(st.just(0.95), st.floats(0.5, 0.999))),
        eps=draw(st.sampled_from((1e-8, 1e-6, 1e-3, 0.1))),
        weight_decay=draw(st.one_of(st.just(0.0), st.floats(1e-3, 0.5))),
    )
