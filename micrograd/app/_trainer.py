"""The app's training state, without any user interface: data, parameters, optimizer, history.

The parameters live here, in the trusted process, as reference Values; the implementation
(reference or student, see _backend) only evaluates loss, logits and gradients for
given numbers, and the optimizer (the reference's AdamW, or plain SGD) updates them here.
After every change the trainer evaluates again, so what it shows is always consistent:
the parameters, the loss, accuracy and graph at those parameters, and the gradients the
next step will use.
"""

from __future__ import annotations

import math
import random
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, List, Optional, Sequence, Tuple

from micrograd.app._backend import Backend
from micrograd.app._data import Dataset, Point, load_dataset
from micrograd.app._wire import LOSSES, StepOutcome, StepRequest
from micrograd.nn import AdamW

__all__ = [
    "OPTIMIZERS",
    "Check",
    "Evaluation",
    "Example",
    "ParameterRow",
    "StepRecord",
    "TrainConfig",
    "Trainer",
    "parameter_names",
]

#: the optimizers the app offers
OPTIMIZERS = ("adamw", "sgd")
#: the most points the app keeps
MAX_POINTS = 1000
# tolerances when a student's numbers are compared with the reference's
_REL, _ABS = 1e-6, 1e-9


@dataclass(frozen=True)
class TrainConfig:
    """The model and how to train it: ``MLP(2, [*hidden, classes])``."""

    hidden: Tuple[int, ...] = (8,)
    loss: str = "cross_entropy"
    optimizer: str = "adamw"
    lr: float = 0.05
    weight_decay: float = 1e-4
    seed: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden", tuple(self.hidden))
        if len(self.hidden) > 4 or any(type(h) is not int or not 1 <= h <= 64 for h in self.hidden):
            raise ValueError(f"hidden sizes must be up to 4 layers of 1 to 64 neurons, got {list(self.hidden)}")
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {', '.join(LOSSES)}, got {self.loss!r}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {self.optimizer!r}")
        for name in ("lr", "weight_decay"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a number >= 0, got {value!r}")


@dataclass(frozen=True)
class Example:
    """The example drawn as a graph: a point and its label, and the data point it is (if any)."""

    x: float
    y: float
    label: int
    index: Optional[int] = None


@dataclass(frozen=True)
class StepRecord:
    """Where training was after ``step`` updates."""

    step: int
    loss: float
    accuracy: float


@dataclass(frozen=True)
class Check:
    """A student's numbers against the reference's on the same parameters and data."""

    ok: bool
    message: str


@dataclass(frozen=True)
class Evaluation:
    """One evaluation at the current parameters: the outcome, the accuracy, the time it took,
    and (for a student's implementation) the comparison with the reference."""

    outcome: StepOutcome
    accuracy: Optional[float]
    seconds: float
    check: Optional[Check] = None

    @property
    def finite(self) -> bool:
        """Whether the loss and every gradient are finite numbers (a step needs them)."""
        o = self.outcome
        return o.ok and o.loss is not None and math.isfinite(o.loss) and all(math.isfinite(g) for g in o.grads)

    @property
    def error(self) -> Optional[str]:
        if self.outcome.error is not None:
            error = self.outcome.error
            phase = getattr(error, "phase", "")
            during = f" (while {_PHASES.get(phase, phase)})" if phase else ""
            todo = ""
            if getattr(error, "type", "") == "NotImplementedError":
                todo = (". This part is not written yet: finish that exercise (micrograd check says which), "
                        "or choose the SVM loss if it is the cross-entropy")
            return f"{error}{during}{todo}"
        return None


_PHASES = {
    "load": "importing it",
    "build": "building the model",
    "forward": "running the forward pass and the loss",
    "backward": "running backward()",
    "read": "reading data and grad",
    "run": "running",
}


@dataclass(frozen=True)
class ParameterRow:
    """One parameter in the inspect table."""

    name: str
    value: float
    grad: float
    m: Optional[float] = None
    v: Optional[float] = None


class _SGD:
    """Plain gradient descent: ``p.data -= lr * p.grad``."""

    def __init__(self, parameters: Sequence[Any], lr: float) -> None:
        self.parameters = list(parameters)
        self.lr = lr
        self.t = 0

    def step(self) -> None:
        self.t += 1
        for p in self.parameters:
            p.data -= self.lr * p.grad


def parameter_names(sizes: Sequence[int], nin: int = 2) -> List[str]:
    """``layers[0].neurons[3].w[1]`` for every parameter of ``MLP(nin, sizes)``, in canonical order."""
    names = []
    for layer, (width, nout) in enumerate(zip((nin, *sizes[:-1]), sizes)):
        for neuron in range(nout):
            prefix = f"layers[{layer}].neurons[{neuron}]"
            names += [f"{prefix}.w[{k}]" for k in range(width)] + [f"{prefix}.b"]
    return names


@dataclass
class Trainer:
    """Everything the page shows, and the actions that change it."""

    backend: Backend
    dataset: Dataset
    config: TrainConfig = field(default_factory=TrainConfig)
    reference: Optional[Backend] = None  # set for a student's implementation: their numbers are checked
    points: List[Point] = field(default_factory=list)
    example: Optional[Example] = None
    history: List[StepRecord] = field(default_factory=list)
    last: Optional[Evaluation] = None
    graph_limit: int = 5000

    def __post_init__(self) -> None:
        if not self.points:
            self.points = list(self.dataset.points)
        self.reset_model()

    # the model

    @property
    def sizes(self) -> Tuple[int, ...]:
        return (*self.config.hidden, self.dataset.n_classes)

    @property
    def steps(self) -> int:
        return int(self.optimizer.t)

    def reset_model(self, config: Optional[TrainConfig] = None) -> None:
        """New random parameters (from ``config.seed``), a new optimizer, an empty history."""
        from micrograd.engine import Value

        if config is not None:
            self.config = config
        rng = random.Random(self.config.seed)
        self.params = []
        for width, nout in zip((2, *self.sizes[:-1]), self.sizes):
            for _ in range(nout):
                self.params += [Value(rng.uniform(-1, 1)) for _ in range(width)] + [Value(0.0)]
        self.names = parameter_names(self.sizes)
        if self.config.optimizer == "adamw":
            self.optimizer: Any = AdamW(self.params, lr=self.config.lr, weight_decay=self.config.weight_decay)
        else:
            self.optimizer = _SGD(self.params, self.config.lr)
        self.history = []
        self.evaluate()

    def set_learning_rate(self, lr: float) -> None:
        """Change the learning rate without resetting (the optimizer keeps its state)."""
        self.config = replace(self.config, lr=lr)
        self.optimizer.lr = lr

    # the data

    def reset_data(self, dataset: Optional[Dataset] = None) -> None:
        """Back to the data set's own points (a different data set resets the model too)."""
        changed = dataset is not None and dataset.name != self.dataset.name
        if dataset is not None:
            self.dataset = dataset
        self.points = list(self.dataset.points)
        self.example = None
        if changed:
            self.reset_model()
        else:
            self.evaluate()

    def add_point(self, x: float, y: float, label: int) -> None:
        if not 0 <= label < self.dataset.n_classes:
            raise ValueError(f"class {label} is not one of the {self.dataset.n_classes} classes")
        if len(self.points) >= MAX_POINTS:
            raise ValueError(f"the app keeps at most {MAX_POINTS} points; delete some first")
        self.points.append(Point(float(x), float(y), int(label)))
        self.evaluate()

    def move_point(self, index: int, x: float, y: float) -> None:
        point = self.points[index]
        self.points[index] = Point(float(x), float(y), point.label)
        if self.example is not None and self.example.index == index:
            self.example = Example(float(x), float(y), point.label, index)
        self.evaluate()

    def delete_point(self, index: int) -> None:
        if len(self.points) <= 1:
            raise ValueError("the last point cannot be deleted: training needs at least one")
        del self.points[index]
        chosen = self.example
        if chosen is not None and chosen.index is not None:
            if chosen.index == index:
                self.example = Example(chosen.x, chosen.y, chosen.label)
            elif chosen.index > index:
                self.example = replace(chosen, index=chosen.index - 1)
        self.evaluate()

    def choose_example(self, example: Example) -> None:
        if not 0 <= example.label < self.dataset.n_classes:
            raise ValueError(f"class {example.label} is not one of the {self.dataset.n_classes} classes")
        self.example = example
        self.evaluate()

    def current_example(self) -> Example:
        """The chosen example, or the first point."""
        if self.example is not None:
            return self.example
        p = self.points[0]
        return Example(p.x, p.y, p.label, 0)

    # evaluating and stepping

    def request(self) -> StepRequest:
        example = self.current_example()
        return StepRequest(
            sizes=self.sizes,
            params=tuple(float(p.data) for p in self.params),
            points=tuple((p.x, p.y) for p in self.points),
            labels=tuple(p.label for p in self.points),
            loss=self.config.loss,
            example=(example.x, example.y, example.label),
            graph_limit=self.graph_limit,
        )

    def evaluate(self) -> Evaluation:
        """Evaluate at the current parameters; record it in the history (replacing a record of the same step)."""
        request = self.request()
        start = time.perf_counter()
        reference = None
        if self.reference is not None:
            # the student's child process computes while this process computes the reference
            with ThreadPoolExecutor(max_workers=1) as pool:
                pending = pool.submit(self.backend.evaluate, request)
                reference = self.reference.evaluate(request)
                outcome = pending.result()
        else:
            outcome = self.backend.evaluate(request)
        seconds = time.perf_counter() - start
        outcome = _checked_shapes(outcome, request)
        accuracy = None
        if outcome.ok and outcome.logits:
            correct = sum(1 for row, label in zip(outcome.logits, request.labels) if _argmax(row) == label)
            accuracy = correct / len(request.labels)
        check = None
        if reference is not None and outcome.ok:
            check = compare(outcome, reference, self.names)
        for p, g in zip(self.params, outcome.grads):
            p.grad = g
        self.last = Evaluation(outcome, accuracy, seconds, check)
        if outcome.ok and outcome.loss is not None and accuracy is not None:
            record = StepRecord(self.steps, outcome.loss, accuracy)
            if self.history and self.history[-1].step == record.step:
                self.history[-1] = record
            else:
                self.history.append(record)
        return self.last

    def step(self) -> Evaluation:
        """One optimizer step with the gradients at the current parameters, then evaluate again.

        Refuses (returns an Evaluation with the reason, changing nothing) when the last
        evaluation failed or its gradients are not finite.
        """
        last = self.last if self.last is not None else self.evaluate()
        if not last.outcome.ok:
            last = self.evaluate()  # try again (the user may have fixed their code or the data)
            if not last.outcome.ok:
                return last
        if not last.finite:
            self.last = replace(last, check=Check(False, "The loss or the gradients are not finite numbers (nan or "
                                                         "inf): lower the learning rate, then reset the model."))
            return self.last
        self.optimizer.step()
        return self.evaluate()

    # what the page shows

    def parameter_table(self) -> List[ParameterRow]:
        m = getattr(self.optimizer, "m", None)
        v = getattr(self.optimizer, "v", None)
        return [
            ParameterRow(name, float(p.data), float(p.grad),
                         None if m is None else float(m[i]), None if v is None else float(v[i]))
            for i, (name, p) in enumerate(zip(self.names, self.params))
        ]

    def weights(self) -> List[Tuple[Any, Any]]:
        """Each layer's (W, b) as numpy arrays (W is nout x nin), for the decision boundary."""
        import numpy as np

        values = np.array([float(p.data) for p in self.params])
        layers, start = [], 0
        for width, nout in zip((2, *self.sizes[:-1]), self.sizes):
            block = values[start:start + nout * (width + 1)].reshape(nout, width + 1)
            layers.append((block[:, :-1], block[:, -1]))
            start += nout * (width + 1)
        return layers


def new_trainer(backend: Backend, dataset_name: str = "yin-yang", config: Optional[TrainConfig] = None,
                reference: Optional[Backend] = None) -> Trainer:
    """A trainer on a fresh copy of a data set."""
    return Trainer(backend, load_dataset(dataset_name), config or TrainConfig(), reference)


def _argmax(row: Sequence[float]) -> int:
    best = 0
    for j, value in enumerate(row):
        if value > row[best]:
            best = j
    return best


def _checked_shapes(outcome: StepOutcome, request: StepRequest) -> StepOutcome:
    """An outcome whose numbers have the request's shapes, or one with an error saying what is off."""
    if not outcome.ok:
        return outcome
    problem = ""
    if outcome.loss is None:
        problem = "no loss"
    elif len(outcome.grads) != len(request.params):
        problem = f"{len(outcome.grads)} gradients for {len(request.params)} parameters"
    elif len(outcome.logits) != len(request.points) or any(len(r) != request.sizes[-1] for r in outcome.logits):
        problem = "logits of the wrong shape"
    if problem:
        from micrograd.app._wire import StepFailure

        return StepOutcome(error=StepFailure("InvalidReply", f"the implementation sent {problem}", "read"))
    return outcome


def _close(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= _ABS + _REL * max(abs(a), abs(b))


def compare(student: StepOutcome, reference: StepOutcome, names: Sequence[str]) -> Check:
    """Whether a student's loss, logits and gradients match the reference's on the same request."""
    if not reference.ok or reference.loss is None or student.loss is None:
        return Check(True, "")
    problems = []
    if not _close(student.loss, reference.loss):
        problems.append(f"the loss is {student.loss:.6g}, the reference's {reference.loss:.6g}")
    bad_logits = sum(1 for s, r in zip(student.logits, reference.logits) if not all(map(_close, s, r)))
    if bad_logits:
        problems.append(f"the forward pass differs on {bad_logits} of {len(reference.logits)} points")
    bad = [i for i, (s, r) in enumerate(zip(student.grads, reference.grads)) if not _close(s, r)]
    if bad:
        worst = max(bad, key=lambda i: abs(student.grads[i] - reference.grads[i]))
        problems.append(f"{len(bad)} of {len(reference.grads)} gradients differ; the largest difference is "
                        f"{names[worst]}.grad: yours {student.grads[worst]:.6g}, "
                        f"the reference's {reference.grads[worst]:.6g}")
    if not problems:
        return Check(True, "loss, forward pass and gradients match the reference's")
    return Check(False, "Your implementation's numbers differ from the reference engine's at these parameters: "
                 + "; ".join(problems) + ".")
