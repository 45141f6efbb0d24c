"""The wire format between the grader and the sandboxed child: one JSON object per line.

Requests are ``{"kind": ..., "request": request.to_dict()}``; replies are
``{"outcome": outcome.to_dict()}``. Only plain JSON crosses the pipe: the parent cuts
every string and list of a reply to size (:func:`bounded`) and rebuilds outcomes with
the validating ``from_dict`` of their class.

Request kinds are registered by name with the dotted paths of their request and
outcome classes (``"package.module:Class"``), so the child runtime can import them
without the rest of the kit: a kind's module must import only the standard library
and the packages the child runtime carries (see :func:`runtime_packages`).
"""

from __future__ import annotations

import importlib
import json
from typing import Any, Dict, Tuple, Union

__all__ = [
    "MAX_LIST",
    "MAX_STRING",
    "bounded",
    "decode_request",
    "encode_request",
    "kind_table",
    "kinds",
    "outcome_class",
    "register_kind",
    "request_kind",
    "runtime_modules",
    "runtime_packages",
]

#: longest string the parent keeps from a child's reply (longer ones are cut, with a mark)
MAX_STRING = 1000
#: longest list the parent keeps from a child's reply (a reply is also limited in bytes)
MAX_LIST = 100_000
#: deepest nesting of lists and objects the parent accepts from a child
MAX_DEPTH = 16

# kind -> ("module:RequestClass", "module:OutcomeClass"); extend with register_kind()
_KINDS: Dict[str, Tuple[str, str]] = {
    "program": ("micrograd.program._program:Program", "micrograd.program._outcome:Outcome"),
    "module": ("micrograd.program._module:ModuleProgram", "micrograd.program._module:ModuleOutcome"),
    "deep_chain": ("micrograd.program._deep:DeepChain", "micrograd.program._outcome:Outcome"),
    "cross_entropy": ("micrograd.program._optim:CrossEntropyProgram", "micrograd.program._optim:CrossEntropyOutcome"),
    "adamw": ("micrograd.program._optim:AdamWProgram", "micrograd.program._optim:AdamWOutcome"),
    # micrograd app --impl DIR: one training step of the student's MLP
    "app_step": ("micrograd.app._wire:StepRequest", "micrograd.app._wire:StepOutcome"),
}

#: the micrograd sub-packages the child runtime always carries (the loader, programs, this protocol)
_BASE_PACKAGES = ("impl", "program", "sandbox")


def _path(obj: Union[str, type]) -> str:
    if isinstance(obj, str):
        if obj.count(":") != 1 or not all(obj.split(":")):
            raise ValueError(f"expected 'package.module:Class', got {obj!r}")
        return obj
    return f"{obj.__module__}:{obj.__qualname__}"


def register_kind(kind: str, request: Union[str, type], outcome: Union[str, type]) -> None:
    """Teach the sandbox a request kind: ``request`` has ``to_dict``/``from_dict`` and is run by the
    child with ``request.run_on_implementation(impl)`` (a Program is run by ``run_on_value_class``);
    ``outcome`` has ``to_dict`` and a validating ``from_dict``. Both are classes or
    ``"package.module:Class"`` paths inside the ``micrograd`` package."""
    if not (isinstance(kind, str) and kind.isidentifier()):
        raise ValueError(f"a request kind is an identifier, got {kind!r}")
    paths = (_path(request), _path(outcome))
    for path in paths:
        if not path.startswith("micrograd."):
            raise ValueError(f"{path}: request kinds must live in the micrograd package (the child runtime)")
    _KINDS[kind] = paths


def kind_table() -> Dict[str, Tuple[str, str]]:
    """kind -> (request class path, outcome class path), as sent to the child."""
    return dict(_KINDS)


def _load(path: str) -> Any:
    module, _, name = path.partition(":")
    obj: Any = importlib.import_module(module)
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


_resolved: Dict[str, Tuple[str, str, Any, Any]] = {}


