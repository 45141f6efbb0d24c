"""The fast training path gives the plain reference path's numbers, and upstream's."""

import random

import pytest

from micrograd.engine import Value
from micrograd.nn import MLP
from micrograd.training import (
    ModelShapeError,
    fused_scores,
    learning_rate,
    load_moons,
    make_model,
    moons_loss,
    predict,
    sum_of_squares,
    train_moons,
)

#: printed by upstream's demo.ipynb (karpathy/micrograd), step -> loss: independent of this kit
PUBLISHED_LOSSES = {
    0: 0.8958441028683222,
    1: 1.7235905336972022,
    2: 0.7429006313851131,
    3: 0.7705641260584198,
    4: 0.3692793385976538,
    10: 0.24507023853658053,
    40: 0.06016009895234464,
    50: 0.09875114765619622,
    99: 0.010978370135492717,
}


def test_make_model_is_upstreams_seeded_mlp_and_leaves_the_random_state_alone():
    random.seed(5)
    before = random.random()
    random.seed(5)
    model = make_model()
    assert random.random() == before
    random.seed(1337)
    expected = MLP(2, [16, 16, 1])
    assert [p.data for p in model.parameters()] == [p.data for p in expected.parameters()]
    assert len(model.parameters()) == 337


def test_one_fast_loss_has_the_plain_graphs_value_accuracy_and_gradients():
    data = load_moons()
    model = make_model()
    plain_loss, plain_acc = moons_loss(model, data, fast=False)
    model.zero_grad()
    plain_loss.backward()
    plain_grads = [p.grad for p in model.parameters()]

    fast_loss, fast_acc = moons_loss(model, data, fast=True)
    model.zero_grad()
    fast_loss.backward()
    fast_grads = [p.grad for p in model.parameters()]

    assert fast_loss.data == pytest.approx(plain_loss.data, abs=1e-12)
    assert fast_acc == plain_acc == 0.5
    assert any(g != 0 for g in plain_grads)
    assert fast_grads == pytest.approx(plain_grads, abs=1e-12)


def test_fast_training_gives_the_plain_reference_losses_step_by_step():
    fast = train_moons(steps=4, fast=True)
    plain = train_moons(steps=4, fast=False)
    assert len(fast.steps) == len(plain.steps) == 4
    for a, b in zip(fast.steps, plain.steps):
        assert a.loss == pytest.approx(b.loss, abs=1e-9)
        assert a.accuracy == b.accuracy
        assert a.learning_rate == b.learning_rate
    # the trained weights agree too
    assert [p.data for p in fast.model.parameters()] == pytest.approx(
        [p.data for p in plain.model.parameters()], abs=1e-9
    )


def test_the_first_steps_reproduce_upstreams_published_losses():
    run = train_moons(steps=5)
    for step, loss in PUBLISHED_LOSSES.items():
        if step < 5:
            assert run.losses[step] == pytest.approx(loss, abs=1e-9), step
    assert [s.accuracy for s in run.steps] == [0.5, 0.81, 0.77, 0.82, 0.84]  # upstream's printout


@pytest.mark.slow
def test_the_full_demo_reproduces_upstreams_published_run_and_reaches_100_percent():
    run = train_moons()
    assert len(run.steps) == 100
    for step, loss in PUBLISHED_LOSSES.items():
        assert run.losses[step] == pytest.approx(loss, abs=1e-9), step
    assert run.final_accuracy == 1.0
    assert run.steps[-1].learning_rate == pytest.approx(0.109)


def test_learning_rate_is_upstreams_schedule():
    assert learning_rate(0) == 1.0
    assert learning_rate(50) == pytest.approx(0.55)
    assert learning_rate(99) == pytest.approx(0.109)


def test_sum_of_squares_matches_the_plain_sum_and_its_gradients():
    rng = random.Random(0)
    params = [Value(rng.uniform(-3, 3)) for _ in range(50)]
    plain = 1e-4 * sum(p * p for p in params)
    plain.backward()
    plain_grads = [p.grad for p in params]
    for p in params:
        p.grad = 0
    fused = 1e-4 * sum_of_squares(params)
    fused.backward()
    assert fused.data == plain.data
    assert [p.grad for p in params] == plain_grads
    with pytest.raises(ValueError, match="at least one parameter"):
        sum_of_squares([])


def test_fused_scores_agree_with_calling_the_model():
    model = make_model()
    points = [(0.5, -0.25), (-1.0, 2.0), (3.0, 0.0)]
    plain = [model([Value(x), Value(y)]).data for x, y in points]
    assert [s.data for s in fused_scores(model, points)] == pytest.approx(plain, abs=1e-12)
    assert predict(model, points) == pytest.approx(plain, abs=1e-12)


def test_fast_path_rejects_a_model_that_is_not_laid_out_like_an_mlp():
    with pytest.raises(ModelShapeError, match=r"model\.layers"):
        fused_scores(object(), [(0.0, 0.0)])
    with pytest.raises(ModelShapeError, match="exactly one neuron"):
        fused_scores(MLP(2, [3, 2]), [(0.0, 0.0)])


@pytest.mark.parametrize("steps", [0, 101, -1, True, 2.5])
def test_train_moons_rejects_a_bad_number_of_steps(steps):
    with pytest.raises(ValueError, match="steps must be a whole number from 1 to 100"):
        train_moons(steps=steps)
