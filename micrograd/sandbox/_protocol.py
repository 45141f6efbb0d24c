"""The wire format between the grader and the sandboxed child: one JSON object per line.

Requests are ``{"kind": ..., "request": request.to_dict()}``; replies are
``{"outcome": outcome.to_dict()}``. Only plain JSON crosses the pipe: the parent cuts
every string and list of a reply to size (:func:`bounded`) and rebuilds outcomes with
the validating ``from_dict`` of their class.

A batch, ``{"batch": [request, request, ...]}`` (:func:`batch_line`), carries several requests
in one message; so does ``{"pickled": [[bytes, requests], ...]}`` followed by that many bytes of
pickles (:func:`pickled_frame`: the parent's requests, which the child may trust). The child
answers each request in turn with its own reply line, in order (written a few at a time, see
FLUSH_SECONDS), so that a timeout still says which request was running.

Request kinds are registered by name with the dotted paths of their request and
outcome classes (``"package.module:Class"``), so the child runtime can import them
without the rest of the kit: a kind's module must import only the standard library
and the packages the child runtime carries (see :func:`runtime_packages`).
"""

from __future__ import annotations

import base64
import binascii
import importlib
import json
import pickle
from array import array
from dataclasses import dataclass
from typing import Any, Dict, List, Sequence, Tuple, Union

