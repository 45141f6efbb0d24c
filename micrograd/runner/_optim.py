"""Requests for the LLM101n exercises: a cross-entropy loss and AdamW steps, as plain JSON.

- :class:`CrossEntropyProgram`: build the logits as Values, call ``nn.cross_entropy(logits,
  target)``, call ``backward()`` on the loss, read the loss and every logit's grad;
- :class:`AdamWProgram`: make Values with given data, build ``nn.AdamW(params, ...)``, then
  for each step set every parameter's grad to given numbers and call ``step()``; read every
  parameter's data and the optimizer's ``t`` after each step.

Like :class:`~micrograd.program.Program`, each one serializes to plain JSON
(``to_dict``/``from_dict``, validating untrusted data), runs on an implementation with
``run_on_implementation(impl)`` (never raising for what the implementation does) and prints
itself as a runnable snippet for a counterexample.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Dict, Optional, Sequence, Tuple

from micrograd.runner._outcome import Failure, Outcome
from micrograd.runner._read import Implementation, ReadError, failure_of, read_number
from micrograd.runner._untrusted import JsonForm, Printer, as_float, as_floats, as_int, as_list

__all__ = [
    "ADAMW_KIND",
    "CROSS_ENTROPY_KIND",
    "AdamWOutcome",
    "AdamWProgram",
    "AdamWStep",
    "CrossEntropyOutcome",
    "CrossEntropyProgram",
]

#: the values of ``"kind"`` in the JSON forms, so a sandbox can tell requests apart
CROSS_ENTROPY_KIND = "cross_entropy"
ADAMW_KIND = "adamw"

# bounds on untrusted input (a sandbox evaluates whatever JSON it is sent)
_MAX_CLASSES = 64
_MAX_PARAMS = 64
_MAX_STEPS = 64


def _check_finite(what: str, xs: Sequence[Any]) -> None:
    for x in xs:
        if type(x) not in (int, float) or not math.isfinite(x):
            raise ValueError(f"{what} must hold finite numbers, got {x!r}")


def _read_failure(data: Dict[str, Any]) -> Optional[Failure]:
    error = data.get("error")
    if not isinstance(error, (dict, type(None))):
        raise ValueError(f"error is a JSON object or null, got {type(error).__name__}")
    return Outcome.from_dict({"error": error}).error


def _expect_kind(data: Any, kind: str, what: str) -> Dict[str, Any]:
    if not isinstance(data, dict):
        raise ValueError(f"{what} is a JSON object, got {type(data).__name__}")
    if data.get("kind") != kind:
        raise ValueError(f"not {what}: kind is {data.get('kind')!r}, expected {kind!r}")
    return data


def _load_failure(error: Exception) -> Failure:
    return Failure(type(error).__name__, str(error), "load")


# ------------------------------------------------------------------------------ cross-entropy


@dataclass(frozen=True)
class CrossEntropyOutcome:
    """The loss and every logit's grad after ``loss.backward()``, or the Failure that stopped the run; ``output``
    what the code printed (as :class:`~micrograd.runner.Outcome`'s)."""

    loss: Optional[float] = None
    grads: Tuple[float, ...] = ()
    error: Optional[Failure] = None
    output: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> Dict[str, Any]:
        return {
            "kind": CROSS_ENTROPY_KIND,
            "loss": self.loss,
            "grads": list(self.grads),
            "error": None if self.error is None else self.error.__dict__.copy(),
        }

    @classmethod
    def from_dict(cls, data: Any) -> CrossEntropyOutcome:
        """Rebuild from plain data, checking every field's type (the data may come from an untrusted process)."""
        data = _expect_kind(data, CROSS_ENTROPY_KIND, "a cross-entropy outcome")
        loss = data.get("loss")
        return cls(
            loss=None if loss is None else as_float(loss),
            grads=as_floats(data.get("grads", ())),
            error=_read_failure(data),
        )


@dataclass(frozen=True)
class CrossEntropyProgram(JsonForm):
    """``nn.cross_entropy([Value(x) for x in logits], target)``, then ``backward()`` on the loss."""

    logits: Tuple[float, ...]
    target: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "logits", tuple(self.logits))
        if not 2 <= len(self.logits) <= _MAX_CLASSES:
            raise ValueError(f"logits must hold 2 to {_MAX_CLASSES} numbers, got {len(self.logits)}")
        _check_finite("logits", self.logits)
        if type(self.target) is not int or not 0 <= self.target < len(self.logits):
            raise ValueError(f"target must be an int from 0 to {len(self.logits) - 1}, got {self.target!r}")

    def describe(self) -> str:
        return f"cross_entropy({len(self.logits)} logits, target={self.target})"

    # serialization

    def to_dict(self) -> Dict[str, Any]:
        return {"kind": CROSS_ENTROPY_KIND, "logits": list(self.logits), "target": self.target}

    @classmethod
    def from_dict(cls, data: Any) -> CrossEntropyProgram:
        """Rebuild from plain data, checking every field (the data may be untrusted); ValueError if bad."""
        data = _expect_kind(data, CROSS_ENTROPY_KIND, "a cross-entropy program")
        try:
            return cls(logits=as_floats(data["logits"]), target=as_int(data["target"]))
        except KeyError as error:
            raise ValueError(f"not a cross-entropy program: missing {error}") from None

    # evaluation

    def run_on_implementation(self, impl: Implementation) -> CrossEntropyOutcome:
        """Run with ``impl.Value`` and ``impl.cross_entropy``; an exception, or a loss that is not a
        Value, becomes the outcome's ``error``."""
        try:
            value_class = impl.Value
            cross_entropy = impl.cross_entropy
        except Exception as error:  # noqa: BLE001 (micrograd.impl's ImplementationError: the files do not load)
            return CrossEntropyOutcome(error=_load_failure(error))
        phase = "build"
        try:
            logits = [value_class(x) for x in self.logits]
            loss = cross_entropy(logits, self.target)
            if not isinstance(loss, value_class):
                raise ReadError(f"cross_entropy returned {type(loss).__name__} {loss!r:.60}, not a Value")
            phase = "backward"
            loss.backward()
            phase = "read"
            return CrossEntropyOutcome(
                loss=read_number(loss.data, "the loss's data"),
                grads=tuple(read_number(v.grad, "a logit's grad") for v in logits),
            )
        except (Exception, SystemExit) as error:  # noqa: BLE001 (an implementation may raise anything)
            return CrossEntropyOutcome(error=failure_of(error, phase, None, tuple(impl.files)))

    # code

    def to_python(self, *, import_line: Optional[str] = None) -> str:
        """A runnable snippet doing what :meth:`run_on_implementation` does, printing what is compared."""
        lines = [
            "from micrograd.engine import Value",
            import_line or "from micrograd.nn import cross_entropy",
            "",
            f"logits = [Value(x) for x in {list(self.logits)!r}]",
            f"loss = cross_entropy(logits, {self.target})",
            "loss.backward()",
            "print('loss', loss.data)",
            "print('grads', [v.grad for v in logits])",
        ]
        return "\n".join(lines) + "\n"

    def __str__(self) -> str:
        return self.to_python()

    def _repr_pretty_(self, printer: Printer, cycle: bool) -> None:
        """Show as runnable code in Hypothesis's falsifying examples and in IPython."""
        printer.text(self.to_python())


