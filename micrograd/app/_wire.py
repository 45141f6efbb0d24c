"""The app's request to an implementation, and how the implementation's process answers it.

A :class:`StepRequest` asks an implementation for one training step of its own model:
build ``MLP(2, sizes)`` (relu hidden layers, or tanh ones as in the LLM101n module) with
given parameters; if ``grads`` are given, put them on the parameters, run the
implementation's own ``AdamW.step()`` from the given state (``adamw``) and its own
``zero_grad()``; then, at the parameters it has now, the mean ``cross_entropy`` over the
training and validation points, ``backward()`` of the training loss, and the graph of one
example. Everything is computed with the implementation's own classes and functions; this
module only calls them in the module's order and reads the numbers. The trusted app checks
them against the reference, draws and judges.

Imports: the standard library, ``micrograd.runner``'s plain-data readers and
:mod:`micrograd.app._outcome`: the child carries these, and no loss, optimizer or traversal of the kit's.
"""

from __future__ import annotations

import gc
import random
import threading
from dataclasses import dataclass, fields
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, cast

from micrograd.app._outcome import (
    KIND,
    MAX_GRAPH,
    AdamWState,
    GraphNode,
    ReadError,
    StepOutcome,
    check_int,
    check_numbers,
    failure_of,
    pair,
    read_float,
)
from micrograd.runner._untrusted import as_bool, as_float, as_floats, as_int, as_list, as_str

__all__ = ["ACTIVATIONS", "KIND", "StepRequest", "n_params", "run_step"]

#: the hidden layers' activation: relu (``micrograd.nn.MLP``) or tanh (the LLM101n module's)
ACTIVATIONS = ("relu", "tanh")
Rows = Tuple[Tuple[float, ...], ...]
_MAX_WIDTH = 64
_MAX_LAYERS = 6
_MAX_POINTS = 2000


def n_params(sizes: Sequence[int], nin: int = 2) -> int:
    """How many parameters ``MLP(nin, sizes)`` has: each neuron's weights and its bias."""
    widths = (nin, *sizes[:-1])
    return sum(nout * (width + 1) for width, nout in zip(widths, sizes))


