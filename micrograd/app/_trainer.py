"""The app's training state, without any user interface: data, parameters, optimizer state, history.

The state lives here, in the trusted process, as plain numbers: the parameters, the
gradients at them, AdamW's ``t``, ``m`` and ``v``. A step sends all of it to the
implementation (see _backend), whose own code updates the parameters (its ``AdamW.step()``
and ``zero_grad()``) and evaluates them (its engine, MLP and ``cross_entropy``); the trainer
takes what it sends back as the new state. For a student's code, the reference runs the
same request in this process and the step's Check says what differs. SGD is applied here,
to the numbers (a student's code need not have it).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from typing import Any, List, Optional, Sequence, Tuple

from micrograd.app._backend import Backend
from micrograd.app._check import (
    Check,
    compare,
    compare_evaluation,
    compare_update,
    compare_zero_grad,
    same_numbers,
)
from micrograd.app._config import EPS, TrainConfig, initial_parameters, parameter_names
from micrograd.app._data import Dataset, Point, load_dataset
from micrograd.app._graph import in_topological_order
from micrograd.app._outcome import AdamWState, StepFailure, StepOutcome
from micrograd.app._wire import StepRequest

__all__ = ["MAX_POINTS", "Evaluation", "Example", "Snapshot", "StepRecord", "Trainer", "new_trainer"]

#: the most points the app keeps
MAX_POINTS = 1000


@dataclass(frozen=True)
class Example:
    """The example drawn as a graph: a point and its label, and the data point it is (if any)."""

    x: float
    y: float
    label: int
    index: Optional[int] = None


@dataclass(frozen=True)
class StepRecord:
    """The losses and accuracies after ``step`` steps (``val_*`` None without validation points)."""

    step: int
    loss: float
    accuracy: float
    val_loss: Optional[float] = None
    val_accuracy: Optional[float] = None


_PHASES = {
    "load": "importing it",
    "build": "building the model",
    "update": "running AdamW.step()",
    "zero_grad": "running zero_grad()",
    "forward": "running the forward pass and cross_entropy",
    "backward": "running backward()",
    "read": "reading data and grad",
    "run": "running",
}


@dataclass(frozen=True)
class Evaluation:
    """The outcome at the current parameters (or of a step that failed), the accuracies, the time it
    took, and for a student's code the check against the reference."""

    outcome: StepOutcome
    accuracy: Optional[float]
    seconds: float
    check: Optional[Check] = None
    val_accuracy: Optional[float] = None

    @property
    def finite(self) -> bool:
        """Whether the loss and every gradient are finite numbers (a step needs them)."""
        o = self.outcome
        return o.ok and o.loss is not None and math.isfinite(o.loss) and all(math.isfinite(g) for g in o.grads)

    @property
    def error(self) -> Optional[str]:
        """What stopped the evaluation, in words (with what to do when the code is not written yet)."""
        error = self.outcome.error
        if error is None:
            return None
        phase = getattr(error, "phase", "")
        during = f" (while {_PHASES.get(phase, phase)})" if phase else ""
        todo = ""
        if getattr(error, "type", "") == "NotImplementedError":
            todo = (". This part is not written yet: finish that exercise (micrograd check says which)"
                    + (", or train with SGD, which the page applies itself" if phase == "update" else ""))
        return f"{error}{during}{todo}"


