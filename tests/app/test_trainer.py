"""The Trainer: the state in the trusted process, a step of the implementation's own code, the check."""

from __future__ import annotations

from dataclasses import replace
from typing import List

import numpy as np
import pytest
from app_numpy import adamw
from app_numpy import loss as numpy_loss

from micrograd.app._backend import InProcessBackend, open_backend
from micrograd.app._check import compare_evaluation, compare_update, compare_zero_grad
from micrograd.app._config import PRESET, TrainConfig, initial_parameters, parameter_names
from micrograd.app._data import Dataset, Point, load_dataset
from micrograd.app._outcome import StepFailure, StepOutcome
from micrograd.app._trainer import Example, Trainer, new_trainer
from micrograd.app._view import log_lines
from micrograd.app._wire import StepRequest
from micrograd.training import RNG, YinYangMLP, gen_data_yinyang, train_yinyang


@pytest.fixture(scope="module")
def reference():
    return open_backend()


@pytest.fixture(scope="module")
def module_run():
    return train_yinyang()


def _trainer(reference, dataset: str = "yin-yang", **config) -> Trainer:
    return Trainer(reference, load_dataset(dataset), replace(PRESET, **config))


def test_parameter_names_follow_the_canonical_order() -> None:
    names = parameter_names((2, 3))
    assert names[:4] == ["layers[0].neurons[0].w[0]", "layers[0].neurons[0].w[1]", "layers[0].neurons[0].b",
                         "layers[0].neurons[1].w[0]"]
    assert names[-1] == "layers[1].neurons[2].b" and len(names) == 2 * 3 + 3 * 3


def test_the_preset_starts_where_the_module_starts() -> None:
    rng = RNG(42)
    gen_data_yinyang(rng)
    model = YinYangMLP(rng)
    assert initial_parameters(PRESET, (8, 3), "yin-yang") == [p.data for p in model.parameters()]
    assert PRESET.activation == "tanh" and PRESET.lr == 0.1 and PRESET.weight_decay == 1e-4
    unscaled = initial_parameters(replace(PRESET, init="uniform", seed=7), (2, 2), "moons")
    rng = RNG(7)
    assert unscaled == [rng.uniform(-1, 1), rng.uniform(-1, 1), 0.0, rng.uniform(-1, 1), rng.uniform(-1, 1), 0.0,
                        rng.uniform(-1, 1), rng.uniform(-1, 1), 0.0, rng.uniform(-1, 1), rng.uniform(-1, 1), 0.0]


@pytest.mark.slow
def test_the_preset_replays_the_module_s_run_digit_for_digit(reference, module_run, published_yinyang_log) -> None:
    trainer = _trainer(reference)
    assert trainer.config.is_preset() and trainer.sizes == (8, 3)
    for _ in range(100):
        assert trainer.step().outcome.ok
    assert [r.loss for r in trainer.history[:100]] == module_run.train_losses
    assert [(s, trainer.history[s].val_loss) for s, _ in module_run.val_losses] == module_run.val_losses
    lines = log_lines(trainer.history, preset=True)
    assert lines == module_run.lines and all(line in lines for line in published_yinyang_log)


def test_a_new_trainer_has_evaluated_its_starting_point(reference) -> None:
    trainer = _trainer(reference, loss="cross_entropy")
    assert trainer.steps == 0 and len(trainer.history) == 1
    request = trainer.request()
    assert len(request.points) == 80 and len(request.val_points) == 10
    record = trainer.history[0]
    assert record.loss == pytest.approx(numpy_loss(request.params, (8, 3), request.points, request.labels,
                                                   activation="tanh"), rel=1e-12)
    assert record.val_loss == pytest.approx(numpy_loss(request.params, (8, 3), request.val_points,
                                                       request.val_labels, activation="tanh"), rel=1e-12)
    assert log_lines(trainer.history, preset=False) == []


