"""What evaluating a program produced: numbers, or the error an implementation raised."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple

from micrograd.runner._untrusted import as_float, as_floats, as_int, as_list, as_optional_int, as_str

__all__ = ["Failure", "Outcome"]


@dataclass(frozen=True)
class Failure:
    """An exception raised while an implementation ran a program.

    ``phase`` is ``"build"`` (computing node ``node``), ``"backward"`` (the call on
    root ``node``), ``"rule"`` (the ``_backward`` of node ``node``, called by the kit's own
    traversal; ``None`` for a node the implementation made inside an operation), ``"read"``
    (data or grad of node ``node`` is not a number), ``"load"`` (the files do not load)
    or ``"crash"`` (the process running it died).
    ``location`` is ``file:line in function`` of the last frame in the implementation's own files.
    ``output``: what the implementation printed while it ran (bounded; "" for nothing, or not known).
    """

    type: str
    message: str
    phase: str
    node: Optional[int] = None
    location: str = ""
    output: str = ""

    def __str__(self) -> str:
        where = f" at {self.location}" if self.location else ""
        return f"{self.type}: {self.message}{where}" if self.message else f"{self.type}{where}"


@dataclass(frozen=True)
class Outcome:
    """Forward values and gradients of every node, or the Failure that stopped the run.

    ``initial_grad`` holds each node's grad before any backward() call (0 in a correct
    engine). A gradient of ``None`` means "not known" (a finite-difference estimate
    that straddled a kink), never "zero". ``calls`` is set for a program the kit built
    (``build="kit"``): for each root's backward pass, the nodes whose ``_backward`` ran, in
    the order they ran (what ``backward()`` did, for diagnosis). ``output``: what the implementation printed
    while it computed this (bounded; set by the sandbox's parent, never read from the outcome's own data).
    """

    data: Tuple[float, ...] = ()
    grad: Tuple[Optional[float], ...] = ()
    initial_grad: Tuple[float, ...] = ()
    error: Optional[Failure] = None
    calls: Tuple[Tuple[int, ...], ...] = ()
    output: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> Dict[str, Any]:
        """``dataclasses.asdict(self)``, written out: asdict copies every number of a large outcome."""
        error = self.error
        return {
            "data": self.data,
            "grad": self.grad,
            "initial_grad": self.initial_grad,
            "error": None if error is None else {"type": error.type, "message": error.message, "phase": error.phase,
                                                 "node": error.node, "location": error.location,
                                                 "output": error.output},
            "calls": self.calls,
        }

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> Outcome:
        """Rebuild from plain data, checking every field's type (the data may come from an untrusted process)."""
        error = data.get("error")
        failure = None
        if error is not None:
            failure = Failure(
                type=as_str(error.get("type")),
                message=as_str(error.get("message"))[:2000],
                phase=as_str(error.get("phase")),
                node=as_optional_int(error.get("node")),
                location=as_str(error.get("location", "")),
                output=as_str(error.get("output", ""))[:2000],
            )
        return cls(
            data=as_floats(data.get("data", ())),
            grad=tuple(None if g is None else as_float(g) for g in as_list(data.get("grad", ()))),
            initial_grad=as_floats(data.get("initial_grad", ())),
            error=failure,
            calls=tuple(tuple(as_int(i) for i in as_list(c))[:_MAX_CALLS] for c in as_list(data.get("calls", ()))),
        )


#: the most ``_backward`` calls an outcome keeps per root (a runaway backward could make millions)
_MAX_CALLS = 10_000