@dataclass(frozen=True)
class Snapshot:
    """The state after a step, to go back to (a Pause that arrives after a step the page did not show)."""

    steps: int
    params: Tuple[float, ...]
    grads: Optional[Tuple[float, ...]]
    adamw: Optional[AdamWState]
    history: Tuple[StepRecord, ...]
    last: Optional[Evaluation]


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
        #: why the implementation's AdamW cannot step (asked when the model is reset), or None
        self.optimizer_error: Optional[Any] = None
        self.reset_model()

    # the model

    @property
    def sizes(self) -> Tuple[int, ...]:
        return (*self.config.hidden, self.dataset.n_classes)

    def reset_model(self, config: Optional[TrainConfig] = None) -> None:
        """The starting parameters (see initial_parameters), a fresh optimizer, an empty history."""
        if config is not None:
            self.config = config
        self.params: Tuple[float, ...] = tuple(initial_parameters(self.config, self.sizes, self.dataset.name))
        self.names = parameter_names(self.sizes)
        self.grads: Optional[Tuple[float, ...]] = None
        self.steps = 0
        self.adamw: Optional[AdamWState] = None
        if self.config.optimizer == "adamw":
            zeros = (0.0,) * len(self.params)
            beta1, beta2 = self.config.betas
            self.adamw = AdamWState(self.config.lr, beta1, beta2, EPS, self.config.weight_decay, 0, zeros, zeros)
        self.history = []
        self.evaluate(probe=self.backend.isolated)

    def set_learning_rate(self, lr: float) -> None:
        """Change the learning rate without resetting (the optimizer keeps its state)."""
        self.config = replace(self.config, lr=lr)
        if self.adamw is not None:
            self.adamw = replace(self.adamw, lr=lr)

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
        self.points[index] = replace(point, x=float(x), y=float(y))
        if self.example is not None and self.example.index == index:
            self.example = Example(float(x), float(y), point.label, index)
        self.evaluate()

    def delete_point(self, index: int) -> None:
        if sum(1 for p in self.points if p.split == "train") <= 1 and self.points[index].split == "train":
            raise ValueError("the last training point cannot be deleted: training needs at least one")
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

    def request(self, **changes: Any) -> StepRequest:
        """The request for an evaluation at the current parameters (``changes``: a step's fields)."""
        example = self.current_example()
        train = [p for p in self.points if p.split == "train"]
        val = [p for p in self.points if p.split == "val"]
        fields: dict = dict(
            sizes=self.sizes, params=self.params, activation=self.config.activation,
            points=tuple((p.x, p.y) for p in train), labels=tuple(p.label for p in train),
            val_points=tuple((p.x, p.y) for p in val), val_labels=tuple(p.label for p in val),
            example=(example.x, example.y, example.label), graph_limit=self.graph_limit,
        )
        fields.update(changes)
        return StepRequest(**fields)

    def evaluate(self, probe: bool = False) -> Evaluation:
        """Evaluate at the current parameters (the history's record of this step is replaced)."""
        return self._run(self.request(probe=probe), stepped=False)

    def step(self) -> Evaluation:
        """One step: the implementation's optimizer with the gradients at the current parameters (or SGD,
        here), ``zero_grad()``, then the evaluation at the new parameters.

        Refuses (returns an Evaluation with the reason, changing nothing) when the last evaluation
        failed (after trying it again) or its gradients are not finite; a step that fails changes nothing.
        """
        if self.grads is None or self.last is None or not self.last.outcome.ok:
            again = self.evaluate()
            if not again.outcome.ok or self.grads is None:
                return again
        last = self.last
        if last is None or self.grads is None:  # pragma: no cover (evaluate() set both)
            raise RuntimeError("no evaluation to step from")
        if not last.finite:
            self.last = replace(last, check=Check(False, "The loss or the gradients are not finite numbers (nan or "
                                                         "inf): lower the learning rate, then reset the model."))
            return self.last
        if self.adamw is not None:
            request = self.request(grads=self.grads, adamw=self.adamw)
        else:
            lr = self.config.lr
            request = self.request(params=tuple(p - lr * g for p, g in zip(self.params, self.grads)), grads=self.grads)
        return self._run(request, stepped=True)

    def _run(self, request: StepRequest, stepped: bool) -> Evaluation:
        start = time.perf_counter()
        loss = self.config.loss
        reference = None
        if self.reference is not None:
            # the student's child process computes while this process computes the reference
            submit = getattr(self.backend, "submit", None)
            pending = submit(request, loss) if submit is not None else None
            reference = self.reference.evaluate(replace(request, example=None, probe=False), "cross_entropy")
            outcome = pending.result() if pending is not None else self.backend.evaluate(request, loss)
        else:
            outcome = self.backend.evaluate(request, loss)
        outcome = _checked(outcome, request)
        seconds = time.perf_counter() - start
        if request.probe:
            self.optimizer_error = outcome.optimizer_error
        if not outcome.ok:
            self.last = Evaluation(outcome, None, seconds)
            return self.last
        check = None if reference is None else self._check(request, outcome, reference, stepped)
        self.params = outcome.params
        self.grads = outcome.grads
        if outcome.adamw is not None:
            self.adamw = outcome.adamw
        if stepped:
            self.steps += 1
        accuracy = _accuracy(outcome.logits, request.labels)
        val_accuracy = _accuracy(outcome.val_logits, request.val_labels) if request.val_labels else None
        self.last = Evaluation(outcome, accuracy, seconds, check, val_accuracy)
        record = StepRecord(self.steps, outcome.loss or 0.0, accuracy or 0.0, outcome.val_loss, val_accuracy)
        if self.history and self.history[-1].step == record.step:
            self.history[-1] = record
        else:
            self.history.append(record)
        return self.last

    def _check(self, request: StepRequest, outcome: StepOutcome, reference: StepOutcome, stepped: bool) -> Check:
        """The student's outcome against the reference's on the same request."""
        if not reference.ok:
            return Check(True, "")
        problems = compare_update(outcome, reference, self.names) + compare_zero_grad(outcome, self.names)
        if not same_numbers(outcome.params, reference.params):  # evaluate the reference where the student went
            again = replace(request, params=outcome.params, grads=None, adamw=None, example=None, probe=False)
            reference = self.reference.evaluate(again, "cross_entropy") if self.reference is not None else reference
        problems += compare_evaluation(outcome, reference, self.names)
        checked = ("AdamW's update, zero_grad(), " if request.adamw is not None else
                   "zero_grad(), " if stepped else "") + "the losses, the forward pass and the gradients"
        return compare(problems, checked)

    def snapshot(self) -> Snapshot:
        return Snapshot(self.steps, self.params, self.grads, self.adamw, tuple(self.history), self.last)

    def restore(self, snapshot: Snapshot) -> None:
        """Back to a snapshot of this model (the data may have changed since: evaluate again then)."""
        self.steps, self.params, self.grads = snapshot.steps, snapshot.params, snapshot.grads
        self.adamw, self.history, self.last = snapshot.adamw, list(snapshot.history), snapshot.last

    # what the page shows

    def weights(self) -> List[Tuple[Any, Any]]:
        """Each layer's (W, b) as numpy arrays (W is nout x nin), for the decision boundary."""
        import numpy as np

        values = np.array(self.params, dtype=float)
        layers, start = [], 0
        for width, nout in zip((2, *self.sizes[:-1]), self.sizes):
            block = values[start:start + nout * (width + 1)].reshape(nout, width + 1)
            layers.append((block[:, :-1], block[:, -1]))
            start += nout * (width + 1)
        return layers

    def close(self) -> None:
        self.backend.close()


