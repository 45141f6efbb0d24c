"""Module programs: a serializable request that builds a Neuron, Layer or MLP and trains it.

A :class:`ModuleProgram` names a module (``Neuron(nin, nonlin)``, ``Layer(nin, nout,
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
:meth:`ModuleProgram.run_on_implementation` returns a :class:`ModuleOutcome` of raw
numbers; it never raises for what the implementation does.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

from micrograd.program._evaluate import _failure, _number, _ReadError
from micrograd.program._outcome import Failure
from micrograd.program._program import Const, Op, Program
from micrograd.program._untrusted import JsonForm, as_bool, as_float, as_floats, as_int, as_list, as_str

__all__ = ["ACTIONS", "LOSSES", "MODULES", "ModuleOutcome", "ModuleProgram", "ModuleStep"]

#: the module classes a program can build
MODULES = ("neuron", "layer", "mlp")
#: the losses: sum of squared errors, and upstream micrograd's max-margin loss plus L2 regularization
LOSSES = ("sse", "svm")
#: what a program can do after building its module
ACTIONS = ("forward", "zero_grad", "step", "parameters")

#: the value of ``"kind"`` in the JSON form, so a sandbox can tell requests apart
KIND = "module"

# bounds on untrusted input (a sandbox evaluates whatever JSON it is sent)
_MAX_WIDTH = 64
_MAX_DEPTH = 8
_MAX_BATCH = 64
_MAX_ACTIONS = 64


@dataclass(frozen=True)
class ModuleProgram(JsonForm):
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
    def from_dict(cls, data: Any) -> ModuleProgram:
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

    def run_on_implementation(self, impl: Any) -> ModuleOutcome:
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
        return _Runner(self, value_class, module_class, tuple(impl.files)).run()

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
        chunks = _chunks(self.params, self.widths)
        lines.append("params = [")
        lines += [f"    {list(chunk)!r}," for chunk in chunks]
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

    def to_program(self) -> Program:
        """The first forward pass and its loss, unrolled into a Program.

        Leaves are the parameters (canonical order) then the inputs, example by example;
        the one root is the loss. Only the computation up to the first ``"forward"``
        action is unrolled (a step depends on gradients, which a Program does not model).
        Use :meth:`output_nodes` and :meth:`loss_node` to read the result.
        """
        return self._unroll()[0]

    def output_nodes(self) -> Tuple[Tuple[int, ...], ...]:
        """The node of every output of :meth:`to_program`, example by example."""
        return self._unroll()[1]

    def loss_node(self) -> int:
        """The node of the loss in :meth:`to_program`."""
        return self._unroll()[0].roots[0]

    def _unroll(self) -> Tuple[Program, Tuple[Tuple[int, ...], ...]]:
        leaves: List[float] = list(self.params) + [v for x in self.inputs for v in x]
        ops: List[Op] = []

        def emit(kind: str, *args: Any) -> int:
            ops.append(Op(kind, tuple(args)))
            return len(leaves) + len(ops) - 1

        def add(a: int, b: int) -> int:
            return emit("add", a, b)

        param_nodes = _chunks(tuple(range(self.n_params)), self.widths)
        outputs: List[Tuple[int, ...]] = []
        for e in range(len(self.inputs)):
            xs: Sequence[int] = range(self.n_params + e * self.nin, self.n_params + (e + 1) * self.nin)
            start = 0
            for nout, nonlin in zip(self.sizes, self.nonlins):
                layer_out = []
                for node_params in param_nodes[start:start + nout]:
                    act = node_params[-1]
                    for w, x in zip(node_params[:-1], xs):
                        act = emit("add", act, emit("mul", w, x))
                    layer_out.append(emit("relu", act) if nonlin else act)
                start += nout
                xs = layer_out
            outputs.append(tuple(xs))
        if self.loss == "svm":
            losses = [emit("relu", emit("add", emit("mul", out[0], Const(-t[0])), Const(1)))
                      for out, t in zip(outputs, self.targets)]
            data = emit("mul", _fold(add, losses), Const(1.0 / len(losses)))
            reg = emit("mul", _fold(add, [emit("mul", p, p) for p in range(self.n_params)]), Const(self.l2))
            loss = emit("add", data, reg)
        else:
            errors = []
            for out, target in zip(outputs, self.targets):
                for o, t in zip(out, target):
                    diff = emit("add", o, Const(-t))
                    errors.append(emit("mul", diff, diff))
            loss = _fold(add, errors)
        return Program(tuple(leaves), tuple(ops), (loss,)), tuple(outputs)

    def __str__(self) -> str:
        return self.to_python()

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """Show as runnable code in Hypothesis's falsifying examples and in IPython."""
        printer.text(self.to_python())


