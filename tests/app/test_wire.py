"""StepRequest and StepOutcome: one step of the implementation's own code, checked on the way back."""

from __future__ import annotations

import json
import math
import random
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from app_numpy import adamw, logits, loss, numeric_grads

from micrograd.app._backend import InProcessBackend
from micrograd.app._outcome import KIND, AdamWState, GraphNode, StepOutcome
from micrograd.app._wire import StepRequest, n_params, run_step
from micrograd.impl import load_implementation, reference_dir

SIZES = (4, 3)


def _request(seed: int = 0, n: int = 12, activation: str = "relu", **changes) -> StepRequest:
    rng = random.Random(seed)
    points = tuple((rng.uniform(-2, 2), rng.uniform(-2, 2)) for _ in range(n))
    fields = dict(
        sizes=SIZES,
        params=tuple(rng.uniform(-1, 1) for _ in range(n_params(SIZES))),
        points=points,
        labels=tuple(rng.randrange(3) for _ in range(n)),
        activation=activation,
        val_points=points[:3],
        val_labels=(0, 1, 2),
        example=(0.3, -0.7, 2),
    )
    fields.update(changes)
    return StepRequest(**fields)


def _state(n: int, t: int = 0, seed: int = 1) -> AdamWState:
    rng = random.Random(seed)
    m = tuple(rng.uniform(-0.1, 0.1) for _ in range(n)) if t else (0.0,) * n
    v = tuple(rng.uniform(0, 0.01) for _ in range(n)) if t else (0.0,) * n
    return AdamWState(0.05, 0.9, 0.95, 1e-8, 1e-3, t, m, v)


@pytest.fixture(scope="module")
def reference():
    return load_implementation(reference_dir())


def _copy(tmp_path: Path, old: str = "", new: str = "", file: str = "nn.py") -> Path:
    target = tmp_path / "impl"
    target.mkdir()
    for name in ("engine.py", "nn.py"):
        shutil.copyfile(reference_dir() / name, target / name)
    if old:
        source = (target / file).read_text()
        assert source.count(old) == 1, old
        (target / file).write_text(source.replace(old, new))
    return target


def test_n_params_counts_weights_and_biases() -> None:
    assert n_params((8, 3)) == 8 * 3 + 3 * 9
    assert n_params((16, 16, 1)) == 16 * 3 + 16 * 17 + 17


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_losses_logits_and_grads_match_an_independent_numpy_model(reference, activation: str) -> None:
    request = _request(activation=activation)
    outcome = request.run_on_implementation(reference)
    assert outcome.ok, outcome.error
    np.testing.assert_allclose(outcome.logits, logits(request.params, SIZES, request.points, activation), rtol=1e-12)
    np.testing.assert_allclose(outcome.val_logits, logits(request.params, SIZES, request.val_points, activation),
                               rtol=1e-12)
    assert outcome.loss == pytest.approx(loss(request.params, SIZES, request.points, request.labels,
                                              activation=activation), rel=1e-12)
    assert outcome.val_loss == pytest.approx(loss(request.params, SIZES, request.val_points, request.val_labels,
                                                  activation=activation), rel=1e-12)
    expected = numeric_grads(request.params, SIZES, request.points, request.labels, activation=activation)
    np.testing.assert_allclose(outcome.grads, expected, atol=1e-6)
    assert outcome.params == request.params and outcome.adamw is None and outcome.zeroed == ()


def test_the_kit_s_losses_run_in_process_only(reference) -> None:
    request = _request(seed=3)
    backend = InProcessBackend(reference)
    svm = backend.evaluate(request, "svm")
    assert svm.loss == pytest.approx(loss(request.params, SIZES, request.points, request.labels, "svm"), rel=1e-12)
    module = backend.evaluate(request, "module_cross_entropy")
    assert module.loss == pytest.approx(backend.evaluate(request, "cross_entropy").loss, rel=1e-12)
    with pytest.raises(ValueError, match="unknown loss"):
        backend.evaluate(request, "mse")


