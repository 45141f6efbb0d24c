"""The app's request to an implementation, and its outcome: plain data that crosses the sandbox's pipe.

A :class:`StepRequest` asks an implementation for one evaluation of ``MLP(2, sizes)``
with given parameters on a batch of points: the mean loss, every example's logits and
every parameter's gradient, plus the computation graph of one chosen example (its own
forward pass, loss and ``backward()``). The trusted app applies the optimizer, draws the
decision boundary and judges; the implementation only computes.

This module imports nothing but the standard library and ``micrograd.runner`` (the checked
readers, Failure): the sandboxed child needs nothing else to run it.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

from micrograd.runner import Failure
from micrograd.runner._read import ReadError as _ReadError
from micrograd.runner._read import location_of as _location
from micrograd.runner._read import read_number as _number
from micrograd.runner._untrusted import as_float, as_floats, as_int, as_list, as_str

__all__ = ["KIND", "LOSSES", "GraphNode", "StepFailure", "StepOutcome", "StepRequest", "n_params"]

#: the value of ``"kind"`` in the JSON form (registered in the sandbox's protocol)
KIND = "app_step"
#: the losses: softmax cross-entropy, and the multiclass hinge (SVM) loss
LOSSES = ("cross_entropy", "svm")

# bounds on untrusted input and output
_MAX_WIDTH = 64
_MAX_LAYERS = 6
_MAX_POINTS = 2000
_MAX_GRAPH = 20000
_MAX_OP = 16
_MAX_MESSAGE = 2000


def n_params(sizes: Sequence[int], nin: int = 2) -> int:
    """How many parameters ``MLP(nin, sizes)`` has: each neuron's weights and its bias."""
    widths = (nin, *sizes[:-1])
    return sum(nout * (width + 1) for width, nout in zip(widths, sizes))


#: what stopped an evaluation: the program's own Failure (type, message, phase, where in the
#: implementation's files; ``node`` is not used here)
StepFailure = Failure


@dataclass(frozen=True)
class GraphNode:
    """One Value of the example's graph: its op, data, grad, the indices of its inputs (always
    earlier nodes) and its role: ``p<k>`` for canonical parameter k, ``x<i>`` for input i,
    ``out<j>`` for the model's output j, ``loss`` for the root, ``""`` otherwise."""

    op: str
    data: float
    grad: float
    children: Tuple[int, ...] = ()
    role: str = ""


@dataclass(frozen=True)
class StepRequest:
    """Evaluate ``MLP(2, sizes)`` with ``params`` (canonical order: layer by layer, neuron by
    neuron, each neuron's ``w`` then its ``b``) on ``points`` with ``labels`` (class indices,
    ``sizes[-1]`` classes), and draw the graph of ``example`` (``(x0, x1, label)``), if given."""

    sizes: Tuple[int, ...]
    params: Tuple[float, ...]
    points: Tuple[Tuple[float, float], ...]
    labels: Tuple[int, ...]
    loss: str = "cross_entropy"
    example: Optional[Tuple[float, float, int]] = None
    graph_limit: int = 5000

    def __post_init__(self) -> None:
        object.__setattr__(self, "sizes", tuple(self.sizes))
        object.__setattr__(self, "params", tuple(self.params))
        object.__setattr__(self, "points", tuple(tuple(p) for p in self.points))
        object.__setattr__(self, "labels", tuple(self.labels))
        if self.example is not None:
            object.__setattr__(self, "example", tuple(self.example))
        if not 1 <= len(self.sizes) <= _MAX_LAYERS:
            raise ValueError(f"sizes must list 1 to {_MAX_LAYERS} layer widths, got {self.sizes!r}")
        for size in self.sizes:
            _check_int("each layer width", size, 1, _MAX_WIDTH)
        if self.sizes[-1] < 2:
            raise ValueError(f"the last layer gives one logit per class and needs at least 2, got {self.sizes[-1]}")
        if len(self.params) != n_params(self.sizes):
            raise ValueError(f"MLP(2, {list(self.sizes)}) has {n_params(self.sizes)} parameters, "
                             f"but params has {len(self.params)}")
        _check_numbers("params", self.params)
        if not 1 <= len(self.points) <= _MAX_POINTS:
            raise ValueError(f"points must hold 1 to {_MAX_POINTS} points, got {len(self.points)}")
        if len(self.labels) != len(self.points):
            raise ValueError(f"labels has {len(self.labels)} entries but points has {len(self.points)}")
        for point in self.points:
            if len(point) != 2:
                raise ValueError(f"each point has 2 coordinates, got {point!r:.60}")
            _check_numbers("each point", point, finite=True)
        for label in self.labels:
            _check_int("each label", label, 0, self.sizes[-1] - 1)
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {', '.join(LOSSES)}, got {self.loss!r}")
        if self.example is not None:
            if len(self.example) != 3:
                raise ValueError(f"example is (x0, x1, label), got {self.example!r:.60}")
            _check_numbers("the example's coordinates", self.example[:2], finite=True)
            _check_int("the example's label", self.example[2], 0, self.sizes[-1] - 1)
        _check_int("graph_limit", self.graph_limit, 1, _MAX_GRAPH)

    # serialization

    def to_dict(self) -> Dict[str, Any]:
        return {
            "kind": KIND,
            "sizes": list(self.sizes),
            "params": list(self.params),
            "points": [list(p) for p in self.points],
            "labels": list(self.labels),
            "loss": self.loss,
            "example": None if self.example is None else list(self.example),
            "graph_limit": self.graph_limit,
        }

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
            return cls(
                sizes=tuple(as_int(s) for s in as_list(data["sizes"])),
                params=as_floats(data["params"]),
                points=tuple(_pair(as_floats(p)) for p in as_list(data["points"])),
                labels=tuple(as_int(v) for v in as_list(data["labels"])),
                loss=as_str(data.get("loss", "cross_entropy")),
                example=example,
                graph_limit=as_int(data.get("graph_limit", 5000)),
            )
        except KeyError as error:
            raise ValueError(f"not a step request: missing {error}") from None

    # evaluation (in the implementation's process)

    def run_on_implementation(self, impl: Any) -> StepOutcome:
        """Evaluate with ``impl.MLP`` and ``impl.Value``; never raises for what the implementation does."""
        return _Evaluation(self, impl).run()