def new_trainer(backend: Backend, dataset_name: str = "yin-yang", config: Optional[TrainConfig] = None,
                reference: Optional[Backend] = None) -> Trainer:
    """A trainer on a fresh copy of a data set (on a student's code: their cross_entropy)."""
    config = config or TrainConfig()
    return Trainer(backend, load_dataset(dataset_name), config.student() if backend.isolated else config, reference)


def _accuracy(logits: Sequence[Sequence[float]], labels: Sequence[int]) -> Optional[float]:
    if not labels:
        return None
    right = sum(1 for row, label in zip(logits, labels) if max(range(len(row)), key=row.__getitem__) == label)
    return right / len(labels)


def _checked(outcome: StepOutcome, request: StepRequest) -> StepOutcome:
    """An outcome whose numbers have the request's shapes, its graph in topological order, or one with an
    error saying what is off."""
    if not outcome.ok:
        return outcome
    n = len(request.params)
    problem = ""
    if outcome.loss is None or (request.val_points and outcome.val_loss is None):
        problem = "no loss"
    elif len(outcome.grads) != n or len(outcome.params) != n:
        problem = f"{len(outcome.grads)} gradients and {len(outcome.params)} parameters for {n} parameters"
    elif request.grads is not None and len(outcome.zeroed) != n:
        problem = f"{len(outcome.zeroed)} grads after zero_grad() for {n} parameters"
    elif request.adamw is not None and (outcome.adamw is None or {len(outcome.adamw.m), len(outcome.adamw.v)} != {n}):
        problem = "no AdamW state, or one of the wrong size"
    elif any(len(rows) != len(points) or any(len(r) != request.sizes[-1] for r in rows) for rows, points in
             ((outcome.logits, request.points), (outcome.val_logits, request.val_points))):
        problem = "logits of the wrong shape"
    if problem:
        return StepOutcome(error=StepFailure("InvalidReply", f"the implementation sent {problem}", "read"))
    try:
        return replace(outcome, graph=in_topological_order(outcome.graph))
    except ValueError as error:
        return replace(outcome, graph=(), graph_error=str(error))
