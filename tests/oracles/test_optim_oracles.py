"""The exact cross-entropy and AdamW oracles agree with PyTorch, and the strategies draw what they promise."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings

from micrograd.oracles import exact_adamw, exact_cross_entropy, oracle_skip_reason, torch_adamw, torch_cross_entropy
from micrograd.program import AdamWProgram, CrossEntropyProgram
from micrograd.strategies import LARGE_LOGIT, LOGIT_BOUND, adamw_programs, cross_entropy_programs

needs_torch = pytest.mark.skipif(oracle_skip_reason("torch") is not None, reason="torch is not installed")


@needs_torch
@settings(max_examples=60, deadline=None)
@given(program=cross_entropy_programs(max_classes=8))
def test_exact_cross_entropy_agrees_with_torch(program):
    exact, torch = exact_cross_entropy(program), torch_cross_entropy(program)
    assert exact.loss == pytest.approx(torch.loss, rel=1e-12, abs=1e-14)
    assert exact.grads == pytest.approx(torch.grads, rel=1e-12, abs=1e-14)


@needs_torch
@settings(max_examples=20, deadline=None)
@given(program=cross_entropy_programs(large=True))
def test_exact_cross_entropy_agrees_with_torch_on_large_logits(program):
    exact, torch = exact_cross_entropy(program), torch_cross_entropy(program)
    assert exact.loss == pytest.approx(torch.loss, rel=1e-9, abs=1e-9)


@needs_torch
@settings(max_examples=60, deadline=None)
@given(program=adamw_programs(max_params=5, max_steps=8))
def test_exact_adamw_agrees_with_torch_optim_adamw(program):
    exact, torch = exact_adamw(program), torch_adamw(program)
    counts = [float(k) for k in range(1, len(program.grads) + 1)]
    assert [s.t for s in exact.steps] == [s.t for s in torch.steps] == counts
    for e, t in zip(exact.steps, torch.steps):
        assert e.params == pytest.approx(t.params, rel=1e-12, abs=1e-14)


def test_exact_cross_entropy_is_the_textbook_formula():
    out = exact_cross_entropy(CrossEntropyProgram((0.0, math.log(3.0)), 0))
    assert out.loss == pytest.approx(math.log(4.0), rel=1e-15)  # p = 1 / (1 + 3)
    assert out.grads == pytest.approx((0.25 - 1, 0.75), rel=1e-15)
    assert sum(out.grads) == pytest.approx(0.0, abs=1e-15)


def test_exact_adamw_first_step_moves_each_parameter_by_lr_against_its_gradient():
    # with bias correction, the first step is lr * g / (|g| + eps): about lr * sign(g)
    out = exact_adamw(AdamWProgram((1.0, 1.0, 1.0), ((2.0, -0.5, 0.0),), lr=0.1, eps=1e-8))
    assert out.steps[0].params == pytest.approx((0.9, 1.1, 1.0), rel=1e-7)
    decayed = exact_adamw(AdamWProgram((2.0,), ((0.0,),), lr=0.1, weight_decay=0.5))
    assert decayed.steps[0].params == pytest.approx((2.0 * (1 - 0.1 * 0.5),), rel=1e-15)


def test_exact_adamw_rejects_an_unknown_mistake():
    with pytest.raises(ValueError, match="unknown mistake 'typo'"):
        exact_adamw(AdamWProgram((1.0,), ((1.0,),)), "typo")


@settings(max_examples=50, deadline=None)
@given(program=cross_entropy_programs(large=True))
def test_large_logits_overflow_an_unshifted_exp(program):
    assert min(abs(x) for x in program.logits) >= LARGE_LOGIT
    assert max(program.logits) - min(program.logits) <= 2 * LOGIT_BOUND
    if program.logits[0] > 0:
        with pytest.raises(OverflowError):
            math.exp(min(program.logits))
    else:
        assert math.exp(max(program.logits)) < 1e-300  # every exp underflows to a subnormal or 0


@pytest.mark.parametrize(
    ("strategy", "kwargs", "complaint"),
    [
        (cross_entropy_programs, {"min_classes": 1}, "min_classes must be an int of at least 2"),
        (cross_entropy_programs, {"min_classes": 4, "max_classes": 3}, "at least min_classes"),
        (adamw_programs, {"max_params": 0}, "max_params must be an int of at least 1"),
        (adamw_programs, {"min_steps": 3, "max_steps": 2}, "at least min_steps"),
    ],
)
def test_strategies_check_their_arguments(strategy, kwargs, complaint):
    with pytest.raises(ValueError, match=complaint):
        strategy(**kwargs)