def _fold(add: Any, nodes: Sequence[Any]) -> Any:
    """nodes[0] + nodes[1] + ..., left to right, with ``add(a, b)``."""
    total = nodes[0]
    for node in nodes[1:]:
        total = add(total, node)
    return total


def _chunks(values: Sequence[Any], widths: Sequence[int]) -> List[Tuple[Any, ...]]:
    """Split the canonical parameter list into neurons (w then b)."""
    out, start = [], 0
    for width in widths:
        out.append(tuple(values[start:start + width + 1]))
        start += width + 1
    return out


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
    right after construction (0 in a correct module); ``steps`` one entry per action run.
    """

    widths: Tuple[int, ...] = ()
    initial_grads: Tuple[float, ...] = ()
    steps: Tuple[ModuleStep, ...] = ()
    error: Optional[Failure] = None

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
        from micrograd.program._outcome import Outcome

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


@dataclass
class _Runner:
    """Runs one ModuleProgram on an implementation's classes, keeping what it has read so far."""

    program: ModuleProgram
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
                raise _ReadError(
                    f"{self.program.describe()} built neurons with {list(self.widths)} weights each, "
                    f"expected {list(self.program.widths)}"
                )
            for p, value in zip(canonical, self.program.params):
                p.data = value
            phase = "read"
            self.initial = tuple(_number(p.grad, "a parameter's grad before backward()") for p in canonical)
            for i, action in enumerate(self.program.actions):
                phase, index = action, i
                self.steps.append(getattr(self, "_" + action)(model, canonical))
        except (Exception, SystemExit) as error:  # noqa: BLE001 (an implementation may raise anything)
            return self._outcome(_failure(error, phase, index, self.files))
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
        return tuple(_number(getattr(p, what), f"a parameter's {what}") for p in canonical)

    def _forward(self, model: Any, canonical: Sequence[Any]) -> ModuleStep:
        outputs, single, rows = [], [], []
        for x in self.program.inputs:
            out = model(list(x))
            is_value = isinstance(out, self.value_class)
            values = [out] if is_value else out
            if not isinstance(values, (list, tuple)):
                raise _ReadError(f"{self.program.describe()}(x) returned {type(out).__name__} {out!r:.60}, "
                                 "not a Value or a list of Values")
            for v in values:
                if not isinstance(v, self.value_class):
                    raise _ReadError(f"{self.program.describe()}(x) returned a list holding "
                                     f"{type(v).__name__} {v!r:.60}, not a Value")
            outputs.append(list(values))
            single.append(is_value)
            rows.append(tuple(_number(v.data, "an output's data") for v in values))
        if any(len(row) != self.program.sizes[-1] for row in rows):
            raise _ReadError(f"{self.program.describe()}(x) returned {[len(r) for r in rows]} outputs per example, "
                             f"expected {self.program.sizes[-1]}")
        loss = self._loss(outputs, canonical)
        loss.backward()
        return ModuleStep(
            "forward",
            outputs=tuple(rows),
            single=tuple(single),
            loss=_number(loss.data, "the loss's data"),
            grads=self._read(canonical, "grad"),
            params=self._read(canonical, "data"),
        )

    def _loss(self, outputs: Sequence[Sequence[Any]], canonical: Sequence[Any]) -> Any:
        p = self.program
        add = _value_add
        if p.loss == "svm":
            losses = [(out[0] * -t[0] + 1).relu() for out, t in zip(outputs, p.targets)]
            data = _fold(add, losses) * (1.0 / len(losses))
            return data + _fold(add, [q * q for q in canonical]) * p.l2
        errors = []
        for out, target in zip(outputs, p.targets):
            for o, t in zip(out, target):
                diff = o + -t
                errors.append(diff * diff)
        return _fold(add, errors)

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


def _check_int(what: str, x: Any, low: int, high: int) -> None:
    if type(x) is not int or not low <= x <= high:
        raise ValueError(f"{what} must be an int from {low} to {high}, got {x!r}")


def _check_floats(what: str, xs: Sequence[Any]) -> None:
    for x in xs:
        if type(x) not in (int, float) or not math.isfinite(x):
            raise ValueError(f"{what} must hold finite numbers, got {x!r}")