def kinds() -> Dict[str, Tuple[Any, Any]]:
    """kind -> (request class, outcome class) for every request the child understands."""
    table: Dict[str, Tuple[Any, Any]] = {}
    for kind, (request, outcome) in _KINDS.items():
        cached = _resolved.get(kind)
        if cached is None or cached[:2] != (request, outcome):
            cached = (request, outcome, _load(request), _load(outcome))
            _resolved[kind] = cached
        table[kind] = (cached[2], cached[3])
    return table


def install_kinds(table: Dict[str, Any]) -> None:
    """In the child: use the parent's kinds (validated, then imported at once)."""
    for kind, paths in table.items():
        if not (isinstance(paths, (list, tuple)) and len(paths) == 2):
            raise ValueError(f"kind {kind!r}: expected two class paths, got {paths!r}")
        register_kind(kind, str(paths[0]), str(paths[1]))
    kinds()


def runtime_packages() -> Tuple[str, ...]:
    """The ``micrograd`` sub-packages the child runtime carries whole: the loader, the programs, this
    protocol. A kind defined elsewhere brings only its own module (:func:`runtime_modules`)."""
    return _BASE_PACKAGES


def runtime_modules() -> Tuple[str, ...]:
    """The modules (``micrograd.app._wire``) of the registered kinds outside :func:`runtime_packages`,
    which the child runtime carries on their own, with their packages' ``__init__``."""
    names = []
    for paths in _KINDS.values():
        for path in paths:
            module = path.partition(":")[0]
            parts = module.split(".")
            if len(parts) > 1 and parts[1] not in _BASE_PACKAGES and module not in names:
                names.append(module)
    return tuple(names)


def request_kind(request: Any) -> str:
    for kind, (request_class, _) in kinds().items():
        if isinstance(request, request_class):
            return kind
    raise TypeError(f"the sandbox cannot send a {type(request).__name__}; it sends {', '.join(_KINDS)}")


def outcome_class(kind: str) -> Any:
    return kinds()[kind][1]


def encode_request(request: Any) -> Tuple[str, bytes]:
    """(kind, one JSON line) for ``request``."""
    kind = request_kind(request)
    line = json.dumps({"kind": kind, "request": request.to_dict()}, separators=(",", ":"))
    return kind, line.encode() + b"\n"


def decode_request(message: Dict[str, Any]) -> Any:
    kind = message.get("kind")
    table = kinds()
    if kind not in table:
        raise ValueError(f"unknown request kind {kind!r}")
    return table[kind][0].from_dict(message["request"])


def cut(text: str, limit: int = MAX_STRING) -> str:
    """``text``, at most ``limit`` characters (a cut one ends with a mark saying so)."""
    if len(text) <= limit:
        return text
    mark = f"... [{len(text) - limit} more characters cut]"
    return text[: max(0, limit - len(mark))] + mark


def bounded(data: Any, *, max_string: int = MAX_STRING, depth: int = 0) -> Any:
    """Plain JSON data from a child with every string cut to ``max_string`` characters.

    Raises ValueError for a list longer than MAX_LIST or nesting deeper than MAX_DEPTH
    (no honest reply has either).
    """
    if depth > MAX_DEPTH:
        raise ValueError(f"the reply is nested more than {MAX_DEPTH} levels deep")
    if isinstance(data, str):
        return cut(data, max_string)
    if isinstance(data, list):
        if len(data) > MAX_LIST:
            raise ValueError(f"the reply has a list of {len(data)} items (at most {MAX_LIST})")
        if all(type(x) is float or type(x) is int or x is None for x in data):  # the common case: numbers
            return data
        return [bounded(x, max_string=max_string, depth=depth + 1) for x in data]
    if isinstance(data, dict):
        if len(data) > MAX_LIST:
            raise ValueError(f"the reply has an object of {len(data)} keys (at most {MAX_LIST})")
        return {cut(str(k), max_string): bounded(v, max_string=max_string, depth=depth + 1) for k, v in data.items()}
    return data
