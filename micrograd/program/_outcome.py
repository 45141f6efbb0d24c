"""What evaluating a program produced: numbers, or the error an implementation raised."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Dict, Optional, Tuple

__all__ = ["Failure", "Outcome"]


@dataclass(frozen=True)
class Failure:
    """An exception raised while an implementation ran a program.

    ``phase`` is ``"build"`` (computing node ``node``), ``"backward"`` (the call on
    root ``node``) or ``"read"`` (data or grad of node ``node`` is not a number).
    ``location`` is ``file:line in function`` of the last frame in the implementation's own files.
    """

    type: str
    message: str
    phase: str
    node: Optional[int] = None
    location: str = ""

    def __str__(self) -> str:
        where = f" at {self.location}" if self.location else ""
        return f"{self.type}: {self.message}{where}" if self.message else f"{self.type}{where}"


@dataclass(frozen=True)
class Outcome:
    """Forward values and gradients of every node, or the Failure that stopped the run.

    ``initial_grad`` holds each node's grad before any backward() call (0 in a correct
    engine). A gradient of ``None`` means "not known" (a finite-difference estimate
    that straddled a kink), never "zero".
    """

    data: Tuple[float, ...] = ()
    grad: Tuple[Optional[float], ...] = ()
    initial_grad: Tuple[float, ...] = ()
    error: Optional[Failure] = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> Outcome:
        """Rebuild from plain data, checking every field's type (the data may come from an untrusted process)."""
        error = data.get("error")
        failure = None
        if error is not None:
            failure = Failure(
                type=_str(error.get("type")),
                message=_str(error.get("message"))[:2000],
                phase=_str(error.get("phase")),
                node=_opt_int(error.get("node")),
                location=_str(error.get("location", "")),
            )
        return cls(
            data=_floats(data.get("data", ())),
            grad=tuple(None if g is None else _float(g) for g in _list(data.get("grad", ()))),
            initial_grad=_floats(data.get("initial_grad", ())),
            error=failure,
        )


def _list(x: Any) -> list:
    if not isinstance(x, (list, tuple)):
        raise ValueError(f"expected a list, got {type(x).__name__}")
    return list(x)


def _float(x: Any) -> float:
    if type(x) is float or type(x) is int:
        return float(x)
    raise ValueError(f"expected a number, got {type(x).__name__}")


def _floats(x: Any) -> Tuple[float, ...]:
    return tuple(_float(v) for v in _list(x))


def _str(x: Any) -> str:
    if type(x) is not str:
        raise ValueError(f"expected a string, got {type(x).__name__}")
    return x


def _opt_int(x: Any) -> Optional[int]:
    if x is None or type(x) is int:
        return x
    raise ValueError(f"expected an int or null, got {type(x).__name__}")
