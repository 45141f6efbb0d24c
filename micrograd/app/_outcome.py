"""What an implementation answers to a StepRequest: plain numbers, checked field by field when they come back.

This module imports nothing but the standard library and ``micrograd.runner``'s plain-data
readers and Failure: the sandboxed child carries it (it is the ``app_step`` kind's outcome
class), and it computes nothing.
"""

from __future__ import annotations

import math
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Optional, Sequence, Tuple

from micrograd.runner import Failure
from micrograd.runner._untrusted import as_float, as_floats, as_int, as_list, as_str

__all__ = ["KIND", "AdamWState", "GraphNode", "ReadError", "StepFailure", "StepOutcome", "check_int", "check_numbers",
           "failure_of", "pair", "read_float"]

#: the value of ``"kind"`` in the JSON form (registered in the sandbox's protocol)
KIND = "app_step"
#: the most graph nodes an outcome may carry
MAX_GRAPH = 20000
_MAX_OP = 16
_MAX_MESSAGE = 2000

#: what stopped an evaluation: the program's own Failure (type, message, phase, where in the
#: implementation's files; ``node`` is not used here)
StepFailure = Failure


@dataclass(frozen=True)
class AdamWState:
    """AdamW's settings and state: the step counter ``t`` and each parameter's moments ``m`` and ``v``
    (canonical order), as ``micrograd.nn.AdamW`` keeps them."""

    lr: float
    beta1: float
    beta2: float
    eps: float
    weight_decay: float
    t: int
    m: Tuple[float, ...]
    v: Tuple[float, ...]

    def to_dict(self) -> Dict[str, Any]:
        return {"lr": self.lr, "beta1": self.beta1, "beta2": self.beta2, "eps": self.eps,
                "weight_decay": self.weight_decay, "t": self.t, "m": list(self.m), "v": list(self.v)}

    @classmethod
    def from_dict(cls, data: Any) -> AdamWState:
        if not isinstance(data, dict):
            raise ValueError(f"AdamW's state is a JSON object, got {type(data).__name__}")
        try:
            return cls(as_float(data["lr"]), as_float(data["beta1"]), as_float(data["beta2"]), as_float(data["eps"]),
                       as_float(data["weight_decay"]), as_int(data["t"]), as_floats(data["m"]), as_floats(data["v"]))
        except KeyError as error:
            raise ValueError(f"AdamW's state misses {error}") from None


@dataclass(frozen=True)
class GraphNode:
    """One Value of the example's graph: its op, data, grad, the indices of its inputs and its role:
    ``p<k>`` for canonical parameter k, ``x<i>`` for input i, ``out<j>`` for the model's output j,
    ``loss`` for the root, ``""`` otherwise. The implementation sends the nodes as it found them from
    the loss (the loss first); the app puts them in topological order itself."""

    op: str
    data: float
    grad: float
    children: Tuple[int, ...] = ()
    role: str = ""


@dataclass(frozen=True)
class StepOutcome:
    """The numbers an evaluation produced, or what stopped it.

    ``params`` are the parameters after the update (the request's when it asked for none), ``adamw``
    AdamW's state after it, ``zeroed`` every parameter's grad after ``zero_grad()``; then at
    ``params``: ``loss`` and ``val_loss`` (the mean over each split), one row of ``logits`` per
    training point and of ``val_logits`` per validation point, ``grads`` (of ``loss``, canonical
    order), and the example's graph (``graph_size`` nodes; empty with ``graph_error`` saying why).
    ``optimizer_error`` says why the implementation's AdamW cannot be used, when the request asked.
    ``error`` is set when the evaluation failed.
    """

    loss: Optional[float] = None
    val_loss: Optional[float] = None
    logits: Tuple[Tuple[float, ...], ...] = ()
    val_logits: Tuple[Tuple[float, ...], ...] = ()
    grads: Tuple[float, ...] = ()
    params: Tuple[float, ...] = ()
    adamw: Optional[AdamWState] = None
    zeroed: Tuple[float, ...] = ()
    graph: Tuple[GraphNode, ...] = ()
    graph_size: int = 0
    graph_error: str = ""
    optimizer_error: Optional[Any] = None
    error: Optional[Any] = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> Dict[str, Any]:
        return {
            "kind": KIND,
            "loss": self.loss,
            "val_loss": self.val_loss,
            "logits": [list(row) for row in self.logits],
            "val_logits": [list(row) for row in self.val_logits],
            "grads": list(self.grads),
            "params": list(self.params),
            "adamw": None if self.adamw is None else self.adamw.to_dict(),
            "zeroed": list(self.zeroed),
            "graph": [[n.op, n.data, n.grad, list(n.children), n.role] for n in self.graph],
            "graph_size": self.graph_size,
            "graph_error": self.graph_error,
            "optimizer_error": _failure_dict(self.optimizer_error),
            "error": _failure_dict(self.error),
        }

    @classmethod
    def from_dict(cls, data: Any) -> StepOutcome:
        """Rebuild from plain data, checking every field's type and every graph index (the data
        comes from an untrusted process); ValueError if anything is wrong."""
        if not isinstance(data, dict):
            raise ValueError(f"a step outcome is a JSON object, got {type(data).__name__}")
        if data.get("kind") != KIND:
            raise ValueError(f"not a step outcome: kind is {data.get('kind')!r}, expected {KIND!r}")
        nodes = as_list(data.get("graph", ()))
        if len(nodes) > MAX_GRAPH:
            raise ValueError(f"a graph has at most {MAX_GRAPH} nodes, got {len(nodes)}")
        graph = tuple(_read_node(i, node, len(nodes)) for i, node in enumerate(nodes))
        graph_size = as_int(data.get("graph_size", len(graph)))
        if graph_size < len(graph):
            raise ValueError(f"graph_size {graph_size} is less than the {len(graph)} nodes sent")
        adamw = data.get("adamw")
        return cls(
            loss=_optional_float(data.get("loss")),
            val_loss=_optional_float(data.get("val_loss")),
            logits=tuple(as_floats(row) for row in as_list(data.get("logits", ()))),
            val_logits=tuple(as_floats(row) for row in as_list(data.get("val_logits", ()))),
            grads=as_floats(data.get("grads", ())),
            params=as_floats(data.get("params", ())),
            adamw=None if adamw is None else AdamWState.from_dict(adamw),
            zeroed=as_floats(data.get("zeroed", ())),
            graph=graph,
            graph_size=graph_size,
            graph_error=as_str(data.get("graph_error", ""))[:_MAX_MESSAGE],
            optimizer_error=_read_failure(data.get("optimizer_error")),
            error=_read_failure(data.get("error")),
        )


