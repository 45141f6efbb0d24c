"""Upstream micrograd's moons training loop (demo.ipynb), plain or on fused nodes.

The loop, as upstream wrote it: ``model = MLP(2, [16, 16, 1])`` right after
``random.seed(1337)``; the loss is the mean of ``relu(1 - y*score)`` over all points
plus ``1e-4 * sum(p*p)``; each step runs ``model.zero_grad(); loss.backward()`` and
``p.data -= lr * p.grad`` with ``lr = 1.0 - 0.9*k/100``.
"""

from __future__ import annotations

import contextlib
import gc
import random
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, List, Optional, Sequence, Tuple

from micrograd.training._data import Moons, load_moons
from micrograd.training._fused import fused_scores, sum_of_squares

__all__ = [
    "ALPHA",
    "DEMO_SEED",
    "DEMO_SIZES",
    "DEMO_STEPS",
    "Step",
    "TrainingRun",
    "learning_rate",
    "make_model",
    "moons_loss",
    "predict",
    "train_moons",
]

#: the seed upstream's demo sets before building the model
DEMO_SEED = 1337
#: MLP(2, DEMO_SIZES): two hidden relu layers of 16, one linear output
DEMO_SIZES = (16, 16, 1)
#: the weight of the L2 penalty
ALPHA = 1e-4
#: upstream's number of steps; the learning rate decays from 1.0 to 0.109 over them
DEMO_STEPS = 100


@dataclass(frozen=True)
class Step:
    """One training step: the loss and accuracy before its update, and the learning rate it used."""

    step: int
    loss: float
    accuracy: float
    learning_rate: float


@dataclass
class TrainingRun:
    """The trained model and every step's numbers."""

    model: Any
    steps: List[Step] = field(default_factory=list)
    seconds: float = 0.0
    #: the accuracy of the trained model (after the last update) on the training data
    final_accuracy: float = 0.0

    @property
    def losses(self) -> List[float]:
        return [s.loss for s in self.steps]


def learning_rate(step: int) -> float:
    """Upstream's schedule: ``1.0 - 0.9*step/100``."""
    return 1.0 - 0.9 * step / 100


def make_model(mlp_class: Any = None, seed: int = DEMO_SEED) -> Any:
    """``MLP(2, [16, 16, 1])`` built right after ``random.seed(seed)``, as upstream's demo does.

    ``mlp_class`` defaults to the reference MLP. The global ``random`` state is
    restored afterwards.
    """
    if mlp_class is None:
        from micrograd.nn import MLP

        mlp_class = MLP
    state = random.getstate()
    try:
        random.seed(seed)
        return mlp_class(2, list(DEMO_SIZES))
    finally:
        random.setstate(state)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a step builds and differentiates its graph.

    Every node's ``_backward`` closure refers back to the node, so each step's graph is
    one big reference cycle: while it grows, Python's full collections rescan all of
    it again and again, which costs more than building it. Paused, the graph is
    reclaimed by one young-generation collection after the step.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _accuracy(labels: Sequence[int], scores: Sequence[Any]) -> float:
    correct = [(yi > 0) == (si.data > 0) for yi, si in zip(labels, scores)]
    return sum(correct) / len(correct)


def moons_loss(model: Any, data: Moons, fast: bool = True) -> Tuple[Any, float]:
    """Upstream's loss on the whole data set, and the accuracy: ``(total_loss, accuracy)``.

    ``fast=False`` builds the plain graph, as upstream's demo does; ``fast=True`` builds
    one node per neuron and one for the penalty (micrograd.training._fused), with the
    same numbers.
    """
    params = model.parameters()
    if fast:
        scores = fused_scores(model, data.X)
    else:
        value_class = type(params[0])
        scores = [model([value_class(x0), value_class(x1)]) for x0, x1 in data.X]
    losses = [(1 + -yi * si).relu() for yi, si in zip(data.y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    penalty = sum_of_squares(params) if fast else sum(p * p for p in params)
    reg_loss = ALPHA * penalty
    return data_loss + reg_loss, _accuracy(data.y, scores)


def predict(model: Any, points: Sequence[Sequence[float]]) -> List[float]:
    """The model's score for each point, as plain floats (no graph is kept)."""
    return [float(s.data) for s in fused_scores(model, points)]


def train_moons(
    model: Any = None,
    data: Optional[Moons] = None,
    steps: int = DEMO_STEPS,
    fast: bool = True,
    on_step: Optional[Callable[[Step], None]] = None,
) -> TrainingRun:
    """Train ``model`` (default: ``make_model()``) on ``data`` (default: the bundled moons)
    for ``steps`` full-batch steps of upstream's loop; ``on_step`` sees every Step."""
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= DEMO_STEPS:
        raise ValueError(f"steps must be a whole number from 1 to {DEMO_STEPS} (the schedule's length), not {steps!r}")
    model = make_model() if model is None else model
    data = load_moons() if data is None else data
    run = TrainingRun(model)
    start = time.perf_counter()
    for k in range(steps):
        with _gc_paused():
            total_loss, acc = moons_loss(model, data, fast=fast)
            model.zero_grad()
            total_loss.backward()
            lr = learning_rate(k)
            for p in model.parameters():
                p.data -= lr * p.grad
            step = Step(k, float(total_loss.data), acc, lr)
            del total_loss  # the graph is garbage now: collected when the collector runs again
        run.steps.append(step)
        if on_step is not None:
            on_step(step)
    run.seconds = time.perf_counter() - start
    run.final_accuracy = _accuracy(data.y, fused_scores(model, data.X))
    return run