@dataclass(frozen=True)
class StepOutcome:
    """The numbers an evaluation produced, or what stopped it.

    ``loss`` is the batch's mean loss, ``logits`` one row per point, ``grads`` the gradient
    of ``loss`` for every parameter (canonical order); ``graph`` the example's graph in
    topological order (inputs first, the loss last), or empty with ``graph_error`` saying
    why; ``graph_size`` counts its nodes (more than ``len(graph)`` when over the limit).
    ``error`` is set when the evaluation failed (a :class:`StepFailure`, or the sandbox's
    Failure, which has the same fields).
    """

    loss: Optional[float] = None
    logits: Tuple[Tuple[float, ...], ...] = ()
    grads: Tuple[float, ...] = ()
    graph: Tuple[GraphNode, ...] = ()
    graph_size: int = 0
    graph_error: str = ""
    error: Optional[Any] = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> Dict[str, Any]:
        error = self.error
        return {
            "kind": KIND,
            "loss": self.loss,
            "logits": [list(row) for row in self.logits],
            "grads": list(self.grads),
            "graph": [[n.op, n.data, n.grad, list(n.children), n.role] for n in self.graph],
            "graph_size": self.graph_size,
            "graph_error": self.graph_error,
            "error": None if error is None else {
                "type": str(getattr(error, "type", "Error")),
                "message": str(getattr(error, "message", error)),
                "phase": str(getattr(error, "phase", "")),
                "location": str(getattr(error, "location", "")),
            },
        }

    @classmethod
    def from_dict(cls, data: Any) -> StepOutcome:
        """Rebuild from plain data, checking every field's type and every graph index (the data
        comes from an untrusted process); ValueError if anything is wrong."""
        if not isinstance(data, dict):
            raise ValueError(f"a step outcome is a JSON object, got {type(data).__name__}")
        if data.get("kind") != KIND:
            raise ValueError(f"not a step outcome: kind is {data.get('kind')!r}, expected {KIND!r}")
        error = data.get("error")
        failure = None
        if error is not None:
            if not isinstance(error, dict):
                raise ValueError(f"error is a JSON object or null, got {type(error).__name__}")
            failure = StepFailure(
                type=as_str(error.get("type"))[:100],
                message=as_str(error.get("message"))[:_MAX_MESSAGE],
                phase=as_str(error.get("phase", ""))[:20],
                location=as_str(error.get("location", ""))[:300],
            )
        loss = data.get("loss")
        nodes = as_list(data.get("graph", ()))
        if len(nodes) > _MAX_GRAPH:
            raise ValueError(f"a graph has at most {_MAX_GRAPH} nodes, got {len(nodes)}")
        graph = tuple(_read_node(i, node) for i, node in enumerate(nodes))
        graph_size = as_int(data.get("graph_size", len(graph)))
        if graph_size < len(graph):
            raise ValueError(f"graph_size {graph_size} is less than the {len(graph)} nodes sent")
        return cls(
            loss=None if loss is None else as_float(loss),
            logits=tuple(as_floats(row) for row in as_list(data.get("logits", ()))),
            grads=as_floats(data.get("grads", ())),
            graph=graph,
            graph_size=graph_size,
            graph_error=as_str(data.get("graph_error", ""))[:_MAX_MESSAGE],
            error=failure,
        )


