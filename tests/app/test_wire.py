"""StepRequest and StepOutcome: what crosses to the implementation, checked on the way back."""

from __future__ import annotations

import json
import math
import random
import shutil
from pathlib import Path

import numpy as np
import pytest
from app_numpy import logits, loss, numeric_grads

from micrograd.app._wire import KIND, GraphNode, StepOutcome, StepRequest, n_params
from micrograd.impl import load_implementation, reference_dir

SIZES = (4, 3)


def _request(loss_kind: str = "cross_entropy", seed: int = 0, n: int = 12, example: bool = True) -> StepRequest:
    rng = random.Random(seed)
    points = tuple((rng.uniform(-2, 2), rng.uniform(-2, 2)) for _ in range(n))
    return StepRequest(
        sizes=SIZES,
        params=tuple(rng.uniform(-1, 1) for _ in range(n_params(SIZES))),
        points=points,
        labels=tuple(rng.randrange(3) for _ in range(n)),
        loss=loss_kind,
        example=(0.3, -0.7, 2) if example else None,
    )


@pytest.fixture(scope="module")
def reference():
    return load_implementation(reference_dir())


def test_n_params_counts_weights_and_biases() -> None:
    assert n_params((8, 3)) == 8 * 3 + 3 * 9
    assert n_params((16, 16, 1)) == 16 * 3 + 16 * 17 + 17


@pytest.mark.parametrize("loss_kind", ["cross_entropy", "svm"])
def test_loss_logits_and_grads_match_an_independent_numpy_model(reference, loss_kind: str) -> None:
    request = _request(loss_kind)
    outcome = request.run_on_implementation(reference)
    assert outcome.ok, outcome.error
    np.testing.assert_allclose(outcome.logits, logits(request.params, SIZES, request.points), rtol=1e-12)
    assert outcome.loss == pytest.approx(loss(request.params, SIZES, request.points, request.labels, loss_kind),
                                         rel=1e-12)
    expected = numeric_grads(request.params, SIZES, request.points, request.labels, loss_kind)
    np.testing.assert_allclose(outcome.grads, expected, atol=1e-6)


def test_the_graph_is_the_example_alone_in_topological_order(reference) -> None:
    request = _request()
    outcome = request.run_on_implementation(reference)
    graph = outcome.graph
    assert outcome.graph_size == len(graph) > 50
    assert graph[-1].role == "loss" and graph[-1].grad == 1
    for i, node in enumerate(graph):
        assert all(c < i for c in node.children)
    roles = {node.role: node for node in graph if node.role}
    assert {f"p{k}" for k in range(n_params(SIZES))} <= roles.keys()
    assert {"x0", "x1", "out0", "out1", "out2"} <= roles.keys()
    assert (roles["x0"].data, roles["x1"].data) == (0.3, -0.7)
    # the parameters' grads in the graph are those of the example's own loss
    expected = numeric_grads(request.params, SIZES, [(0.3, -0.7)], [2], "cross_entropy")
    np.testing.assert_allclose([roles[f"p{k}"].grad for k in range(n_params(SIZES))], expected, atol=1e-6)
    assert roles["loss"].data == pytest.approx(loss(request.params, SIZES, [(0.3, -0.7)], [2], "cross_entropy"))


def test_a_graph_over_the_limit_is_not_sent(reference) -> None:
    request = StepRequest(**{**_request().__dict__, "graph_limit": 20})
    outcome = request.run_on_implementation(reference)
    assert outcome.ok and outcome.graph == () and outcome.graph_size > 20
    assert "more than 20 nodes" in outcome.graph_error


def test_round_trip_through_json(reference) -> None:
    request = _request("svm")
    assert StepRequest.from_dict(json.loads(json.dumps(request.to_dict()))) == request
    outcome = request.run_on_implementation(reference)
    assert StepOutcome.from_dict(json.loads(json.dumps(outcome.to_dict()))) == outcome


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "program"}, "kind"),
        ({"sizes": [4, 1]}, "at least 2"),
        ({"params": [0.5]}, "parameters"),
        ({"labels": [5] * 12}, "label"),
        ({"loss": "mse"}, "loss"),
        ({"points": [[0.0, 1.0, 2.0]] * 12}, "2 coordinates"),
        ({"example": [0.0, 0.0, 7]}, "label"),
        ({"graph_limit": 10**9}, "graph_limit"),
        ({"params": [True] * n_params(SIZES)}, "number"),
    ],
)
def test_a_bad_request_is_refused_with_a_reason(change: dict, message: str) -> None:
    data = {**_request().to_dict(), **change}
    with pytest.raises(ValueError, match=message):
        StepRequest.from_dict(data)