def _optional_float(x: Any) -> Optional[float]:
    return None if x is None else as_float(x)


def _failure_dict(error: Any) -> Optional[Dict[str, str]]:
    if error is None:
        return None
    return {
        "type": str(getattr(error, "type", "Error")),
        "message": str(getattr(error, "message", error)),
        "phase": str(getattr(error, "phase", "")),
        "location": str(getattr(error, "location", "")),
    }


def _read_failure(error: Any) -> Optional[Failure]:
    if error is None:
        return None
    if not isinstance(error, dict):
        raise ValueError(f"an error is a JSON object or null, got {type(error).__name__}")
    return StepFailure(
        type=as_str(error.get("type"))[:100],
        message=as_str(error.get("message"))[:_MAX_MESSAGE],
        phase=as_str(error.get("phase", ""))[:20],
        location=as_str(error.get("location", ""))[:300],
    )


def _read_node(index: int, node: Any, count: int) -> GraphNode:
    fields = as_list(node)
    if len(fields) != 5:
        raise ValueError(f"graph node {index} is [op, data, grad, children, role], got {len(fields)} fields")
    children = tuple(as_int(c) for c in as_list(fields[3]))
    for child in children:
        if not 0 <= child < count or child == index:
            raise ValueError(f"graph node {index} names input {child}, which is not another node of the graph")
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


# checks of plain data (both ways) and reading an implementation's numbers


def pair(xs: Tuple[float, ...]) -> Tuple[float, float]:
    if len(xs) != 2:
        raise ValueError(f"each point has 2 coordinates, got {len(xs)}")
    return (xs[0], xs[1])


def check_int(what: str, x: Any, low: int, high: int) -> None:
    if type(x) is not int or not low <= x <= high:
        raise ValueError(f"{what} must be a whole number from {low} to {high}, got {x!r:.60}")


def check_numbers(what: str, xs: Sequence[Any], finite: bool = False) -> None:
    for x in xs:
        if type(x) not in (int, float) or (finite and not math.isfinite(x)):
            raise ValueError(f"{what} must hold {'finite ' if finite else ''}numbers, got {x!r:.60}")


class ReadError(Exception):
    """What the implementation gave is not what the app asked for (the message says what)."""


def read_float(x: Any, what: str) -> float:
    """The float value of x, ignoring any overridden methods of a float or int subclass."""
    if isinstance(x, bool):
        return float(x)
    if isinstance(x, float):
        return float.__float__(x)
    if isinstance(x, int):
        try:
            return int.__float__(x)
        except OverflowError:  # an int beyond a float's range
            return math.copysign(math.inf, x)
    raise ReadError(f"{what} is {type(x).__name__} {x!r:.60}, not a number")


def _where(error: BaseException, files: Sequence[Any]) -> str:
    """``file:line in function`` of the last frame of the error's traceback in the implementation's files."""
    wanted = {str(Path(f)) for f in files}
    last = ""
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename in wanted:
            last = f"{Path(frame.filename).name}:{frame.lineno} in {frame.name}"
    return last


def _text(error: BaseException) -> str:
    try:
        return str(error)[:_MAX_MESSAGE]
    except BaseException:  # noqa: BLE001 (a submission's exception may break even str())
        return "(the exception could not be printed)"


def failure_of(error: BaseException, phase: str, files: Sequence[Any]) -> StepFailure:
    """The Failure an implementation's exception gives: its type, message, the phase, where in ``files``."""
    return StepFailure(type(error).__name__[:100], _text(error), phase, location=_where(error, files))
