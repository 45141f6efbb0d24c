"""The LLM101n micrograd module's run: 3-way classification of the yin-yang points.

``train_yinyang()`` replays the module's script on the reference engine: ``RNG(42)``,
``gen_data_yinyang(rng, n=100)``, an MLP(2, [8, 3]) with a tanh hidden layer whose
weights are ``rng.uniform(-1, 1) * nin**-0.5`` (drawn after the data, layer by layer,
neuron by neuron) and biases 0, the mean cross-entropy over a split, and
``AdamW(lr=0.1, betas=(0.9, 0.95), weight_decay=1e-4)`` for 100 full-batch steps,
with the validation loss every 10 steps. Its log is the module's, line for line.

The loss of this run is :func:`published_cross_entropy`, the module's formula as
published: the max-subtraction is commented out there. The course's exercise
``micrograd.nn.cross_entropy`` subtracts the max (large logits must not overflow),
which is the same function but not the same floating-point operations: with it the
losses agree to about 1e-15 and the printed digits do not (docs/yinyang.md).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any, Callable, List, Optional, Sequence

from micrograd.training._loop import _gc_paused
from micrograd.training._rng import RNG
from micrograd.training._yinyang_data import Example, gen_data_yinyang

__all__ = [
    "BETAS",
    "LEARNING_RATE",
    "VAL_EVERY",
    "WEIGHT_DECAY",
    "YINYANG_HIDDEN",
    "YINYANG_POINTS",
    "YINYANG_SEED",
    "YINYANG_STEPS",
    "YinYangMLP",
    "YinYangRun",
    "accuracy",
    "published_cross_entropy",
    "split_loss",
    "train_yinyang",
]

#: the module's seed, number of points, hidden width, steps and validation interval
YINYANG_SEED = 42
YINYANG_POINTS = 100
YINYANG_HIDDEN = 8
YINYANG_STEPS = 100
VAL_EVERY = 10
#: the module's AdamW settings
LEARNING_RATE = 0.1
BETAS = (0.9, 0.95)
WEIGHT_DECAY = 1e-4


def _reference_nn() -> Any:
    from micrograd import nn

    return nn


class YinYangMLP:
    """The module's MLP: reference Layers of linear neurons, tanh after every layer but the last.

    A hidden neuron computes ``tanh(b + w . x)`` with the same operations, in the same
    order, as the module's TanhNeuron; weights are ``rng.uniform(-1, 1) * nin**-0.5``,
    biases 0. ``nn`` is the module holding ``Layer`` (default: the reference nn).
    """

    def __init__(self, rng: RNG, nin: int = 2, nouts: Sequence[int] = (YINYANG_HIDDEN, 3), nn: Any = None) -> None:
        nn = _reference_nn() if nn is None else nn
        sizes = [nin, *nouts]
        state = random.getstate()  # Layer draws its own weights from `random`: leave that untouched
        try:
            self.layers = [nn.Layer(sizes[i], sizes[i + 1], nonlin=False) for i in range(len(nouts))]
        finally:
            random.setstate(state)
        for layer in self.layers:
            for neuron in layer.neurons:
                scale = len(neuron.w) ** -0.5
                for w in neuron.w:
                    w.data = rng.uniform(-1, 1) * scale
                neuron.b.data = 0

    def __call__(self, x: Sequence[Any]) -> List[Any]:
        """The logits (a list of Values) for the point x."""
        out: Any = x
        for i, layer in enumerate(self.layers):
            out = layer(out)
            out = out if isinstance(out, list) else [out]
            if i != len(self.layers) - 1:
                out = [v.tanh() for v in out]
        return out

    def parameters(self) -> List[Any]:
        return [p for layer in self.layers for p in layer.parameters()]

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = 0

    def __repr__(self) -> str:
        sizes = [len(self.layers[0].neurons[0].w)] + [len(layer.neurons) for layer in self.layers]
        return f"YinYangMLP({sizes[0]}, {sizes[1:]}, tanh hidden)"


def published_cross_entropy(logits: Sequence[Any], target: int) -> Any:
    """``-log(exp(l[target]) / sum(exp(l)))`` without subtracting the max, as the module publishes it.

    Only for logits of moderate size (exp overflows beyond 709); the course's
    ``nn.cross_entropy`` is the stable one.
    """
    ex = [v.exp() for v in logits]
    return -(ex[target] / sum(ex)).log()


def split_loss(model: Any, split: Sequence[Example], loss: Optional[Callable[[Any, int], Any]] = None) -> Any:
    """The mean loss over ``split`` as a Value: ``(0.0 + l_1 + ... + l_n) * (1.0 / n)``, as the module sums it."""
    loss = published_cross_entropy if loss is None else loss
    params = model.parameters()
    total = type(params[0])(0.0)
    for x, y in split:
        total = total + loss(model(x), y)
    return total * (1.0 / len(split))


def accuracy(model: Any, split: Sequence[Example]) -> float:
    """The fraction of ``split`` whose largest logit is the label's."""
    right = 0
    for x, y in split:
        logits = [v.data for v in model(x)]
        right += logits.index(max(logits)) == y
    return right / len(split)


@dataclass
class YinYangRun:
    """The trained model, the data, every loss, the log's lines, and the time the steps took."""

    model: Any
    train: List[Example]
    val: List[Example]
    test: List[Example]
    train_losses: List[float] = field(default_factory=list)
    #: (step index, loss) every VAL_EVERY steps, before that step's update
    val_losses: List[tuple] = field(default_factory=list)
    lines: List[str] = field(default_factory=list)
    seconds: float = 0.0
    cpu_seconds: float = 0.0


def train_yinyang(
    steps: int = YINYANG_STEPS,
    seed: int = YINYANG_SEED,
    on_line: Optional[Callable[[str], None]] = None,
    loss: Optional[Callable[[Any, int], Any]] = None,
    nn: Any = None,
) -> YinYangRun:
    """Run the module's script for ``steps`` steps; ``on_line`` sees each log line as it is made.

    ``loss`` defaults to :func:`published_cross_entropy`; ``nn`` (a module with ``Layer``
    and ``AdamW``) to the reference nn.
    """
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive whole number, not {steps!r}")
    nn = _reference_nn() if nn is None else nn
    rng = RNG(seed)
    train, val, test = gen_data_yinyang(rng, n=YINYANG_POINTS)
    model = YinYangMLP(rng, 2, (YINYANG_HIDDEN, 3), nn=nn)
    optimizer = nn.AdamW(model.parameters(), lr=LEARNING_RATE, betas=BETAS, weight_decay=WEIGHT_DECAY)
    run = YinYangRun(model, train, val, test)

    def emit(line: str) -> None:
        run.lines.append(line)
        if on_line is not None:
            on_line(line)

    start, cpu_start = time.perf_counter(), time.process_time()
    for step in range(steps):
        with _gc_paused():
            if step % VAL_EVERY == 0:
                val_loss = split_loss(model, val, loss).data
                run.val_losses.append((step, val_loss))
                emit(f"step {step + 1}/{steps}, val loss {val_loss:.6f}")
            train_loss = split_loss(model, train, loss)
            train_loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            run.train_losses.append(train_loss.data)
            del train_loss
        emit(f"step {step + 1}/{steps}, train loss {run.train_losses[-1]}")
    run.seconds = time.perf_counter() - start
    run.cpu_seconds = time.process_time() - cpu_start
    return run
