"""The Trainer: parameters and optimizer in the trusted process, the implementation only evaluates."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import List

import numpy as np
import pytest
from app_numpy import loss as numpy_loss

from micrograd.app._backend import open_backend
from micrograd.app._data import Dataset, Point, load_dataset
from micrograd.app._trainer import Example, TrainConfig, Trainer, compare, parameter_names
from micrograd.app._wire import StepOutcome, StepRequest


@pytest.fixture(scope="module")
def reference():
    return open_backend()


def _trainer(reference, **config) -> Trainer:
    return Trainer(reference, load_dataset("yin-yang"), TrainConfig(**config))


def test_parameter_names_follow_the_canonical_order() -> None:
    names = parameter_names((2, 3))
    assert names[:4] == ["layers[0].neurons[0].w[0]", "layers[0].neurons[0].w[1]", "layers[0].neurons[0].b",
                         "layers[0].neurons[1].w[0]"]
    assert names[-1] == "layers[1].neurons[2].b" and len(names) == 2 * 3 + 3 * 3


def test_a_new_trainer_has_evaluated_its_starting_point(reference) -> None:
    trainer = _trainer(reference)
    assert trainer.steps == 0 and len(trainer.history) == 1
    request = trainer.request()
    assert trainer.history[0].loss == pytest.approx(
        numpy_loss(request.params, request.sizes, request.points, request.labels, "cross_entropy"))


def test_training_on_yin_yang_lowers_the_loss_and_raises_the_accuracy(reference) -> None:
    trainer = _trainer(reference, hidden=(6,), lr=0.05)
    for _ in range(20):
        assert trainer.step().outcome.ok
    assert trainer.steps == 20 and [r.step for r in trainer.history] == list(range(21))
    assert trainer.history[-1].loss < 0.5 * trainer.history[0].loss
    assert trainer.history[-1].accuracy > trainer.history[0].accuracy


def test_sgd_moves_each_parameter_by_lr_times_its_grad(reference) -> None:
    trainer = _trainer(reference, optimizer="sgd", lr=0.3)
    before = [p.data for p in trainer.params]
    grads = list(trainer.last.outcome.grads)
    trainer.step()
    np.testing.assert_allclose([p.data for p in trainer.params], np.array(before) - 0.3 * np.array(grads),
                               rtol=0, atol=1e-15)


def test_adamw_first_step_follows_the_formula(reference) -> None:
    trainer = _trainer(reference, optimizer="adamw", lr=0.01, weight_decay=0.1)
    before = np.array([p.data for p in trainer.params])
    g = np.array(trainer.last.outcome.grads)
    trainer.step()
    # after one step m_hat = g and v_hat = g**2 (bias-corrected), betas (0.9, 0.95)
    expected = before - 0.01 * (g / (np.abs(g) + 1e-8) + 0.1 * before)
    np.testing.assert_allclose([p.data for p in trainer.params], expected, atol=1e-12)
    rows = trainer.parameter_table()
    assert rows[0].m == pytest.approx(0.1 * g[0]) and rows[0].v == pytest.approx(0.05 * g[0] ** 2)
    assert rows[0].grad == trainer.params[0].grad and rows[0].name == "layers[0].neurons[0].w[0]"


def test_sgd_keeps_no_optimizer_state(reference) -> None:
    rows = _trainer(reference, optimizer="sgd").parameter_table()
    assert rows[0].m is None and rows[0].v is None


def test_points_can_be_added_moved_and_deleted(reference) -> None:
    trainer = _trainer(reference)
    n = len(trainer.points)
    trainer.add_point(1.5, 1.5, 2)
    assert len(trainer.request().points) == n + 1 and trainer.request().labels[-1] == 2
    trainer.choose_example(Example(1.5, 1.5, 2, n))
    trainer.move_point(n, -1.0, 0.5)
    assert trainer.points[n] == Point(-1.0, 0.5, 2)
    assert trainer.request().example == (-1.0, 0.5, 2)  # the example follows its point
    trainer.delete_point(0)
    assert len(trainer.points) == n and trainer.example.index == n - 1
    trainer.delete_point(n - 1)
    assert trainer.example.index is None  # the example stays where it was
    with pytest.raises(ValueError, match="class 3"):
        trainer.add_point(0, 0, 3)
    trainer.reset_data()
    assert trainer.points == list(trainer.dataset.points) and trainer.example is None


def test_the_last_point_cannot_be_deleted(reference) -> None:
    dataset = Dataset("tiny", ("a", "b"), (Point(0.0, 0.0, 0),), (-1.0, 1.0, -1.0, 1.0))
    trainer = Trainer(reference, dataset)
    with pytest.raises(ValueError, match="last point"):
        trainer.delete_point(0)


def test_changing_the_data_set_resets_the_model(reference) -> None:
    trainer = _trainer(reference, hidden=(4,))
    trainer.step()
    trainer.reset_data(load_dataset("moons"))
    assert trainer.steps == 0 and trainer.sizes == (4, 2) and len(trainer.params) == 4 * 3 + 2 * 5


def test_the_learning_rate_changes_without_a_reset(reference) -> None:
    trainer = _trainer(reference)
    trainer.step()
    trainer.set_learning_rate(0.5)
    assert trainer.steps == 1 and trainer.optimizer.lr == 0.5


class _Scripted:
    """A backend that answers with a fixed outcome (and counts its requests)."""

    name = "scripted"
    isolated = True

    def __init__(self, outcome: StepOutcome) -> None:
        self.outcome = outcome
        self.requests: List[StepRequest] = []

    def evaluate(self, request: StepRequest) -> StepOutcome:
        self.requests.append(request)
        n = len(request.points)
        return replace(self.outcome, grads=self.outcome.grads or tuple([0.0] * len(request.params)),
                       logits=self.outcome.logits or tuple([(0.0,) * request.sizes[-1]] * n))

    def close(self) -> None:
        pass


def test_non_finite_gradients_stop_the_step(reference) -> None:
    nan = _Scripted(StepOutcome(loss=float("nan")))
    trainer = Trainer(nan, load_dataset("moons"))
    before = [p.data for p in trainer.params]
    evaluation = trainer.step()
    assert not evaluation.finite and "not finite" in evaluation.check.message
    assert trainer.steps == 0 and [p.data for p in trainer.params] == before


def test_a_reply_of_the_wrong_shape_is_an_error(reference) -> None:
    short = _Scripted(StepOutcome(loss=1.0, grads=(0.5,)))
    evaluation = Trainer(short, load_dataset("moons")).last
    assert "1 gradients for" in evaluation.error


def test_a_failed_evaluation_is_retried_by_step_and_changes_nothing() -> None:
    from micrograd.app._wire import StepFailure

    failing = _Scripted(StepOutcome(error=StepFailure("ZeroDivisionError", "division by zero", "backward")))
    trainer = Trainer(failing, load_dataset("moons"))
    assert trainer.last.error == "ZeroDivisionError: division by zero (while running backward())"
    evaluation = trainer.step()
    assert evaluation.error and trainer.steps == 0 and len(failing.requests) == 2 and trainer.history == []


def test_compare_names_the_worst_gradient(reference) -> None:
    request = _trainer(reference).request()
    good = reference.evaluate(request)
    names = parameter_names(request.sizes)
    assert compare(good, good, names).ok
    grads = list(good.grads)
    grads[5] += 1.0
    check = compare(replace(good, grads=tuple(grads)), good, names)
    assert not check.ok and f"{names[5]}.grad" in check.message and "1 of" in check.message
    worse = compare(replace(good, loss=good.loss + 1), good, names)
    assert not worse.ok and "the loss is" in worse.message
    assert math.isfinite(good.loss)


def test_an_exercise_not_written_yet_says_so() -> None:
    from micrograd.app._wire import StepFailure

    stub = _Scripted(StepOutcome(error=StepFailure("NotImplementedError", "Value.__add__: ...", "forward")))
    assert "not written yet: finish that exercise" in Trainer(stub, load_dataset("moons")).last.error


def test_the_exercises_run_and_say_what_is_missing() -> None:
    from micrograd.app._backend import InProcessBackend
    from micrograd.impl import exercises_dir, load_implementation

    trainer = Trainer(InProcessBackend(load_implementation(exercises_dir())), load_dataset("moons"))
    assert "NotImplementedError" in trainer.last.error and "not written yet" in trainer.last.error