def test_a_step_runs_the_implementation_s_adamw_and_zero_grad(reference) -> None:
    before = _request(seed=5)
    grads = before.run_on_implementation(reference).grads
    for t in (0, 7):
        state = _state(len(grads), t)
        outcome = replace(before, grads=grads, adamw=state).run_on_implementation(reference)
        assert outcome.ok, outcome.error
        params, m, v = adamw(before.params, grads, state.m, state.v, state.t, state.lr,
                             (state.beta1, state.beta2), state.eps, state.weight_decay)
        np.testing.assert_allclose(outcome.params, params, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(outcome.adamw.m, m, rtol=1e-13, atol=1e-16)
        np.testing.assert_allclose(outcome.adamw.v, v, rtol=1e-13, atol=1e-18)
        assert outcome.adamw.t == t + 1 and outcome.zeroed == (0,) * len(grads)
        # and then the evaluation at the new parameters
        assert outcome.loss == pytest.approx(loss(params, SIZES, before.points, before.labels), rel=1e-10)


def test_sgd_sends_no_optimizer_and_zero_grad_still_runs(reference) -> None:
    request = _request(seed=6)
    grads = request.run_on_implementation(reference).grads
    outcome = replace(request, grads=grads).run_on_implementation(reference)
    assert outcome.ok and outcome.adamw is None and outcome.zeroed == (0,) * len(grads)
    assert outcome.params == request.params


def test_the_graph_is_the_example_alone_as_found_from_the_loss(reference) -> None:
    request = _request()
    outcome = request.run_on_implementation(reference)
    graph = outcome.graph
    assert outcome.graph_size == len(graph) > 50
    assert graph[0].role == "loss" and graph[0].grad == 1  # the loss first: the app orders the nodes itself
    roles = {node.role: node for node in graph if node.role}
    assert {f"p{k}" for k in range(n_params(SIZES))} <= roles.keys()
    assert {"x0", "x1", "out0", "out1", "out2"} <= roles.keys()
    assert (roles["x0"].data, roles["x1"].data) == (0.3, -0.7)
    expected = numeric_grads(request.params, SIZES, [(0.3, -0.7)], [2])
    np.testing.assert_allclose([roles[f"p{k}"].grad for k in range(n_params(SIZES))], expected, atol=1e-6)
    assert roles["loss"].data == pytest.approx(loss(request.params, SIZES, [(0.3, -0.7)], [2]))


def test_a_graph_over_the_limit_is_not_sent_and_the_message_says_what_to_do(reference) -> None:
    outcome = replace(_request(), graph_limit=20).run_on_implementation(reference)
    assert outcome.ok and outcome.graph == () and outcome.graph_size > 20
    assert "more than 20 nodes: choose smaller hidden layers" in outcome.graph_error


def test_the_request_travels_as_json_and_is_checked(reference) -> None:
    request = replace(_request(), grads=(0.5,) * n_params(SIZES), adamw=_state(n_params(SIZES), 3), probe=True)
    data = json.loads(json.dumps(request.to_dict()))
    assert data["kind"] == KIND and StepRequest.from_dict(data) == request
    outcome = request.run_on_implementation(reference)
    assert StepOutcome.from_dict(json.loads(json.dumps(outcome.to_dict()))) == outcome
    for bad, message in [
        ({**data, "sizes": [4, 1]}, "at least 2"),
        ({**data, "sizes": [65, 3]}, "from 1 to 64"),
        ({**data, "activation": "gelu"}, "activation"),
        ({**data, "params": data["params"][:-1]}, "has 27 parameters"),
        ({**data, "grads": None}, "needs the gradients"),
        ({**data, "labels": [3] * len(data["labels"])}, "each label"),
        ({**data, "points": [[0.0, float("inf")]] * len(data["points"])}, "finite"),
        ({**data, "adamw": {**data["adamw"], "m": [0.0]}}, "values of m"),
        ({**data, "kind": "program"}, "not a step request"),
        ({**data, "probe": 1}, "true or false"),
    ]:
        with pytest.raises(ValueError, match=message):
            StepRequest.from_dict(bad)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"graph": [["+", 1.0, 0.0, [5], ""]]}, "not another node"),
        ({"graph": [["+", 1.0, 0.0, [0], ""]]}, "not another node"),
        ({"graph": [["+", 1.0, 0.0, [], "admin"]]}, "unknown role"),
        ({"loss": "1.5"}, "expected a number"),
        ({"adamw": {"lr": 0.1}}, "misses"),
        ({"error": "boom"}, "JSON object or null"),
        ({"graph_size": 0, "graph": [["+", 1.0, 0.0, [], ""]]}, "graph_size 0"),
    ],
)
def test_forged_outcomes_are_refused(change, message) -> None:
    data = StepOutcome(loss=0.5).to_dict()
    data.update(change)
    with pytest.raises(ValueError, match=message):
        StepOutcome.from_dict(data)


