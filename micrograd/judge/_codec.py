"""Every value a spec strategy draws, as plain JSON and back: what an exam file holds.

Numbers, booleans, strings and None are themselves (-0.0 stays -0.0); a float JSON cannot hold is
``{"$float": "inf"}`` (also ``"-inf"``, ``"nan"``), anywhere, also inside a program; a tuple is
``{"$tuple": [...]}``; a request of the kit (a Program, a module program, a cross-entropy or AdamW
request, a deep chain: :data:`_VALUES`, the values the spec's strategies draw, named as the sandbox names
their kinds) is ``{"$kind": "program", "value": program.to_dict()}``, read back with the class's
validating ``from_dict``. Reading never runs anything: it builds those objects from numbers, or raises ValueError.
"""

from __future__ import annotations

import importlib
import math
from typing import Any, Dict, Tuple

__all__ = ["decode_value", "encode_value"]

_FLOAT = "$float"
_TUPLE = "$tuple"
_KIND = "$kind"
_SPECIAL = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}
#: the deepest nesting a decoded value may have (a hand-made file cannot exhaust the stack)
_DEPTH = 64


#: the values of the kit's strategies that are not plain data: kind -> ("module:Class", the method that gives its
#: plain data, the class method that reads it back). The kinds are the sandbox's names for the requests (a Program
#: itself crosses to the child compiled into a Script: micrograd.sandbox.kind_table), so exam files keep them.
_VALUES = {
    "program": ("micrograd.program._program:Program", "to_dict", "from_dict"),
    "module": ("micrograd.program._module:ModuleProgram", "to_dict", "from_dict"),
    "deep_chain": ("micrograd.runner._deep:DeepChain", "to_dict", "from_dict"),
    "cross_entropy": ("micrograd.runner._optim:CrossEntropyProgram", "to_dict", "from_dict"),
    "adamw": ("micrograd.runner._optim:AdamWProgram", "to_dict", "from_dict"),
    "chain": ("micrograd.strategies._special:ChainProgram", "recipe", "from_recipe"),
}


def _kinds() -> Dict[str, Tuple[str, str, str]]:
    """kind -> (the class of its values, its writer, its reader)."""
    return dict(_VALUES)


def _class(path: str) -> Any:
    module, _, name = path.partition(":")
    if not module.startswith("micrograd."):
        raise ValueError(f"{path} is not a class of the kit")
    obj: Any = importlib.import_module(module)
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


def _kind_of(value: Any) -> Tuple[str, str]:
    """(kind, writer method) of ``value``'s exact class."""
    for kind, (path, writer, _) in _kinds().items():
        module, _, name = path.partition(":")
        if type(value).__module__ == module and type(value).__qualname__ == name:
            return kind, writer
    raise ValueError(f"a {type(value).__name__} cannot be written into an exam (no JSON form)")


def _plain(data: Any, depth: int = 0) -> Any:
    """JSON data with every float JSON cannot hold made a ``$float`` object."""
    if depth > _DEPTH:
        raise ValueError("too deeply nested")
    if type(data) is float and not math.isfinite(data):
        return {_FLOAT: "nan" if math.isnan(data) else ("inf" if data > 0 else "-inf")}
    if isinstance(data, (list, tuple)):
        return [_plain(x, depth + 1) for x in data]
    if isinstance(data, dict):
        return {str(k): _plain(v, depth + 1) for k, v in data.items()}
    return data


def _floats(data: Any, depth: int = 0) -> Any:
    """The inverse of :func:`_plain`."""
    if depth > _DEPTH:
        raise ValueError("too deeply nested")
    if isinstance(data, list):
        return [_floats(x, depth + 1) for x in data]
    if isinstance(data, dict):
        if set(data) == {_FLOAT}:
            return _special(data[_FLOAT])
        return {k: _floats(v, depth + 1) for k, v in data.items()}
    return data


def _special(text: Any) -> float:
    if text not in _SPECIAL:
        raise ValueError(f"{_FLOAT} must be one of {', '.join(_SPECIAL)}, got {text!r}")
    return _SPECIAL[text]


def encode_value(value: Any, depth: int = 0) -> Any:
    """``value`` as JSON data (see the module docstring); ValueError for a value without a JSON form."""
    if depth > _DEPTH:
        raise ValueError("too deeply nested")
    if value is None or type(value) in (bool, int, str):
        return value
    if type(value) is float:
        return _plain(value)
    if type(value) is list:
        return [encode_value(x, depth + 1) for x in value]
    if type(value) is tuple:
        return {_TUPLE: [encode_value(x, depth + 1) for x in value]}
    kind, writer = _kind_of(value)
    return {_KIND: kind, "value": _plain(getattr(value, writer)())}


def decode_value(data: Any, depth: int = 0) -> Any:
    """The value :func:`encode_value` gave ``data`` for; ValueError naming what is wrong otherwise."""
    if depth > _DEPTH:
        raise ValueError("too deeply nested")
    if data is None or type(data) in (bool, int, float, str):
        return data
    if type(data) is list:
        return [decode_value(x, depth + 1) for x in data]
    if type(data) is not dict:
        raise ValueError(f"unexpected {type(data).__name__}")
    keys = set(data)
    if keys == {_FLOAT}:
        return _special(data[_FLOAT])
    if keys == {_TUPLE} and type(data[_TUPLE]) is list:
        return tuple(decode_value(x, depth + 1) for x in data[_TUPLE])
    if keys == {_KIND, "value"}:
        kinds = _kinds()
        kind = data[_KIND]
        if kind not in kinds:
            raise ValueError(f"unknown request kind {kind!r}; expected one of {', '.join(sorted(kinds))}")
        path, _, reader = kinds[kind]
        try:
            return getattr(_class(path), reader)(_floats(data["value"]))
        except (KeyError, IndexError, TypeError, AttributeError) as error:
            raise ValueError(f"not a {kind} request: {error}") from None
    raise ValueError(f"unexpected object with keys {sorted(keys)}")
