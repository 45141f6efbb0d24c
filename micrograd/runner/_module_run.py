"""Running a module program on an implementation's classes: build, set the parameters, run the actions."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, List, Optional, Sequence, Tuple, TypeVar

from micrograd.runner._module_outcome import ModuleOutcome, ModuleStep
from micrograd.runner._outcome import Failure
from micrograd.runner._read import ReadError, failure_of, read_number

if TYPE_CHECKING:
    from micrograd.runner._module import ModuleRequest

__all__ = ["ModuleRunner", "chunks", "fold"]

T = TypeVar("T")


def fold(add: Callable[[T, T], T], nodes: Sequence[T]) -> T:
    """nodes[0] + nodes[1] + ..., left to right, with ``add(a, b)``."""
    total = nodes[0]
    for node in nodes[1:]:
        total = add(total, node)
    return total


def chunks(values: Sequence[T], widths: Sequence[int]) -> List[Tuple[T, ...]]:
    """Split the canonical parameter list into neurons (w then b)."""
    out, start = [], 0
    for width in widths:
        out.append(tuple(values[start:start + width + 1]))
        start += width + 1
    return out


@dataclass
class ModuleRunner:
    """Runs one ModuleProgram on an implementation's classes, keeping what it has read so far."""

    program: ModuleRequest
    value_class: type
    module_class: type
    files: Tuple[Any, ...]
    steps: List[ModuleStep] = field(default_factory=list)
    widths: Tuple[int, ...] = ()
    initial: Tuple[float, ...] = ()

    def run(self) -> ModuleOutcome:
        phase, index = "build", None
        state = random.getstate()
        try:
            random.seed(self.program.seed)
            model = self._construct()
            neurons = self._neurons(model)
            self.widths = tuple(len(n.w) for n in neurons)
            canonical = [p for n in neurons for p in [*n.w, n.b]]
            if self.widths != self.program.widths:
                raise ReadError(
                    f"{self.program.describe()} built neurons with {list(self.widths)} weights each, "
                    f"expected {list(self.program.widths)}"
                )
            for p, value in zip(canonical, self.program.params):
                p.data = value
            phase = "read"
            self.initial = tuple(read_number(p.grad, "a parameter's grad before backward()") for p in canonical)
            for i, action in enumerate(self.program.actions):
                phase, index = action, i
                self.steps.append(getattr(self, "_" + action)(model, canonical))
        except (Exception, SystemExit) as error:  # noqa: BLE001 (an implementation may raise anything)
            return self._outcome(failure_of(error, phase, index, self.files))
        finally:
            random.setstate(state)
        return self._outcome(None)

    def _outcome(self, error: Optional[Failure]) -> ModuleOutcome:
        return ModuleOutcome(self.widths, self.initial, tuple(self.steps), error)

    def _construct(self) -> Any:
        p = self.program
        if p.module == "mlp":
            return self.module_class(p.nin, list(p.sizes))
        if p.module == "layer":
            return self.module_class(p.nin, p.sizes[0], nonlin=p.nonlin)
        return self.module_class(p.nin, nonlin=p.nonlin)

    def _neurons(self, model: Any) -> List[Any]:
        if self.program.module == "mlp":
            return [n for layer in model.layers for n in layer.neurons]
        if self.program.module == "layer":
            return list(model.neurons)
        return [model]

    def _read(self, canonical: Sequence[Any], what: str) -> Tuple[float, ...]:
        return tuple(read_number(getattr(p, what), f"a parameter's {what}") for p in canonical)

    def _forward(self, model: Any, canonical: Sequence[Any]) -> ModuleStep:
        outputs, single, rows = [], [], []
        for x in self.program.inputs:
            out = model(list(x))
            is_value = isinstance(out, self.value_class)
            values = [out] if is_value else out
            if not isinstance(values, (list, tuple)):
                raise ReadError(f"{self.program.describe()}(x) returned {type(out).__name__} {out!r:.60}, "
                                 "not a Value or a list of Values")
            for v in values:
                if not isinstance(v, self.value_class):
                    raise ReadError(f"{self.program.describe()}(x) returned a list holding "
                                     f"{type(v).__name__} {v!r:.60}, not a Value")
            outputs.append(list(values))
            single.append(is_value)
            rows.append(tuple(read_number(v.data, "an output's data") for v in values))
        if any(len(row) != self.program.sizes[-1] for row in rows):
            raise ReadError(f"{self.program.describe()}(x) returned {[len(r) for r in rows]} outputs per example, "
                             f"expected {self.program.sizes[-1]}")
        loss = self._loss(outputs, canonical)
        loss.backward()
        return ModuleStep(
            "forward",
            outputs=tuple(rows),
            single=tuple(single),
            loss=read_number(loss.data, "the loss's data"),
            grads=self._read(canonical, "grad"),
            params=self._read(canonical, "data"),
        )

    def _loss(self, outputs: Sequence[Sequence[Any]], canonical: Sequence[Any]) -> Any:
        p = self.program
        add = _value_add
        if p.loss == "svm":
            losses = [(out[0] * -t[0] + 1).relu() for out, t in zip(outputs, p.targets)]
            data = fold(add, losses) * (1.0 / len(losses))
            return data + fold(add, [q * q for q in canonical]) * p.l2
        errors = []
        for out, target in zip(outputs, p.targets):
            for o, t in zip(out, target):
                diff = o + -t
                errors.append(diff * diff)
        return fold(add, errors)

    def _zero_grad(self, model: Any, canonical: Sequence[Any]) -> ModuleStep:
        model.zero_grad()
        return ModuleStep("zero_grad", grads=self._read(canonical, "grad"), params=self._read(canonical, "data"))

    def _step(self, model: Any, canonical: Sequence[Any]) -> ModuleStep:
        for q in model.parameters():
            q.data -= self.program.lr * q.grad
        return ModuleStep("step", grads=self._read(canonical, "grad"), params=self._read(canonical, "data"))

    def _parameters(self, model: Any, canonical: Sequence[Any]) -> ModuleStep:
        position = {id(q): i for i, q in enumerate(canonical)}
        listed = model.parameters()
        order = tuple(position.get(id(q), -1) for q in listed)
        return ModuleStep(
            "parameters", grads=self._read(canonical, "grad"), params=self._read(canonical, "data"), order=order
        )


def _value_add(a: Any, b: Any) -> Any:
    return a + b