__all__ = [
    "FLUSH_BYTES",
    "FLUSH_SECONDS",
    "MAX_LIST",
    "MAX_STRING",
    "PACKED",
    "PACK_MIN",
    "Encoded",
    "Pickled",
    "batch_line",
    "bounded",
    "child_request",
    "decode_request",
    "encode_request",
    "kind_table",
    "kinds",
    "outcome_class",
    "packed_floats",
    "pickled_frame",
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
#: the child writes the answers of a batch together once this long has passed since its last write (and at
#: the batch's end, and before saying where it is running): a request still unanswered this long after the
#: last answers arrived is the one running, so a time limit waits this much longer within a batch
FLUSH_SECONDS = 0.02
#: ... or once this many bytes of answers are waiting
FLUSH_BYTES = 256 * 1024
#: in a reply, a list of at least PACK_MIN floats may come as ``{PACKED: base64 of the doubles}``, in this
#: machine's byte order: exact, and much faster to write and read than decimal text (:func:`bounded` unpacks it)
PACKED = "f64"
PACK_MIN = 8

# kind -> ("module:RequestClass", "module:OutcomeClass"); extend with register_kind()
_KINDS: Dict[str, Tuple[str, str]] = {
    # a Program is sent as the Script the kit compiles it to (see child_request): numbers, never the kit's code
    "program": ("micrograd.runner._script:Script", "micrograd.runner._outcome:Outcome"),
    "module": ("micrograd.runner._module:ModuleRequest", "micrograd.runner._module_outcome:ModuleOutcome"),
    "deep_chain": ("micrograd.runner._deep:DeepChain", "micrograd.runner._outcome:Outcome"),
    "cross_entropy": ("micrograd.runner._optim:CrossEntropyProgram", "micrograd.runner._optim:CrossEntropyOutcome"),
    "adamw": ("micrograd.runner._optim:AdamWProgram", "micrograd.runner._optim:AdamWOutcome"),
    # micrograd app --impl DIR: one training step of the student's MLP
    "app_step": ("micrograd.app._wire:StepRequest", "micrograd.app._outcome:StepOutcome"),
}

#: the micrograd sub-packages the child runtime always carries (the loader, the runner, this protocol); never
#: ``program``, ``ops`` or ``oracles``: the child computes nothing for a submission
_BASE_PACKAGES = ("impl", "runner", "sandbox")


def _path(obj: Union[str, type]) -> str:
    if isinstance(obj, str):
        if obj.count(":") != 1 or not all(obj.split(":")):
            raise ValueError(f"expected 'package.module:Class', got {obj!r}")
        return obj
    return f"{obj.__module__}:{obj.__qualname__}"


def register_kind(kind: str, request: Union[str, type], outcome: Union[str, type]) -> None:
    """Teach the sandbox a request kind: ``request`` has ``to_dict``/``from_dict`` and is run by the
    child with ``request.run_on_implementation(impl)`` (a Script is run by ``run_script``);
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


def child_request(request: Any) -> Any:
    """What the child runs for ``request``: a request that must not reach the child as it is (a Program, whose
    kit-made nodes need the kit's numbers) gives it with ``child_request()``; any other is sent as it is."""
    convert = getattr(type(request), "child_request", None)
    return convert(request) if callable(convert) else request


def request_kind(request: Any) -> str:
    for kind, (request_class, _) in kinds().items():
        if isinstance(request, request_class):
            return kind
    raise TypeError(f"the sandbox cannot send a {type(request).__name__}; it sends {', '.join(_KINDS)}")


def outcome_class(kind: str) -> Any:
    cached = _resolved.get(kind)
    if cached is not None and cached[:2] == _KINDS.get(kind):
        return cached[3]
    return kinds()[kind][1]


@dataclass(frozen=True)
class Encoded:
    """A request encoded once, to be sent many times (to every submission of a batch): its kind and
    its JSON object (no newline)."""

    kind: str
    item: bytes

    @classmethod
    def of(cls, request: Any) -> Encoded:
        request = child_request(request)
        kind = request_kind(request)
        return cls(kind, json.dumps({"kind": kind, "request": request.to_dict()}, separators=(",", ":")).encode())


def encode_request(request: Any) -> Tuple[str, bytes]:
    """(kind, one JSON line) for ``request``."""
    encoded = request if isinstance(request, Encoded) else Encoded.of(request)
    return encoded.kind, encoded.item + b"\n"


def batch_line(items: Sequence[Encoded]) -> bytes:
    """One JSON line carrying every request of ``items``: ``{"batch": [...]}``."""
    return b'{"batch":[' + b",".join(item.item for item in items) + b"]}\n"


@dataclass(frozen=True)
class Pickled:
    """Requests pickled once, for the child (the grader's side is trusted, so the child may unpickle what
    it sends: never the other way round), to be sent to every submission of a batch: faster for the
    child to read than JSON. ``kinds``: each request's kind; ``data``: the pickle of their list, each as
    the child would rebuild it from JSON (``from_dict(to_dict())``)."""

    kinds: Tuple[str, ...]
    data: bytes

    @classmethod
    def of(cls, requests: Sequence[Any]) -> Pickled:
        table = kinds()
        rebuilt = []
        for request in requests:
            encoded = request if isinstance(request, Encoded) else Encoded.of(request)
            rebuilt.append((encoded.kind, table[encoded.kind][0].from_dict(json.loads(encoded.item)["request"])))
        data = pickle.dumps([r for _, r in rebuilt], protocol=pickle.HIGHEST_PROTOCOL)
        return cls(tuple(k for k, _ in rebuilt), data)


def pickled_frame(groups: Sequence[Pickled]) -> bytes:
    """One message carrying the requests of ``groups``: ``{"pickled": [[bytes, requests], ...]}`` on a line,
    then each group's pickle."""
    header = json.dumps({"pickled": [[len(g.data), len(g.kinds)] for g in groups]}, separators=(",", ":"))
    return header.encode() + b"\n" + b"".join(g.data for g in groups)


def decode_request(message: Dict[str, Any]) -> Any:
    kind = message.get("kind")
    table = kinds()
    if kind not in table:
        raise ValueError(f"unknown request kind {kind!r}")
    return table[kind][0].from_dict(message["request"])


_NUMBERS = frozenset((float, int, type(None)))


def packed_floats(text: Any) -> List[float]:
    """The floats of a packed list (``{PACKED: text}``); ValueError if ``text`` is not one."""
    if type(text) is not str:
        raise ValueError("a packed list of floats must be a string")
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError, binascii.Error) as error:
        raise ValueError(f"a packed list of floats is not base64: {error}") from None
    if len(raw) % 8 or len(raw) // 8 > MAX_LIST:
        raise ValueError(f"a packed list of floats of {len(raw)} bytes (whole doubles, at most {MAX_LIST})")
    floats = array("d")
    floats.frombytes(raw)
    return floats.tolist()


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
        if _NUMBERS.issuperset(map(type, data)):  # the common case: numbers
            return data
        return [bounded(x, max_string=max_string, depth=depth + 1) for x in data]
    if isinstance(data, dict):
        if len(data) == 1 and PACKED in data:
            return packed_floats(data[PACKED])
        if len(data) > MAX_LIST:
            raise ValueError(f"the reply has an object of {len(data)} keys (at most {MAX_LIST})")
        return {cut(str(k), max_string): bounded(v, max_string=max_string, depth=depth + 1) for k, v in data.items()}
    return data
