"""Module programs: a serializable request that builds a Neuron, Layer or MLP and trains it.

A :class:`ModuleRequest` (``micrograd.program.ModuleProgram``, which can also unroll itself into a
Program) names a module (``Neuron(nin, nonlin)``, ``Layer(nin, nout,
nonlin=...)`` or ``MLP(nin, nouts)``), the values of its parameters in canonical order
(layer by layer, neuron by neuron, each neuron's ``w`` then its ``b``), a batch of inputs
with targets, a loss, and a list of actions:

- ``"forward"``: run the batch through the module, build the loss, call ``loss.backward()``;
- ``"zero_grad"``: call ``model.zero_grad()``;
- ``"step"``: an SGD step over ``model.parameters()``: ``p.data -= lr * p.grad``;
- ``"parameters"``: call ``model.parameters()`` and note which parameter each entry is.

Parameters are set and read through the structure every skeleton gives
(``mlp.layers[i].neurons[j].w[k]`` and ``.b``), not through ``parameters()``, so a
forward-pass check does not depend on the ``parameters`` exercise.
:meth:`ModuleRequest.run_on_implementation` returns a :class:`ModuleOutcome` of raw
numbers; it never raises for what the implementation does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Dict, Optional, Sequence, Tuple

from micrograd.runner._module_outcome import ACTIONS, KIND, ModuleOutcome
from micrograd.runner._module_run import ModuleRunner, chunks
from micrograd.runner._outcome import Failure
from micrograd.runner._read import Implementation
from micrograd.runner._untrusted import JsonForm, Printer, as_list, as_str

__all__ = ["ACTIONS", "KIND", "LOSSES", "MODULES", "ModuleRequest"]

#: the module classes a program can build
MODULES = ("neuron", "layer", "mlp")
#: the losses: sum of squared errors, and upstream micrograd's max-margin loss plus L2 regularization
LOSSES = ("sse", "svm")


# bounds on untrusted input (a sandbox evaluates whatever JSON it is sent)
_MAX_WIDTH = 64
_MAX_DEPTH = 8
_MAX_BATCH = 64
_MAX_ACTIONS = 64


@dataclass(frozen=True)
class ModuleRequest(JsonForm):
    """Build a module, set its parameters, then run ``actions`` on a batch of inputs.

    ``sizes`` are the output widths: ``(1,)`` for a Neuron, ``(nout,)`` for a Layer,
    ``nouts`` for an MLP. ``nonlin`` applies to a Neuron or a Layer; an MLP uses relu on
    every layer but the last. ``params`` is in canonical order. With ``loss="svm"`` the
    module has one output, targets are labels (+1 or -1) and the loss is
    ``mean(relu(1 - y * score)) + l2 * sum(p * p)``; with ``"sse"`` it is
    ``sum((out - target) ** 2)`` over the batch and the outputs.
    """

    module: str
    nin: int
    sizes: Tuple[int, ...]
    params: Tuple[float, ...]
    inputs: Tuple[Tuple[float, ...], ...]
    targets: Tuple[Tuple[float, ...], ...]
    nonlin: bool = True
    loss: str = "sse"
    actions: Tuple[str, ...] = ("forward",)
    lr: float = 0.05
    l2: float = 1e-4
    seed: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "sizes", tuple(self.sizes))
        object.__setattr__(self, "params", tuple(self.params))
        object.__setattr__(self, "inputs", tuple(tuple(x) for x in self.inputs))
        object.__setattr__(self, "targets", tuple(tuple(t) for t in self.targets))
        object.__setattr__(self, "actions", tuple(self.actions))
        if self.module not in MODULES:
            raise ValueError(f"module must be one of {', '.join(MODULES)}, got {self.module!r}")
        _check_int("nin", self.nin, 1, _MAX_WIDTH)
        if not self.sizes or len(self.sizes) > _MAX_DEPTH:
            raise ValueError(f"sizes must list 1 to {_MAX_DEPTH} layer widths, got {self.sizes!r}")
        for size in self.sizes:
            _check_int("each of sizes", size, 1, _MAX_WIDTH)
        if self.module == "neuron" and self.sizes != (1,):
            raise ValueError(f"a neuron has sizes (1,), got {self.sizes!r}")
        if self.module == "layer" and len(self.sizes) != 1:
            raise ValueError(f"a layer has one size (its nout), got {self.sizes!r}")
        if type(self.nonlin) is not bool:
            raise ValueError(f"nonlin must be True or False, got {self.nonlin!r}")
        if self.module == "mlp" and not self.nonlin:
            raise ValueError("nonlin=False is for a Neuron or a Layer; an MLP's last layer is always linear")
        if len(self.params) != self.n_params:
            raise ValueError(f"this {self.module} has {self.n_params} parameters, but params has {len(self.params)}")
        _check_floats("params", self.params)
        if not 1 <= len(self.inputs) <= _MAX_BATCH:
            raise ValueError(f"inputs must hold 1 to {_MAX_BATCH} examples, got {len(self.inputs)}")
        if len(self.targets) != len(self.inputs):
            raise ValueError(f"targets has {len(self.targets)} rows but inputs has {len(self.inputs)}")
        for i, x in enumerate(self.inputs):
            if len(x) != self.nin:
                raise ValueError(f"input {i} has {len(x)} numbers, but nin is {self.nin}")
            _check_floats(f"input {i}", x)
        for i, t in enumerate(self.targets):
            if len(t) != self.sizes[-1]:
                raise ValueError(f"target {i} has {len(t)} numbers, but the module has {self.sizes[-1]} outputs")
            _check_floats(f"target {i}", t)
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {', '.join(LOSSES)}, got {self.loss!r}")
        if self.loss == "svm" and self.sizes[-1] != 1:
            raise ValueError("the svm loss needs a module with a single output")
        if len(self.actions) > _MAX_ACTIONS:
            raise ValueError(f"at most {_MAX_ACTIONS} actions, got {len(self.actions)}")
        for action in self.actions:
            if action not in ACTIONS:
                raise ValueError(f"unknown action {action!r}; expected one of {', '.join(ACTIONS)}")
        _check_floats("lr and l2", (self.lr, self.l2))
        _check_int("seed", self.seed, 0, 2**63)

    # shape facts of a correct module

    @property
    def layer_inputs(self) -> Tuple[int, ...]:
        """The number of inputs of each layer."""
        return (self.nin, *self.sizes[:-1])

    @property
    def n_params(self) -> int:
        """How many parameters the module has: every neuron's weights and its bias."""
        return sum(nout * (nin + 1) for nin, nout in zip(self.layer_inputs, self.sizes))

    @property
    def widths(self) -> Tuple[int, ...]:
        """``len(n.w)`` of every neuron, layer by layer."""
        return tuple(nin for nin, nout in zip(self.layer_inputs, self.sizes) for _ in range(nout))

    @property
    def nonlins(self) -> Tuple[bool, ...]:
        """Whether each layer applies relu."""
        if self.module == "mlp":
            return tuple(i != len(self.sizes) - 1 for i in range(len(self.sizes)))
        return (self.nonlin,)

    def describe(self) -> str:
        """``MLP(3, [4, 1])``, as the constructor call."""
        if self.module == "mlp":
            return f"MLP({self.nin}, {list(self.sizes)})"
        if self.module == "layer":
            return f"Layer({self.nin}, {self.sizes[0]}, nonlin={self.nonlin})"
        return f"Neuron({self.nin}, nonlin={self.nonlin})"

    # serialization

    def to_dict(self) -> Dict[str, Any]:
        return {
            "kind": KIND,
            "module": self.module,
            "nin": self.nin,
            "sizes": list(self.sizes),
            "nonlin": self.nonlin,
            "params": list(self.params),
            "inputs": [list(x) for x in self.inputs],
            "targets": [list(t) for t in self.targets],
            "loss": self.loss,
            "actions": list(self.actions),
            "lr": self.lr,
            "l2": self.l2,
            "seed": self.seed,
        }

    @classmethod
    def from_dict(cls, data: Any) -> ModuleRequest:
        """Rebuild from plain data, checking every field (the data may be untrusted); ValueError if bad."""
        if not isinstance(data, dict):
            raise ValueError(f"a module program is a JSON object, got {type(data).__name__}")
        if data.get("kind") != KIND:
            raise ValueError(f"not a module program: kind is {data.get('kind')!r}, expected {KIND!r}")
        try:
            return cls(
                module=as_str(data["module"]),
                nin=data["nin"],
                sizes=tuple(as_list(data["sizes"])),
                nonlin=data.get("nonlin", True),
                params=tuple(as_list(data["params"])),
                inputs=tuple(tuple(as_list(x)) for x in as_list(data["inputs"])),
                targets=tuple(tuple(as_list(t)) for t in as_list(data["targets"])),
                loss=as_str(data.get("loss", "sse")),
                actions=tuple(as_str(a) for a in as_list(data.get("actions", ["forward"]))),
                lr=data.get("lr", 0.05),
                l2=data.get("l2", 1e-4),
                seed=data.get("seed", 0),
            )
        except KeyError as error:
            raise ValueError(f"not a module program: missing {error}") from None
        except TypeError as error:
            raise ValueError(f"not a module program: {error}") from None

    # evaluation

    def run_on_implementation(self, impl: Implementation) -> ModuleOutcome:
        """Run this program with an implementation's classes (``impl.Neuron`` ...).

        Never raises for what the implementation does: an exception, or a result that
        is not a Value or a number, ends the run and becomes the outcome's ``error``
        (the steps done so far are kept).
        """
        try:
            value_class = impl.Value
            module_class = {"neuron": impl.Neuron, "layer": impl.Layer, "mlp": impl.MLP}[self.module]
        except Exception as error:  # noqa: BLE001 (micrograd.impl's ImplementationError: the files do not load)
            return ModuleOutcome(error=Failure(type(error).__name__, str(error), "load"))
        return ModuleRunner(self, value_class, module_class, tuple(impl.files)).run()

    # code

    def to_python(self, *, import_line: Optional[str] = None) -> str:
        """A runnable snippet that builds the module with the implementation's classes, sets its
        parameters, runs the actions, and prints what the checks compare."""
        cls = {"neuron": "Neuron", "layer": "Layer", "mlp": "MLP"}[self.module]
        if import_line is None:
            import_line = f"from micrograd.nn import {cls}"
        lines = ["import random", "", import_line, "", f"random.seed({self.seed})"]
        if self.module == "mlp":
            lines.append(f"model = MLP({self.nin}, {list(self.sizes)})")
            lines.append("neurons = [n for layer in model.layers for n in layer.neurons]")
        elif self.module == "layer":
            lines.append(f"model = Layer({self.nin}, {self.sizes[0]}, nonlin={self.nonlin})")
            lines.append("neurons = model.neurons")
        else:
            lines.append(f"model = Neuron({self.nin}, nonlin={self.nonlin})")
            lines.append("neurons = [model]")
        lines.append("# set the parameters: each neuron's w, then its b")
        rows = chunks(self.params, self.widths)
        lines.append("params = [")
        lines += [f"    {list(row)!r}," for row in rows]
        lines.append("]")
        lines += [
            "for n, p in zip(neurons, params):",
            "    for wi, value in zip(n.w, p):",
            "        wi.data = value",
            "    n.b.data = p[-1]",
        ]
        if "forward" in self.actions:
            lines.append(f"xs = {[list(x) for x in self.inputs]!r}")
            if self.loss == "svm":
                lines.append(f"ys = {[t[0] for t in self.targets]!r}")
            else:
                lines.append(f"targets = {[list(t) for t in self.targets]!r}")
        lines.append("")
        for i, action in enumerate(self.actions):
            lines.append(f"# action {i}: {action}")
            if action == "forward":
                lines.append("outs = [model(x) for x in xs]")
                lines.append("print('outputs', outs)")
                lines.append("outs = [o if isinstance(o, list) else [o] for o in outs]")
                if self.loss == "svm":
                    lines.append("losses = [(out[0] * -y + 1).relu() for out, y in zip(outs, ys)]")
                    lines.append("loss = sum(losses[1:], losses[0]) * (1.0 / len(losses))")
                    lines.append("squares = [p * p for n in neurons for p in n.w + [n.b]]")
                    lines.append(f"loss = loss + sum(squares[1:], squares[0]) * {self.l2!r}")
                else:
                    lines.append("errors = [(o + -t) * (o + -t) for out, target in zip(outs, targets)"
                                 " for o, t in zip(out, target)]")
                    lines.append("loss = sum(errors[1:], errors[0])")
                lines.append("loss.backward()")
                lines.append("print('loss', loss.data)")
                lines.append("print('grads', [[p.grad for p in n.w + [n.b]] for n in neurons])")
            elif action == "zero_grad":
                lines.append("model.zero_grad()")
                lines.append("print('grads', [[p.grad for p in n.w + [n.b]] for n in neurons])")
            elif action == "step":
                lines.append("for p in model.parameters():")
                lines.append(f"    p.data -= {self.lr!r} * p.grad")
                lines.append("print('params', [[p.data for p in n.w + [n.b]] for n in neurons])")
            else:
                lines.append("canonical = [p for n in neurons for p in n.w + [n.b]]")
                lines.append("print('parameters()', [next((i for i, q in enumerate(canonical) if q is p), None)"
                             " for p in model.parameters()])")
                lines.append(f"print('expected    ', list(range({self.n_params})))")
        return "\n".join(lines) + "\n"

    def __str__(self) -> str:
        return self.to_python()

    def _repr_pretty_(self, printer: Printer, cycle: bool) -> None:
        """Show as runnable code in Hypothesis's falsifying examples and in IPython."""
        printer.text(self.to_python())


def _check_int(what: str, x: Any, low: int, high: int) -> None:
    if type(x) is not int or not low <= x <= high:
        raise ValueError(f"{what} must be an int from {low} to {high}, got {x!r}")


def _check_floats(what: str, xs: Sequence[Any]) -> None:
    for x in xs:
        if type(x) not in (int, float) or not math.isfinite(x):
            raise ValueError(f"{what} must hold finite numbers, got {x!r}")