def test_a_failure_names_the_phase_and_the_place(tmp_path: Path) -> None:
    impl = load_implementation(_copy(tmp_path, "        self.t += 1\n", "        self.t += 1\n        1 / 0\n"))
    request = _request()
    grads = request.run_on_implementation(impl).grads
    outcome = replace(request, grads=grads, adamw=_state(len(grads)), probe=True).run_on_implementation(impl)
    assert not outcome.ok and outcome.error.type == "ZeroDivisionError" and outcome.error.phase == "update"
    assert outcome.error.location.startswith("nn.py:") and outcome.error.location.endswith("in step")
    assert outcome.optimizer_error is not None and outcome.optimizer_error.type == "ZeroDivisionError"


def test_without_cross_entropy_the_app_says_so_and_uses_nothing_of_the_kit_s(tmp_path: Path) -> None:
    directory = _copy(tmp_path, "def cross_entropy(logits, target):", "def cross_entropy_later(logits, target):")
    outcome = _request().run_on_implementation(load_implementation(directory))
    assert not outcome.ok and "nn.py has no function cross_entropy" in outcome.error.message


def test_the_implementation_s_own_cross_entropy_is_the_loss(tmp_path: Path) -> None:
    directory = _copy(tmp_path, "    return -(ex[target] / sum(ex)).log()\n",
                      "    return -(ex[target] / sum(ex)).log() * 2\n")
    request = _request(seed=8)
    outcome = request.run_on_implementation(load_implementation(directory))
    assert outcome.loss == pytest.approx(2 * loss(request.params, SIZES, request.points, request.labels), rel=1e-12)


def test_the_numbers_read_from_an_implementation_must_be_numbers(tmp_path: Path) -> None:
    update = "            p.data -= self.lr * (m_hat / (v_hat**0.5 + self.eps) + self.weight_decay * p.data)\n"
    directory = _copy(tmp_path, update, update + "        self.m[2] = 'm'\n")
    impl = load_implementation(directory)
    request = _request()
    grads = request.run_on_implementation(impl).grads
    outcome = replace(request, grads=grads, adamw=_state(len(grads))).run_on_implementation(impl)
    assert not outcome.ok and "AdamW.m[2] is str" in outcome.error.message


def test_run_step_leaves_random_and_the_garbage_collector_as_they_were(reference) -> None:
    import gc
    import time

    def collected() -> bool:  # a moment after a step, its garbage is collected and the collector back on
        deadline = time.monotonic() + 5
        while not gc.isenabled() and time.monotonic() < deadline:
            time.sleep(0.01)
        return gc.isenabled()

    assert collected()
    random.seed(123)
    expected = random.random()
    random.seed(123)
    run_step(_request(), reference)
    assert random.random() == expected and collected()
    gc.disable()
    try:
        assert math.isfinite(run_step(_request(), reference, None).loss)
        time.sleep(0.05)
        assert not gc.isenabled()  # switched off by the caller: left off
    finally:
        gc.enable()


def test_graph_nodes_are_plain_data() -> None:
    node = GraphNode("+", 1.0, -0.5, (0, 1), "out2")
    assert StepOutcome.from_dict(StepOutcome(graph=(GraphNode("", 0.0, 0.0), GraphNode("", 0.0, 0.0), node),
                                             graph_size=3).to_dict()).graph[2] == node
