"""Read plain data that may come from an untrusted process, checking every type.

Only exact built-in types pass (a float subclass that compares equal to everything
does not); each function raises ValueError naming what it expected and what it got.
"""

from __future__ import annotations

import json
from typing import Any, Optional, Protocol, Tuple

__all__ = ["JsonForm", "Printer", "as_bool", "as_float", "as_floats", "as_int", "as_list", "as_optional_int", "as_str"]


class Printer(Protocol):
    """What IPython and Hypothesis hand to ``_repr_pretty_``: something to write text to."""

    def text(self, obj: str) -> None: ...


class JsonForm:
    """``to_json`` and ``from_json`` (one line of JSON) for a request class with ``to_dict`` and a
    ``from_dict`` that checks every field."""

    def to_json(self: Any) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"))

    @classmethod
    def from_json(cls: Any, text: str) -> Any:
        return cls.from_dict(json.loads(text))


def as_list(x: Any) -> list:
    if not isinstance(x, (list, tuple)):
        raise ValueError(f"expected a list, got {type(x).__name__}")
    return list(x)


def as_float(x: Any) -> float:
    if type(x) is float or type(x) is int:
        return float(x)
    raise ValueError(f"expected a number, got {type(x).__name__}")


_FLOATS = frozenset((float,))


def as_floats(x: Any) -> Tuple[float, ...]:
    items = as_list(x)
    if _FLOATS.issuperset(map(type, items)):  # the common case, checked at C speed
        return tuple(items)
    return tuple(as_float(v) for v in items)


def as_str(x: Any) -> str:
    if type(x) is not str:
        raise ValueError(f"expected a string, got {type(x).__name__}")
    return x


def as_int(x: Any) -> int:
    if type(x) is not int:
        raise ValueError(f"expected an int, got {type(x).__name__}")
    return x


def as_optional_int(x: Any) -> Optional[int]:
    return None if x is None else as_int(x)


def as_bool(x: Any) -> bool:
    if type(x) is not bool:
        raise ValueError(f"expected true or false, got {type(x).__name__}")
    return x