def test_adamw_steps_from_the_state_the_trainer_keeps(reference) -> None:
    trainer = _trainer(reference, dataset="moons", lr=0.01, weight_decay=0.1, activation="relu")
    for t in range(3):
        before, grads, state = trainer.params, trainer.grads, trainer.adamw
        trainer.step()
        params, m, v = adamw(before, grads, state.m, state.v, t, 0.01, (0.9, 0.95), 1e-8, 0.1)
        np.testing.assert_allclose(trainer.params, params, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(trainer.adamw.m, m, rtol=1e-12, atol=1e-18)
        np.testing.assert_allclose(trainer.adamw.v, v, rtol=1e-12, atol=1e-20)
        assert trainer.adamw.t == t + 1 == trainer.steps


def test_sgd_moves_each_parameter_by_lr_times_its_grad(reference) -> None:
    trainer = _trainer(reference, optimizer="sgd", lr=0.3)
    before, grads = np.array(trainer.params), np.array(trainer.grads)
    trainer.step()
    assert trainer.adamw is None
    np.testing.assert_allclose(trainer.params, before - 0.3 * grads, rtol=0, atol=1e-15)


def test_points_can_be_added_moved_and_deleted(reference) -> None:
    trainer = _trainer(reference)
    n = len(trainer.points)
    trainer.add_point(1.5, 1.5, 2)
    assert len(trainer.request().points) == 81 and trainer.request().labels[-1] == 2
    trainer.choose_example(Example(1.5, 1.5, 2, n))
    trainer.move_point(n, -1.0, 0.5)
    assert trainer.points[n] == Point(-1.0, 0.5, 2)
    assert trainer.request().example == (-1.0, 0.5, 2)  # the example follows its point
    trainer.move_point(85, 0.0, 0.0)
    assert trainer.points[85].split == "val" and trainer.request().val_points[5] == (0.0, 0.0)
    trainer.delete_point(0)
    assert len(trainer.points) == n and trainer.example.index == n - 1
    trainer.delete_point(n - 1)
    assert trainer.example.index is None  # the example stays where it was
    with pytest.raises(ValueError, match="class 3"):
        trainer.add_point(0, 0, 3)
    trainer.reset_data()
    assert trainer.points == list(trainer.dataset.points) and trainer.example is None


def test_the_last_training_point_cannot_be_deleted(reference) -> None:
    dataset = Dataset("tiny", ("a", "b"), (Point(0.0, 0.0, 0), Point(1.0, 0.0, 1, "val")), (-1.0, 1.0, -1.0, 1.0))
    trainer = Trainer(reference, dataset, replace(PRESET, activation="relu"))
    with pytest.raises(ValueError, match="last training point"):
        trainer.delete_point(0)
    trainer.delete_point(1)
    assert trainer.request().val_points == () and trainer.last.val_accuracy is None


def test_changing_the_data_set_resets_the_model(reference) -> None:
    trainer = _trainer(reference, hidden=(4,))
    trainer.step()
    trainer.reset_data(load_dataset("moons"))
    assert trainer.steps == 0 and trainer.sizes == (4, 2) and len(trainer.params) == 4 * 3 + 2 * 5


def test_the_learning_rate_changes_without_a_reset(reference) -> None:
    trainer = _trainer(reference)
    trainer.step()
    trainer.set_learning_rate(0.5)
    assert trainer.steps == 1 and trainer.adamw.lr == 0.5 and trainer.adamw.t == 1


def test_a_snapshot_takes_the_model_back(reference) -> None:
    trainer = _trainer(reference)
    trainer.step()
    snapshot = trainer.snapshot()
    state = (trainer.params, trainer.grads, trainer.adamw, list(trainer.history), trainer.last)
    trainer.step()
    trainer.step()
    trainer.restore(snapshot)
    assert trainer.steps == 1 and (trainer.params, trainer.grads, trainer.adamw, trainer.history, trainer.last) == state


class _Scripted:
    """A backend that answers with a fixed outcome (and counts its requests)."""

    name = "scripted"
    isolated = False

    def __init__(self, outcome: StepOutcome) -> None:
        self.outcome = outcome
        self.requests: List[StepRequest] = []

    def evaluate(self, request: StepRequest, loss: str = "cross_entropy") -> StepOutcome:
        self.requests.append(request)
        rows = self.outcome.logits or tuple([(0.0,) * request.sizes[-1]] * len(request.points))
        val_rows = tuple([(0.0,) * request.sizes[-1]] * len(request.val_points))
        return replace(self.outcome, grads=self.outcome.grads or tuple([0.0] * len(request.params)),
                       params=request.params, logits=rows, val_logits=val_rows)

    def close(self) -> None:
        pass


def test_non_finite_gradients_stop_the_step() -> None:
    nan = _Scripted(StepOutcome(loss=float("nan")))
    trainer = Trainer(nan, load_dataset("moons"))
    before = trainer.params
    evaluation = trainer.step()
    assert not evaluation.finite and "not finite" in evaluation.check.message
    assert trainer.steps == 0 and trainer.params == before


def test_a_reply_of_the_wrong_shape_is_an_error() -> None:
    short = _Scripted(StepOutcome(loss=1.0, grads=(0.5,)))
    evaluation = Trainer(short, load_dataset("moons")).last
    assert "the implementation sent 1 gradients and 42 parameters for 42 parameters" in evaluation.error


def test_a_failed_evaluation_is_retried_by_step_and_changes_nothing() -> None:
    failing = _Scripted(StepOutcome(error=StepFailure("ZeroDivisionError", "division by zero", "backward")))
    trainer = Trainer(failing, load_dataset("moons"))
    assert trainer.last.error == "ZeroDivisionError: division by zero (while running backward())"
    evaluation = trainer.step()
    assert evaluation.error and trainer.steps == 0 and len(failing.requests) == 2 and trainer.history == []


def test_an_exercise_not_written_yet_says_so_and_adamw_offers_sgd() -> None:
    stub = _Scripted(StepOutcome(error=StepFailure("NotImplementedError", "Value.__add__: ...", "forward")))
    message = Trainer(stub, load_dataset("moons")).last.error
    assert "not written yet: finish that exercise" in message and "SGD" not in message
    stub = _Scripted(StepOutcome(error=StepFailure("NotImplementedError", "AdamW.step: ...", "update")))
    assert "train with SGD" in Trainer(stub, load_dataset("moons")).last.error


def test_the_exercises_run_and_say_what_is_missing() -> None:
    from micrograd.impl import exercises_dir, load_implementation

    trainer = Trainer(InProcessBackend(load_implementation(exercises_dir())), load_dataset("moons"))
    assert "NotImplementedError" in trainer.last.error and "not written yet" in trainer.last.error


# the check: what differs, named


def test_the_check_names_the_parameter_and_the_moment_that_differ(reference) -> None:
    trainer = _trainer(reference, loss="cross_entropy")
    request = trainer.request(grads=trainer.grads, adamw=trainer.adamw)
    good = reference.evaluate(request)
    names = trainer.names
    assert compare_update(good, good, names) == [] and compare_evaluation(good, good, names) == []
    m = list(good.adamw.m)
    m[7] *= 2
    bad = replace(good, adamw=replace(good.adamw, m=tuple(m)))
    (problem,) = compare_update(bad, good, names)
    assert "first moment m differs on 1 of 51 parameters, most on layers[0].neurons[2].w[1] (m)" in problem
    data = list(good.params)
    data[50] += 0.5
    (problem,) = compare_update(replace(good, params=tuple(data)), good, names)
    assert "layers[1].neurons[2].b.data: yours" in problem and "look at the bias correction" in problem
    (problem,) = compare_update(replace(good, adamw=replace(good.adamw, t=5)), good, names)
    assert "AdamW.t is 5" in problem
    zeroed = list(good.zeroed)
    zeroed[3] = 0.25
    (problem,) = compare_zero_grad(replace(good, zeroed=tuple(zeroed)), names)
    assert "zero_grad() left 1 of 51 grads" in problem and "layers[0].neurons[1].w[0].grad = 0.25" in problem
    grads = list(good.grads)
    grads[5] += 1.0
    problems = compare_evaluation(replace(good, grads=tuple(grads), loss=good.loss + 1), good, names)
    assert "the training loss is" in problems[0] and f"most on {names[5]}.grad" in problems[1]


@pytest.mark.slow
def test_a_student_adamw_without_bias_correction_is_shown_as_a_difference(tmp_path, reference) -> None:
    from app_helpers import student_copy

    directory = student_copy(tmp_path, {"m_hat = self.m[i] / (1 - self.beta1**self.t)": "m_hat = self.m[i]",
                                        "v_hat = self.v[i] / (1 - self.beta2**self.t)": "v_hat = self.v[i]"})
    child = open_backend(directory)
    try:
        trainer = new_trainer(child, reference=reference)
        assert trainer.last.check.ok and trainer.config.loss == "cross_entropy"
        trainer.step()
        check = trainer.last.check
        assert not check.ok and "moment" not in check.message
        assert "the update of the parameters' data differs on 51 of 51 parameters, most on layers[" in check.message
        assert "(t, m and v match: look at the bias correction and the update itself)" in check.message
        assert trainer.steps == 1  # it trains on, with the student's update
    finally:
        trainer.close()


@pytest.mark.slow
def test_the_preset_on_a_correct_student_gives_the_module_s_numbers(tmp_path, reference, module_run) -> None:
    from app_helpers import student_copy

    trainer = new_trainer(open_backend(student_copy(tmp_path)), reference=reference)
    try:
        for _ in range(100):
            assert trainer.step().outcome.ok and trainer.last.check.ok, trainer.last.check
        # the student's cross_entropy subtracts the max, the published one does not: equal to ~1e-15
        np.testing.assert_allclose([r.loss for r in trainer.history[:100]], module_run.train_losses, rtol=1e-12)
        val_lines = [line for line in log_lines(trainer.history, preset=True) if "val loss" in line]
        assert val_lines == [line for line in module_run.lines if "val loss" in line]
    finally:
        trainer.close()


@pytest.mark.slow
def test_a_student_without_adamw_is_told_so_and_can_train_with_sgd(tmp_path, reference) -> None:
    from app_helpers import student_copy

    solution = "        self.t += 1\n"
    directory = student_copy(tmp_path, {solution: solution + "        raise NotImplementedError('AdamW.step')\n"})
    trainer = new_trainer(open_backend(directory), reference=reference)
    try:
        assert trainer.optimizer_error is not None and trainer.optimizer_error.type == "NotImplementedError"
        assert trainer.last.outcome.ok and trainer.last.check.ok  # the rest of the code is fine
        assert "train with SGD" in trainer.step().error and trainer.steps == 0
        trainer.reset_model(replace(trainer.config, optimizer="sgd"))
        assert trainer.step().outcome.ok and trainer.last.check.ok and trainer.steps == 1
    finally:
        trainer.close()


@pytest.mark.slow
def test_a_zero_grad_that_does_nothing_is_named(tmp_path, reference) -> None:
    from app_helpers import student_copy

    solution = "        for p in self.parameters():\n            p.grad = 0\n"
    trainer = new_trainer(open_backend(student_copy(tmp_path, {solution: "        pass\n"})), reference=reference)
    try:
        trainer.step()
        message = trainer.last.check.message
        assert "zero_grad() left 51 of 51 grads that are not 0" in message and "the gradient differs" in message
    finally:
        trainer.close()


def test_new_trainer_uses_the_student_s_loss_for_a_student() -> None:
    config = TrainConfig()
    assert config.is_preset() and not config.student().is_preset() and config.student().is_preset(for_student=True)
    with pytest.raises(ValueError, match="activation"):
        replace(config, activation="gelu")
    with pytest.raises(ValueError, match="1 to 64 neurons"):
        replace(config, hidden=(100,))