def _pair(xs: Tuple[float, ...]) -> Tuple[float, float]:
    if len(xs) != 2:
        raise ValueError(f"each point has 2 coordinates, got {len(xs)}")
    return (xs[0], xs[1])


def _read_node(index: int, node: Any) -> GraphNode:
    fields = as_list(node)
    if len(fields) != 5:
        raise ValueError(f"graph node {index} is [op, data, grad, children, role], got {len(fields)} fields")
    children = tuple(as_int(c) for c in as_list(fields[3]))
    for child in children:
        if not 0 <= child < index:
            raise ValueError(f"graph node {index} names input {child}, which is not an earlier node")
    role = as_str(fields[4])
    if role and not _valid_role(role):
        raise ValueError(f"graph node {index} has an unknown role {role[:20]!r}")
    return GraphNode(as_str(fields[0])[:_MAX_OP], as_float(fields[1]), as_float(fields[2]), children, role)


def _valid_role(role: str) -> bool:
    if role == "loss":
        return True
    for prefix in ("p", "x", "out"):
        rest = role[len(prefix):]
        if role.startswith(prefix) and rest.isdigit() and rest.isascii() and len(rest) <= 6:
            return True
    return False


def _check_int(what: str, x: Any, low: int, high: int) -> None:
    if type(x) is not int or not low <= x <= high:
        raise ValueError(f"{what} must be a whole number from {low} to {high}, got {x!r:.60}")


def _check_numbers(what: str, xs: Sequence[Any], finite: bool = False) -> None:
    for x in xs:
        if type(x) not in (int, float) or (finite and not math.isfinite(x)):
            raise ValueError(f"{what} must hold {'finite ' if finite else ''}numbers, got {x!r:.60}")


# evaluation: runs in the implementation's process, on its classes




def _text(error: BaseException) -> str:
    try:
        return str(error)[:_MAX_MESSAGE]
    except BaseException:  # noqa: BLE001 (a submission's exception may break even str())
        return "(the exception could not be printed)"


class _Evaluation:
    """One StepRequest on one implementation."""

    def __init__(self, request: StepRequest, impl: Any) -> None:
        self.request = request
        self.impl = impl
        self.phase = "load"

    def run(self) -> StepOutcome:
        try:
            files = tuple(self.impl.files)
        except Exception:  # noqa: BLE001 (an implementation object without files: no locations)
            files = ()
        try:
            value_class, model, canonical = self._build()
            self.phase = "forward"
            cross_entropy = self._cross_entropy(value_class) if self.request.loss == "cross_entropy" else None
            losses, logits = [], []
            for point, label in zip(self.request.points, self.request.labels):
                outputs = self._forward(model, value_class, point)
                logits.append(tuple(_number(v.data, "a logit's data") for v in outputs))
                losses.append(self._loss(outputs, label, cross_entropy))
            loss = _fold(losses) * (1.0 / len(losses))
            self.phase = "backward"
            loss.backward()
            self.phase = "read"
            loss_value = _number(loss.data, "the loss's data")
            grads = tuple(_number(p.grad, "a parameter's grad") for p in canonical)
            graph: Tuple[GraphNode, ...] = ()
            graph_size, graph_error = 0, ""
            if self.request.example is not None:
                graph, graph_size, graph_error = self._graph(model, value_class, canonical, cross_entropy)
        except (Exception, SystemExit) as error:  # noqa: BLE001 (an implementation may raise anything)
            message = _text(error)
            return StepOutcome(error=StepFailure(type(error).__name__[:100], message, self.phase,
                                                 location=_location(error, files)))
        return StepOutcome(loss_value, tuple(logits), grads, graph, graph_size, graph_error)

    def _build(self) -> Tuple[Any, Any, List[Any]]:
        value_class = self.impl.Value
        mlp_class = self.impl.MLP
        self.phase = "build"
        sizes = list(self.request.sizes)
        state = random.getstate()
        try:
            random.seed(0)
            model = mlp_class(2, sizes)
        finally:
            random.setstate(state)
        neurons = [n for layer in model.layers for n in layer.neurons]
        widths = [len(n.w) for n in neurons]
        expected = [width for width, nout in zip((2, *sizes[:-1]), sizes) for _ in range(nout)]
        if widths != expected:
            raise _ReadError(f"MLP(2, {sizes}) built neurons with {widths} weights each, expected {expected}")
        canonical = [p for n in neurons for p in [*n.w, n.b]]
        for p, value in zip(canonical, self.request.params):
            p.data = value
            p.grad = 0
        return value_class, model, canonical

    def _cross_entropy(self, value_class: Any) -> Any:
        """The implementation's own ``nn.cross_entropy`` when it has one, else ours on its Values."""
        try:
            own = getattr(self.impl.nn, "cross_entropy", None)
        except Exception:  # noqa: BLE001 (no usable nn module: the MLP would have failed already)
            own = None
        return own if callable(own) else _cross_entropy

    def _forward(self, model: Any, value_class: Any, point: Sequence[float]) -> List[Any]:
        out = model([value_class(point[0]), value_class(point[1])])
        outputs = list(out) if isinstance(out, (list, tuple)) else [out]
        if len(outputs) != self.request.sizes[-1] or not all(isinstance(v, value_class) for v in outputs):
            raise _ReadError(f"MLP(2, {list(self.request.sizes)})(x) returned {type(out).__name__} {out!r:.80}, "
                             f"not a list of {self.request.sizes[-1]} Values")
        return outputs

    def _loss(self, outputs: List[Any], label: int, cross_entropy: Any) -> Any:
        if cross_entropy is not None:
            loss = cross_entropy(outputs, label)
        else:
            loss = _hinge(outputs, label)
        if not hasattr(loss, "backward") or not hasattr(loss, "data"):
            raise _ReadError(f"the loss is {type(loss).__name__} {loss!r:.60}, not a Value")
        return loss

    def _graph(self, model: Any, value_class: Any, canonical: List[Any],
               cross_entropy: Any) -> Tuple[Tuple[GraphNode, ...], int, str]:
        """The example's own forward pass, loss and backward(), traced from the loss."""
        x0, x1, label = self.request.example or (0.0, 0.0, 0)
        self.phase = "build"
        for p in canonical:
            p.grad = 0
        inputs = [value_class(x0), value_class(x1)]
        self.phase = "forward"
        outputs = model(inputs)
        outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
        loss = self._loss(outputs, label, cross_entropy)
        self.phase = "backward"
        loss.backward()
        self.phase = "read"
        roles = {id(p): f"p{k}" for k, p in enumerate(canonical)}
        roles.update({id(v): f"x{i}" for i, v in enumerate(inputs)})
        roles.update({id(v): f"out{j}" for j, v in enumerate(outputs)})
        roles[id(loss)] = "loss"
        return _export(loss, self.request.graph_limit, roles)


