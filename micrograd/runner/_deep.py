"""A deep chain made by the kit, to see whether ``backward()`` survives any depth.

``DeepChain(depth)`` is ``v = a`` then ``depth`` times ``v = v + a``, every node made by the
kit (its data is the chain's running sum and its ``_backward`` adds ``out.grad`` to both inputs, as
:func:`micrograd.program.kit_node` would make ``v + a``), then
``v.backward()``: only the implementation's ``backward()`` runs, on a graph far deeper than
Python's recursion limit, which is set back to ``recursion_limit`` (Python's default, 1000) just
before the call, and ``sys.setrecursionlimit`` does nothing while it runs. A recursive
topological sort then raises RecursionError, even in an engine that raises the limit: with the
limit raised, the same sort overflows the C stack on a deep enough graph and kills the
interpreter (Python 3.9 and 3.10 at about 20,000 nodes). Evaluators run this request where a
crash is survivable (a child process).
"""

from __future__ import annotations

import gc
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Dict, Sequence

from micrograd.runner._outcome import Outcome
from micrograd.runner._read import failure_of, read_number
from micrograd.runner._untrusted import as_float, as_int

__all__ = ["DeepChain"]

#: the value of ``"kind"`` in the JSON form
KIND = "deep_chain"
_MAX_DEPTH = 1_000_000


@dataclass(frozen=True)
class DeepChain:
    """``v = a``, then ``depth`` times ``v = v + a`` (kit-made nodes), then ``v.backward()``.

    Its outcome has two nodes: ``a`` (data ``leaf``, grad ``depth + 1``) and the end of the
    chain ``v`` (data ``(depth + 1) * leaf``, grad 1).
    """

    depth: int
    leaf: float = 0.5
    #: Python's recursion limit while ``backward()`` runs
    recursion_limit: int = 1000

    def __post_init__(self) -> None:
        if type(self.depth) is not int or not 1 <= self.depth <= _MAX_DEPTH:
            raise ValueError(f"depth must be an int from 1 to {_MAX_DEPTH}, got {self.depth!r}")
        if type(self.leaf) not in (int, float) or not -1e6 <= self.leaf <= 1e6:
            raise ValueError(f"leaf must be a number of at most 1e6, got {self.leaf!r}")
        if type(self.recursion_limit) is not int or not 100 <= self.recursion_limit <= 10**7:
            raise ValueError(f"recursion_limit must be an int from 100 to 10**7, got {self.recursion_limit!r}")

    def to_dict(self) -> Dict[str, Any]:
        return {"kind": KIND, "depth": self.depth, "leaf": self.leaf, "recursion_limit": self.recursion_limit}

    @classmethod
    def from_dict(cls, data: Any) -> DeepChain:
        if not isinstance(data, dict) or data.get("kind") != KIND:
            raise ValueError(f"not a deep chain: {str(data)[:80]}")
        return cls(as_int(data.get("depth")), as_float(data.get("leaf", 0.5)),
                   as_int(data.get("recursion_limit", 1000)))

    def to_python(self, *, import_line: str = "from micrograd.engine import Value") -> str:
        return (
            f"import sys\n\n{import_line}\nfrom micrograd.program import kit_node\n\n"
            f"a = Value({self.leaf!r})\nv = a\n"
            f"for _ in range({self.depth}):\n"
            "    v = kit_node(Value, 'add', v, a)  # v + a, made by the check: only your backward() runs\n"
            f"sys.setrecursionlimit({self.recursion_limit})  # Python's default\n"
            "v.backward()\nprint('a', a.data, a.grad)\n"
        )

    def __str__(self) -> str:
        return self.to_python()

    def run(self, value_class: type, *, files: Sequence[Path] = ()) -> Outcome:
        """Build the chain with ``value_class`` and call ``backward()`` on its end (in this process:
        a recursion past the C stack kills it)."""
        phase = "build"
        raised, limit = False, sys.getrecursionlimit()
        collecting = gc.isenabled()
        gc.disable()  # a full collection per 70,000 new objects would rescan the growing chain (docs/speed.md)
        try:
            a = value_class(self.leaf)
            leaf = current = float(self.leaf)
            v = a
            for _ in range(self.depth):
                current += leaf
                out = value_class(current, (v, a), "+")
                out._backward = _sum_rule(out, v, a)
                v = out
            nodes = [a, v]
            phase = "backward"
            limit, setter = sys.getrecursionlimit(), sys.setrecursionlimit
            raised = limit > self.recursion_limit  # by the engine when it was imported, most likely
            _ATTEMPTS.clear()
            setter(self.recursion_limit)
            sys.setrecursionlimit = _ignored  # a backward() raising the limit recurses as deep
            try:
                v.backward()
            finally:
                sys.setrecursionlimit = setter
                setter(limit)
            phase = "read"
            data = tuple(read_number(x.data, "data") for x in nodes)
            grad = tuple(read_number(x.grad, "grad") for x in nodes)
        except (Exception, SystemExit) as error:  # noqa: BLE001 (an implementation may raise anything)
            node = None if phase != "backward" else 1
            failure = failure_of(error, phase, node, files)
            if phase == "backward" and (_ATTEMPTS or raised):
                note = (f"backward() called sys.setrecursionlimit({_ATTEMPTS[0]}), which was ignored" if _ATTEMPTS
                        else f"the recursion limit was {limit}, set back to {self.recursion_limit} for this check")
                failure = replace(failure, message=f"{failure.message} ({note})")
            return Outcome(error=failure)
        finally:
            if collecting:
                gc.enable()
        return Outcome(data=data, grad=grad, initial_grad=(0.0, 0.0))


_ATTEMPTS: list = []


def _ignored(limit: int) -> None:
    """``sys.setrecursionlimit`` while the chain's backward() runs: the limit stays Python's default."""
    _ATTEMPTS.append(limit)


def _sum_rule(out: Any, v: Any, a: Any) -> Callable[[], None]:
    """The ``_backward`` of a chain node the kit made: d out / d v = d out / d a = 1."""

    def _backward() -> None:
        v.grad += out.grad
        a.grad += out.grad

    return _backward