@dataclass(frozen=True)
class StepRequest:
    """One step of ``MLP(2, sizes)`` (see the module's docstring). Parameters, gradients and
    moments are in canonical order: layer by layer, neuron by neuron, each neuron's ``w`` then
    its ``b``. Points are ``(x0, x1)`` with class indices (``sizes[-1]`` classes); ``example``
    is ``(x0, x1, label)``. ``probe`` asks whether the implementation's AdamW can step at all."""

    sizes: Tuple[int, ...]
    params: Tuple[float, ...]
    points: Tuple[Tuple[float, float], ...]
    labels: Tuple[int, ...]
    activation: str = "relu"
    val_points: Tuple[Tuple[float, float], ...] = ()
    val_labels: Tuple[int, ...] = ()
    grads: Optional[Tuple[float, ...]] = None
    adamw: Optional[AdamWState] = None
    example: Optional[Tuple[float, float, int]] = None
    graph_limit: int = 5000
    probe: bool = False

    def __post_init__(self) -> None:
        for name in ("sizes", "params", "labels", "val_labels"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        for name in ("points", "val_points"):
            object.__setattr__(self, name, tuple(tuple(p) for p in getattr(self, name)))
        if self.grads is not None:
            object.__setattr__(self, "grads", tuple(self.grads))
        if self.example is not None:
            object.__setattr__(self, "example", tuple(self.example))
        if not 1 <= len(self.sizes) <= _MAX_LAYERS:
            raise ValueError(f"sizes must list 1 to {_MAX_LAYERS} layer widths, got {self.sizes!r}")
        for size in self.sizes:
            check_int("each layer width", size, 1, _MAX_WIDTH)
        if self.sizes[-1] < 2:
            raise ValueError(f"the last layer gives one logit per class and needs at least 2, got {self.sizes[-1]}")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {self.activation!r}")
        count = n_params(self.sizes)
        for name in ("params", "grads"):
            values = getattr(self, name)
            if values is not None and len(values) != count:
                raise ValueError(f"MLP(2, {list(self.sizes)}) has {count} parameters, but {name} has {len(values)}")
            check_numbers(name, values or ())
        if self.adamw is not None:
            if self.grads is None:
                raise ValueError("an AdamW step needs the gradients it steps with (grads)")
            if len(self.adamw.m) != count or len(self.adamw.v) != count or self.adamw.t < 0:
                raise ValueError(f"AdamW's state needs t >= 0 and {count} values of m and of v")
        if not 1 <= len(self.points) + len(self.val_points) <= _MAX_POINTS or not self.points:
            raise ValueError(f"points must hold 1 to {_MAX_POINTS} points (with the validation points)")
        for points, labels in ((self.points, self.labels), (self.val_points, self.val_labels)):
            if len(labels) != len(points):
                raise ValueError(f"{len(labels)} labels for {len(points)} points")
            for point in points:
                if len(point) != 2:
                    raise ValueError(f"each point has 2 coordinates, got {point!r:.60}")
                check_numbers("each point", point, finite=True)
            for label in labels:
                check_int("each label", label, 0, self.sizes[-1] - 1)
        if self.example is not None:
            if len(self.example) != 3:
                raise ValueError(f"example is (x0, x1, label), got {self.example!r:.60}")
            check_numbers("the example's coordinates", self.example[:2], finite=True)
            check_int("the example's label", self.example[2], 0, self.sizes[-1] - 1)
        check_int("graph_limit", self.graph_limit, 1, MAX_GRAPH)

    def to_dict(self) -> Dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}  # tuples travel as JSON lists
        data["adamw"] = None if self.adamw is None else self.adamw.to_dict()
        return {"kind": KIND, **data}

    @classmethod
    def from_dict(cls, data: Any) -> StepRequest:
        """Rebuild from plain data, checking every field; ValueError if anything is wrong."""
        if not isinstance(data, dict):
            raise ValueError(f"a step request is a JSON object, got {type(data).__name__}")
        if data.get("kind") != KIND:
            raise ValueError(f"not a step request: kind is {data.get('kind')!r}, expected {KIND!r}")
        try:
            example = data.get("example")
            if example is not None:
                example = as_list(example)
                if len(example) != 3:
                    raise ValueError("example is [x0, x1, label]")
                example = (as_float(example[0]), as_float(example[1]), as_int(example[2]))
            grads, adamw = data.get("grads"), data.get("adamw")
            return cls(
                sizes=tuple(as_int(s) for s in as_list(data["sizes"])),
                params=as_floats(data["params"]),
                points=tuple(pair(as_floats(p)) for p in as_list(data["points"])),
                labels=tuple(as_int(v) for v in as_list(data["labels"])),
                activation=as_str(data.get("activation", "relu")),
                val_points=tuple(pair(as_floats(p)) for p in as_list(data.get("val_points", ()))),
                val_labels=tuple(as_int(v) for v in as_list(data.get("val_labels", ()))),
                grads=None if grads is None else as_floats(grads),
                adamw=None if adamw is None else AdamWState.from_dict(adamw),
                example=example,
                graph_limit=as_int(data.get("graph_limit", 5000)),
                probe=as_bool(data.get("probe", False)),
            )
        except KeyError as error:
            raise ValueError(f"not a step request: missing {error}") from None

    def run_on_implementation(self, impl: Any) -> StepOutcome:
        """Run with the implementation's own classes, loss and optimizer (in its sandboxed child)."""
        return run_step(self, impl)


# running a request: in the implementation's process, with its classes