def _export(loss: Any, limit: int, roles: Dict[int, str]) -> Tuple[Tuple[GraphNode, ...], int, str]:
    """The graph behind ``loss`` as plain data (each node after its inputs), its size, and why it is left out
    ("" if it is not). Only data leaves: no node object, so nothing here can run a submission's backward."""
    order: List[Any] = []
    seen: Dict[int, int] = {}
    stack = [(loss, False)]
    while stack:
        v, inputs_done = stack.pop()
        if inputs_done:
            order.append(v)
            continue
        if id(v) in seen:
            continue
        seen[id(v)] = 0
        if len(seen) > limit:
            return (), len(seen), f"the graph has more than {limit} nodes"
        stack.append((v, True))
        stack.extend((child, False) for child in reversed(_inputs(v)) if id(child) not in seen)
    index = {id(v): i for i, v in enumerate(order)}
    nodes = []
    for i, v in enumerate(order):
        op = getattr(v, "_op", "")
        children = tuple(index[id(c)] for c in _inputs(v))
        if any(c >= i for c in children):
            raise _ReadError("the graph has a cycle: a node is among its own inputs' inputs")
        nodes.append(GraphNode(
            op=str(op)[:_MAX_OP] if isinstance(op, str) else "",
            data=_number(v.data, "a node's data"),
            grad=_number(v.grad, "a node's grad"),
            children=children,
            role=roles.get(id(v), ""),
        ))
    return tuple(nodes), len(order), ""


def _inputs(v: Any) -> Tuple[Any, ...]:
    prev = getattr(v, "_prev", ())
    if not isinstance(prev, (tuple, list, set, frozenset)):
        raise _ReadError(f"a node's _prev is {type(prev).__name__}, not a tuple or set of Values")
    return tuple(prev)


def _fold(values: Sequence[Any]) -> Any:
    total = values[0]
    for v in values[1:]:
        total = total + v
    return total


def _cross_entropy(logits: Sequence[Any], target: int) -> Any:
    """-log softmax(logits)[target], from the implementation's own operations (shifted by the
    largest logit's data, so that exp cannot overflow)."""
    top = max(v.data for v in logits)
    ex = [(v - top).exp() for v in logits]
    return -(ex[target] / _fold(ex)).log()


def _hinge(logits: Sequence[Any], target: int) -> Any:
    """The multiclass hinge (SVM) loss: the sum over the wrong classes j of relu(1 + s_j - s_target)."""
    terms = [(1 + s - logits[target]).relu() for j, s in enumerate(logits) if j != target]
    return _fold(terms)