class _Evil(float):
    def __eq__(self, other):  # pragma: no cover (never called: the reader refuses the type)
        return True


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "module"}, "kind"),
        ({"graph": [["+", 1.0, 0.0, [0], ""]]}, "not an earlier node"),
        ({"graph": [["+", 1.0, 0.0, [], "root; rm -rf"]]}, "role"),
        ({"graph": [["+", _Evil(1.0), 0.0, [], ""]]}, "number"),
        ({"graph": [["+", 1.0, 0.0, []]]}, "fields"),
        ({"grads": ["0.5"]}, "number"),
        ({"graph": [["+", 1.0, 0.0, [], ""]], "graph_size": 0}, "graph_size"),
        ({"error": "boom"}, "error"),
    ],
)
def test_a_forged_outcome_is_refused(change: dict, message: str) -> None:
    data = {"kind": KIND, "loss": 1.0, "logits": [], "grads": [], "graph": [], "graph_size": 0, **change}
    with pytest.raises(ValueError, match=message):
        StepOutcome.from_dict(data)


def test_an_outcome_keeps_long_texts_short() -> None:
    outcome = StepOutcome.from_dict({"kind": KIND, "graph": [["x" * 500, 1.0, 0.0, [], ""]],
                                     "error": {"type": "T" * 500, "message": "m" * 10**5, "phase": "run"}})
    assert outcome.graph == (GraphNode("x" * 16, 1.0, 0.0, (), ""),)
    assert len(outcome.error.type) == 100 and len(outcome.error.message) == 2000


def _broken(tmp_path: Path, old: str, new: str, file: str = "engine.py") -> object:
    target = tmp_path / "impl"
    target.mkdir()
    for name in ("engine.py", "nn.py"):
        shutil.copyfile(reference_dir() / name, target / name)
    source = (target / file).read_text()
    assert source.count(old) == 1
    (target / file).write_text(source.replace(old, new))
    return load_implementation(target)


def test_an_exception_in_backward_is_an_outcome_naming_the_line(tmp_path: Path) -> None:
    impl = _broken(tmp_path, "        self.grad = 1\n", "        self.grad = 1\n        raise RuntimeError('oops')\n")
    outcome = _request().run_on_implementation(impl)
    assert not outcome.ok
    assert (outcome.error.type, outcome.error.message, outcome.error.phase) == ("RuntimeError", "oops", "backward")
    assert outcome.error.location.startswith("engine.py:") and outcome.error.location.endswith("in backward")


def test_an_mlp_of_the_wrong_shape_is_an_outcome(tmp_path: Path) -> None:
    impl = _broken(tmp_path, "        return x\n", "        return x[:2]\n", "nn.py")
    outcome = _request().run_on_implementation(impl)
    assert not outcome.ok and outcome.error.phase == "forward"
    assert "not a list of 3 Values" in outcome.error.message


def test_a_grad_that_is_not_a_number_is_an_outcome(tmp_path: Path) -> None:
    impl = _broken(tmp_path, "        self.grad = 0\n", "        self.grad = 'zero'\n")
    outcome = _request().run_on_implementation(impl)
    assert not outcome.ok


def test_a_missing_file_is_a_load_failure(tmp_path: Path) -> None:
    (tmp_path / "engine.py").write_text("class Value:\n    pass\n")
    outcome = _request().run_on_implementation(load_implementation(tmp_path))
    assert not outcome.ok and outcome.error.phase == "load" and "nn.py" in outcome.error.message


def test_the_implementation_s_own_cross_entropy_is_used(tmp_path: Path) -> None:
    # replaces the reference's own cross_entropy, which the app must call instead of its own
    own = "def cross_entropy(logits, target):\n    return logits[target] * 0 + 42\n\n\ndef _unused(logits, target):"
    impl = _broken(tmp_path, "def cross_entropy(logits, target):", own, "nn.py")
    outcome = _request().run_on_implementation(impl)
    assert outcome.ok and outcome.loss == pytest.approx(42)
    assert math.isfinite(outcome.loss)
