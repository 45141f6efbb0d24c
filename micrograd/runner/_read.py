"""Reading what an implementation left behind: numbers that are numbers, and where an exception came from."""

from __future__ import annotations

import math
import traceback
from pathlib import Path
from typing import Any, Optional, Protocol, Sequence, Tuple

from micrograd.runner._outcome import Failure

__all__ = ["Implementation", "ReadError", "failure_of", "location_of", "node_name", "read_all", "read_number"]


class Implementation(Protocol):
    """What a request runs on (``micrograd.impl.Implementation``): the submission's source files and its
    classes and functions, which may be anything a student wrote."""

    @property
    def files(self) -> Sequence[Path]: ...

    @property
    def Value(self) -> Any: ...  # noqa: N802 (named after the class it returns)

    @property
    def Neuron(self) -> Any: ...  # noqa: N802

    @property
    def Layer(self) -> Any: ...  # noqa: N802

    @property
    def MLP(self) -> Any: ...  # noqa: N802

    @property
    def AdamW(self) -> Any: ...  # noqa: N802

    @property
    def cross_entropy(self) -> Any: ...


class ReadError(Exception):
    """What an implementation returned cannot be read (not a number, not a Value): a TypeError for the student."""


def node_name(index: int) -> str:
    """``a`` ... ``z`` for the first 26 nodes, then ``v26``, ``v27``, ..."""
    return "abcdefghijklmnopqrstuvwxyz"[index] if index < 26 else f"v{index}"


def read_number(x: object, what: str) -> float:
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


def read_all(nodes: Sequence[object], attr: str, what: str) -> Tuple[float, ...]:
    """``attr`` of every node as a float (see read_number); the node is named only when one is not a number."""
    found = []
    for i, v in enumerate(nodes):
        x = getattr(v, attr)
        kind = type(x)
        found.append(x if kind is float else float(x) if kind is int else read_number(x, f"{node_name(i)}{what}"))
    return tuple(found)


def failure_of(error: BaseException, phase: str, node: Optional[int], files: Sequence[Path]) -> Failure:
    """The Failure to report for ``error``, raised in ``phase`` at ``node``, located in ``files``."""
    if isinstance(error, ReadError):
        return Failure("TypeError", str(error), phase, node)
    if isinstance(error, RecursionError):
        message = "maximum recursion depth exceeded"
    else:
        message = str(error)
    return Failure(type(error).__name__, message[:500], phase, node, location_of(error, files))


def location_of(error: BaseException, files: Sequence[Path]) -> str:
    """``file:line in function`` of the last frame of ``error``'s traceback in one of ``files``, or ""."""
    wanted = {str(Path(f)) for f in files}
    last = ""
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename in wanted:
            last = f"{Path(frame.filename).name}:{frame.lineno} in {frame.name}"
    return last