# ------------------------------------------------------------------------------------ AdamW


@dataclass(frozen=True)
class AdamWStep:
    """After one ``step()``: every parameter's data, and the optimizer's ``t``."""

    params: Tuple[float, ...]
    t: float


@dataclass(frozen=True)
class AdamWOutcome:
    """One AdamWStep per step taken, or the Failure that stopped the run (the steps before it are kept); ``output``
    what the code printed (as :class:`~micrograd.runner.Outcome`'s)."""

    steps: Tuple[AdamWStep, ...] = ()
    error: Optional[Failure] = None
    output: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> Dict[str, Any]:
        return {
            "kind": ADAMW_KIND,
            "steps": [{"params": list(s.params), "t": s.t} for s in self.steps],
            "error": None if self.error is None else self.error.__dict__.copy(),
        }

    @classmethod
    def from_dict(cls, data: Any) -> AdamWOutcome:
        """Rebuild from plain data, checking every field's type (the data may come from an untrusted process)."""
        data = _expect_kind(data, ADAMW_KIND, "an AdamW outcome")
        steps = []
        for s in as_list(data.get("steps", ())):
            if not isinstance(s, dict):
                raise ValueError(f"a step is a JSON object, got {type(s).__name__}")
            steps.append(AdamWStep(params=as_floats(s.get("params", ())), t=as_float(s.get("t"))))
        return cls(steps=tuple(steps), error=_read_failure(data))


