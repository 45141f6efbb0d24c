"""What a module program left behind: the numbers of every action, or the Failure that stopped it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple

from micrograd.runner._outcome import Failure, Outcome
from micrograd.runner._untrusted import as_bool, as_float, as_floats, as_int, as_list, as_str

__all__ = ["ACTIONS", "KIND", "ModuleOutcome", "ModuleStep"]

#: the value of ``"kind"`` in the JSON form, so a sandbox can tell requests apart
KIND = "module"
#: what a program can do after building its module
ACTIONS = ("forward", "zero_grad", "step", "parameters")


@dataclass(frozen=True)
class ModuleStep:
    """What one action left behind.

    ``outputs`` (one row per example), ``single`` (per example: the module returned one
    Value rather than a list) and ``loss`` are set by ``"forward"``; ``grads`` and
    ``params`` (canonical order) after every action; ``order`` by ``"parameters"``: for
    each entry of ``model.parameters()``, the canonical index of that parameter (-1 if it
    is not one of the module's parameters).
    """

    action: str
    outputs: Tuple[Tuple[float, ...], ...] = ()
    single: Tuple[bool, ...] = ()
    loss: Optional[float] = None
    grads: Tuple[float, ...] = ()
    params: Tuple[float, ...] = ()
    order: Tuple[int, ...] = ()


@dataclass(frozen=True)
class ModuleOutcome:
    """The numbers a module program produced, or the Failure that stopped it.

    ``widths`` is ``len(n.w)`` of every neuron; ``initial_grads`` the parameters' grads
    right after construction (0 in a correct module); ``steps`` one entry per action run; ``output`` what the
    module printed (as :class:`~micrograd.runner.Outcome`'s).
    """

    widths: Tuple[int, ...] = ()
    initial_grads: Tuple[float, ...] = ()
    steps: Tuple[ModuleStep, ...] = ()
    error: Optional[Failure] = None
    output: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> Dict[str, Any]:
        return {
            "kind": KIND,
            "widths": list(self.widths),
            "initial_grads": list(self.initial_grads),
            "steps": [
                {
                    "action": s.action,
                    "outputs": [list(o) for o in s.outputs],
                    "single": list(s.single),
                    "loss": s.loss,
                    "grads": list(s.grads),
                    "params": list(s.params),
                    "order": list(s.order),
                }
                for s in self.steps
            ],
            "error": None if self.error is None else self.error.__dict__.copy(),
        }

    @classmethod
    def from_dict(cls, data: Any) -> ModuleOutcome:
        """Rebuild from plain data, checking every field's type (the data may come from an untrusted process)."""
        if not isinstance(data, dict):
            raise ValueError(f"a module outcome is a JSON object, got {type(data).__name__}")
        if not isinstance(data.get("error"), (dict, type(None))):
            raise ValueError(f"error is a JSON object or null, got {type(data.get('error')).__name__}")
        error = Outcome.from_dict({"error": data.get("error")}).error
        steps = []
        for s in as_list(data.get("steps", ())):
            if not isinstance(s, dict):
                raise ValueError(f"a step is a JSON object, got {type(s).__name__}")
            action = as_str(s.get("action"))
            if action not in ACTIONS:
                raise ValueError(f"unknown action {action!r}")
            loss = s.get("loss")
            steps.append(
                ModuleStep(
                    action=action,
                    outputs=tuple(as_floats(o) for o in as_list(s.get("outputs", ()))),
                    single=tuple(as_bool(b) for b in as_list(s.get("single", ()))),
                    loss=None if loss is None else as_float(loss),
                    grads=as_floats(s.get("grads", ())),
                    params=as_floats(s.get("params", ())),
                    order=tuple(as_int(i) for i in as_list(s.get("order", ()))),
                )
            )
        return cls(
            widths=tuple(as_int(w) for w in as_list(data.get("widths", ()))),
            initial_grads=as_floats(data.get("initial_grads", ())),
            steps=tuple(steps),
            error=error,
        )