def run_step(request: StepRequest, impl: Any, loss: Optional[Callable[[Any, int], Any]] = None) -> StepOutcome:
    """Answer ``request`` with ``impl``'s Value, Layer, MLP and AdamW, and ``loss`` (default: ``impl``'s
    ``nn.cross_entropy``); never raises for what the implementation does.

    The cyclic garbage collector is paused meanwhile: every node's ``_backward`` refers back to its
    node, so a step's graph is one big cycle that full collections would rescan as it grows (4 to 5
    times the step's own work). It is reclaimed by one collection a moment later, in a thread, once
    the answer is on its way (at once where no thread can be started).
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        return _Step(request, impl, loss).run()
    finally:
        if paused:
            _collect_soon()


def _collect_soon(delay: float = 0.01) -> None:
    def collect() -> None:
        gc.collect(0)
        gc.enable()
    try:
        timer = threading.Timer(delay, collect)
        timer.daemon = True
        timer.start()
    except RuntimeError:  # no thread to be had
        gc.enable()


class _Step:
    """One StepRequest on one implementation."""

    def __init__(self, request: StepRequest, impl: Any, loss: Optional[Callable[[Any, int], Any]]) -> None:
        self.request = request
        self.impl = impl
        self.loss = loss
        self.phase = "load"
        self.model: Any = None
        self.layers: List[Any] = []

    def run(self) -> StepOutcome:
        try:
            files = tuple(self.impl.files)
        except Exception:  # noqa: BLE001 (an implementation object without files: no locations)
            files = ()
        request = self.request
        optimizer_error = None
        try:
            if request.probe:
                optimizer_error = self._probe(files)
            self.phase = "build"
            value_class = self.impl.Value
            canonical = self._build()
            params, adamw = request.params, None
            zeroed: Tuple[float, ...] = ()
            for p, x in zip(canonical, params):
                p.data = x
            if request.grads is not None:
                for p, g in zip(canonical, request.grads):
                    p.grad = g
                if request.adamw is not None:
                    self.phase = "update"
                    adamw = self._adamw_step(canonical, request.adamw)
                    params = tuple(read_float(p.data, "a parameter's data after AdamW.step()") for p in canonical)
                self.phase = "zero_grad"
                for module in [self.model] if self.model is not None else self.layers:
                    module.zero_grad()
                zeroed = tuple(read_float(p.grad, "a parameter's grad after zero_grad()") for p in canonical)
            loss_fn = self._loss_function()
            self.phase = "forward"
            val_loss, val_logits = None, cast(Rows, ())
            if request.val_points:
                total, val_logits = self._mean_loss(value_class, request.val_points, request.val_labels, loss_fn)
                val_loss = read_float(total.data, "the validation loss's data")
            total, logits = self._mean_loss(value_class, request.points, request.labels, loss_fn)
            self.phase = "backward"
            total.backward()
            self.phase = "read"
            loss_value = read_float(total.data, "the loss's data")
            grads = tuple(read_float(p.grad, "a parameter's grad") for p in canonical)
            graph: Tuple[GraphNode, ...] = ()
            graph_size, graph_error = 0, ""
            if request.example is not None:
                graph, graph_size, graph_error = self._graph(value_class, canonical, loss_fn)
        except (Exception, SystemExit) as error:  # noqa: BLE001 (an implementation may raise anything)
            return StepOutcome(optimizer_error=optimizer_error, error=failure_of(error, self.phase, files))
        return StepOutcome(loss_value, val_loss, logits, val_logits, grads, params, adamw, zeroed, graph, graph_size,
                           graph_error, optimizer_error)

    def _build(self) -> List[Any]:
        """Build the model: the implementation's own ``MLP`` (relu), or its ``Layer``s of linear neurons
        (tanh), without touching ``random``'s state; its parameters in canonical order."""
        sizes = list(self.request.sizes)
        state = random.getstate()
        try:
            random.seed(0)
            if self.request.activation == "relu":
                self.model = self.impl.MLP(2, sizes)
                self.layers = list(self.model.layers)
            else:
                widths = [2, *sizes]
                self.layers = [self.impl.Layer(widths[i], widths[i + 1], nonlin=False) for i in range(len(sizes))]
        finally:
            random.setstate(state)
        neurons = [n for layer in self.layers for n in layer.neurons]
        widths = [len(n.w) for n in neurons]
        expected = [width for width, nout in zip((2, *sizes[:-1]), sizes) for _ in range(nout)]
        if widths != expected:
            raise ReadError(f"MLP(2, {sizes}) built neurons with {widths} weights each, expected {expected}")
        return [p for n in neurons for p in [*n.w, n.b]]

    def _loss_function(self) -> Callable[[Any, int], Any]:
        if self.loss is not None:
            return self.loss
        self.phase = "load"
        own = getattr(self.impl.nn, "cross_entropy", None)
        if not callable(own):
            raise ReadError("nn.py has no function cross_entropy(logits, target): the app trains with yours")
        return own

    def _forward(self, value_class: Any, x: Sequence[Any]) -> List[Any]:
        """The logits for ``x``: the MLP's call, or the layers in turn with tanh after each hidden one."""
        if self.model is not None:
            out: Any = self.model(list(x))
            out = list(out) if isinstance(out, (list, tuple)) else [out]
        else:
            out = list(x)
            for i, layer in enumerate(self.layers):
                out = layer(out)
                out = list(out) if isinstance(out, (list, tuple)) else [out]
                if i != len(self.layers) - 1:
                    out = [v.tanh() for v in out]
        if len(out) != self.request.sizes[-1] or not all(isinstance(v, value_class) for v in out):
            raise ReadError(f"MLP(2, {list(self.request.sizes)})(x) gave {out!r:.80}, "
                             f"not a list of {self.request.sizes[-1]} Values")
        return out

    def _loss(self, loss_fn: Callable[[Any, int], Any], outputs: List[Any], label: int) -> Any:
        loss = loss_fn(outputs, label)
        if not hasattr(loss, "backward") or not hasattr(loss, "data"):
            raise ReadError(f"cross_entropy gave {type(loss).__name__} {loss!r:.60}, not a Value")
        return loss

    def _mean_loss(self, value_class: Any, points: Sequence[Tuple[float, float]], labels: Sequence[int],
                   loss_fn: Callable[[Any, int], Any]) -> Tuple[Any, Rows]:
        """``(Value(0.0) + loss_1 + ... + loss_n) * (1.0 / n)``, the module's sum, and every point's logits."""
        total = value_class(0.0)
        rows = []
        for point, label in zip(points, labels):
            outputs = self._forward(value_class, point)
            rows.append(tuple(read_float(v.data, "a logit's data") for v in outputs))
            total = total + self._loss(loss_fn, outputs, label)
        return total * (1.0 / len(points)), tuple(rows)

    def _adamw_step(self, canonical: List[Any], state: AdamWState) -> AdamWState:
        """The implementation's ``AdamW.step()`` from ``state``; its state afterwards."""
        optimizer = self.impl.nn.AdamW(canonical, lr=state.lr, betas=(state.beta1, state.beta2), eps=state.eps,
                                       weight_decay=state.weight_decay)
        optimizer.t, optimizer.m, optimizer.v = state.t, list(state.m), list(state.v)
        optimizer.step()
        t = optimizer.t
        if type(t) is not int:
            raise ReadError(f"AdamW.t is {type(t).__name__} {t!r:.40} after step(), not a whole number")
        m = [read_float(x, f"AdamW.m[{i}]") for i, x in enumerate(optimizer.m)]
        v = [read_float(x, f"AdamW.v[{i}]") for i, x in enumerate(optimizer.v)]
        return AdamWState(state.lr, state.beta1, state.beta2, state.eps, state.weight_decay, t, tuple(m), tuple(v))

    def _probe(self, files: Sequence[Any]) -> Optional[Any]:
        """Why the implementation's AdamW cannot step (one throwaway parameter), or None."""
        try:
            p = self.impl.Value(1.0)
            p.grad = 0.5
            self.impl.nn.AdamW([p], lr=0.1).step()
        except (Exception, SystemExit) as error:  # noqa: BLE001 (an implementation may raise anything)
            return failure_of(error, "update", files)
        return None

    def _graph(self, value_class: Any, canonical: List[Any],
               loss_fn: Callable[[Any, int], Any]) -> Tuple[Tuple[GraphNode, ...], int, str]:
        """The example's own forward pass, loss and backward(); its nodes as found from the loss."""
        x0, x1, label = self.request.example or (0.0, 0.0, 0)
        self.phase = "build"
        for p in canonical:
            p.grad = 0
        inputs = [value_class(x0), value_class(x1)]
        self.phase = "forward"
        outputs = self._forward(value_class, inputs)
        loss = self._loss(loss_fn, outputs, label)
        self.phase = "backward"
        loss.backward()
        self.phase = "read"
        roles = {id(p): f"p{k}" for k, p in enumerate(canonical)}
        roles.update({id(v): f"x{i}" for i, v in enumerate(inputs)})
        roles.update({id(v): f"out{j}" for j, v in enumerate(outputs)})
        roles[id(loss)] = "loss"
        limit = self.request.graph_limit
        found: List[Any] = [loss]
        inputs_of: List[Tuple[Any, ...]] = []
        index = {id(loss): 0}
        while len(inputs_of) < len(found):  # every node behind the loss, in the order they are met
            prev = _inputs(found[len(inputs_of)])
            inputs_of.append(prev)
            for child in prev:
                if id(child) not in index:
                    if len(found) >= limit:
                        return (), len(found) + 1, (f"the graph has more than {limit} nodes: choose smaller hidden "
                                                    "layers (such as 8, or 16, 16) to see it")
                    index[id(child)] = len(found)
                    found.append(child)
        nodes = []
        for v, prev in zip(found, inputs_of):
            op = getattr(v, "_op", "")
            nodes.append(GraphNode(
                op=str(op)[:16] if isinstance(op, str) else "",
                data=read_float(v.data, "a node's data"),
                grad=read_float(v.grad, "a node's grad"),
                children=tuple(index[id(c)] for c in prev),
                role=roles.get(id(v), ""),
            ))
        return tuple(nodes), len(nodes), ""


def _inputs(v: Any) -> Tuple[Any, ...]:
    prev = getattr(v, "_prev", ())
    if not isinstance(prev, (tuple, list, set, frozenset)):
        raise ReadError(f"a node's _prev is {type(prev).__name__}, not a tuple or set of Values")
    return tuple(prev)