@dataclass(frozen=True)
class AdamWProgram(JsonForm):
    """``AdamW(params, lr, (beta1, beta2), eps, weight_decay)`` over Values holding ``params``;
    step ``i`` sets ``p.grad = grads[i][j]`` for every parameter ``j``, then calls ``step()``."""

    params: Tuple[float, ...]
    grads: Tuple[Tuple[float, ...], ...]
    lr: float = 0.1
    beta1: float = 0.9
    beta2: float = 0.95
    eps: float = 1e-8
    weight_decay: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", tuple(self.params))
        object.__setattr__(self, "grads", tuple(tuple(g) for g in self.grads))
        if not 1 <= len(self.params) <= _MAX_PARAMS:
            raise ValueError(f"params must hold 1 to {_MAX_PARAMS} numbers, got {len(self.params)}")
        _check_finite("params", self.params)
        if not 1 <= len(self.grads) <= _MAX_STEPS:
            raise ValueError(f"grads must hold 1 to {_MAX_STEPS} steps, got {len(self.grads)}")
        for i, row in enumerate(self.grads):
            if len(row) != len(self.params):
                raise ValueError(f"step {i} has {len(row)} grads, but there are {len(self.params)} parameters")
            _check_finite(f"the grads of step {i}", row)
        _check_finite("lr, beta1, beta2, eps and weight_decay",
                      (self.lr, self.beta1, self.beta2, self.eps, self.weight_decay))
        if not (0 <= self.beta1 < 1 and 0 <= self.beta2 < 1):
            raise ValueError(f"beta1 and beta2 must be in [0, 1), got {self.beta1!r}, {self.beta2!r}")
        if self.eps <= 0 or self.lr < 0 or self.weight_decay < 0:
            raise ValueError("eps must be positive, lr and weight_decay not negative")

    @property
    def betas(self) -> Tuple[float, float]:
        return (self.beta1, self.beta2)

    def describe(self) -> str:
        return (f"AdamW over {len(self.params)} parameter{'s' if len(self.params) > 1 else ''}, "
                f"{len(self.grads)} step{'s' if len(self.grads) > 1 else ''}")

    # serialization

    def to_dict(self) -> Dict[str, Any]:
        return {
            "kind": ADAMW_KIND,
            "params": list(self.params),
            "grads": [list(g) for g in self.grads],
            "lr": self.lr,
            "betas": [self.beta1, self.beta2],
            "eps": self.eps,
            "weight_decay": self.weight_decay,
        }

    @classmethod
    def from_dict(cls, data: Any) -> AdamWProgram:
        """Rebuild from plain data, checking every field (the data may be untrusted); ValueError if bad."""
        data = _expect_kind(data, ADAMW_KIND, "an AdamW program")
        try:
            betas = as_floats(data["betas"])
            if len(betas) != 2:
                raise ValueError(f"betas holds two numbers, got {len(betas)}")
            return cls(
                params=as_floats(data["params"]),
                grads=tuple(as_floats(g) for g in as_list(data["grads"])),
                lr=as_float(data["lr"]),
                beta1=betas[0],
                beta2=betas[1],
                eps=as_float(data["eps"]),
                weight_decay=as_float(data["weight_decay"]),
            )
        except KeyError as error:
            raise ValueError(f"not an AdamW program: missing {error}") from None

    # evaluation

    def run_on_implementation(self, impl: Implementation) -> AdamWOutcome:
        """Run with ``impl.Value`` and ``impl.AdamW``; an exception, or data or ``t`` that is not a
        number, becomes the outcome's ``error`` (the steps before it are kept)."""
        try:
            value_class = impl.Value
            adamw = impl.AdamW
        except Exception as error:  # noqa: BLE001 (micrograd.impl's ImplementationError: the files do not load)
            return AdamWOutcome(error=_load_failure(error))
        steps = []
        phase, index = "build", None
        try:
            params = [value_class(x) for x in self.params]
            optimizer = adamw(params, lr=self.lr, betas=self.betas, eps=self.eps, weight_decay=self.weight_decay)
            for index in range(len(self.grads)):
                row = self.grads[index]
                phase = "step"
                for p, g in zip(params, row):
                    p.grad = g
                optimizer.step()
                phase = "read"
                steps.append(AdamWStep(
                    params=tuple(read_number(p.data, "a parameter's data") for p in params),
                    t=read_number(optimizer.t, "the optimizer's t"),
                ))
        except (Exception, SystemExit) as error:  # noqa: BLE001 (an implementation may raise anything)
            return AdamWOutcome(tuple(steps), failure_of(error, phase, index, tuple(impl.files)))
        return AdamWOutcome(tuple(steps))

    # code

    def to_python(self, *, import_line: Optional[str] = None) -> str:
        """A runnable snippet doing what :meth:`run_on_implementation` does, printing what is compared."""
        lines = [
            "from micrograd.engine import Value",
            import_line or "from micrograd.nn import AdamW",
            "",
            f"params = [Value(x) for x in {list(self.params)!r}]",
            f"optimizer = AdamW(params, lr={self.lr!r}, betas={self.betas!r}, eps={self.eps!r}, "
            f"weight_decay={self.weight_decay!r})",
            "grads = [  # one row per step: every parameter's grad",
            *[f"    {list(row)!r}," for row in self.grads],
            "]",
            "for row in grads:",
            "    for p, g in zip(params, row):",
            "        p.grad = g",
            "    optimizer.step()",
            "    print('t', optimizer.t, 'data', [p.data for p in params])",
        ]
        return "\n".join(lines) + "\n"

    def __str__(self) -> str:
        return self.to_python()

    def _repr_pretty_(self, printer: Printer, cycle: bool) -> None:
        """Show as runnable code in Hypothesis's falsifying examples and in IPython."""
        printer.text(self.to_python())
