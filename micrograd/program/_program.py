"""Programs: expression graphs in SSA form, the one representation every evaluator runs.

A program has leaves (numbers that become ``Value(x)``), then operations, each
naming earlier nodes by index, so a node can be used many times. Node ``i`` is
leaf ``i`` for ``i < len(leaves)`` and operation ``i - len(leaves)`` after that.
``roots`` are the nodes on which ``backward()`` is called, in order.

Two settings say which parts of an implementation a program exercises, so that each
part can be judged on its own:

- ``build``: ``"student"`` computes every operation with the implementation's operators
  (``a + b``); ``"kit"`` makes every operation node itself, ``Value(data, (inputs), op)``
  with data and a ``_backward`` computed by trusted code, so only ``backward()`` is tested;
- ``backward``: ``"student"`` calls ``root.backward()``; ``"kit"`` sets ``root.grad`` to
  the root's ``seed`` and calls every ``_backward`` once, root first, with the kit's own
  traversal (:func:`micrograd.program.run_backward`), so only the operations' rules are tested.

``preset`` gives the leaves a grad before any backward pass (``+=`` must keep it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Dict, Iterator, Tuple, Union

from micrograd.program._untrusted import JsonForm

__all__ = ["BINARY", "BUILDS", "BACKWARDS", "UNARY", "METHODS", "OPS", "Const", "Op", "Program", "Operand"]

#: binary operators, by the Python symbol each one prints as
BINARY: Dict[str, str] = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**"}
#: unary operations written as methods, ``v.relu()``
METHODS = ("relu", "tanh", "exp", "log")
#: every unary operation: negation and the methods
UNARY = ("neg", *METHODS)
#: every operation kind
OPS = tuple(BINARY) + UNARY
#: who makes the operation nodes of a program: the implementation's operators, or the kit
BUILDS = ("student", "kit")
#: who runs the backward pass: the implementation's ``backward()``, or the kit's traversal
BACKWARDS = ("student", "kit")
#: the most lines a program shows in Hypothesis's reports before it is abbreviated
PRETTY_LINES = 60


@dataclass(frozen=True)
class Const:
    """A plain Python number used as an operand: ``v + 2`` or ``2 + v``."""

    value: Union[int, float]

    def __post_init__(self) -> None:
        if isinstance(self.value, bool) or not isinstance(self.value, (int, float)):
            raise TypeError(f"Const needs an int or a float, got {self.value!r}")


#: an operand: the index of an earlier node, or a plain number
Operand = Union[int, Const]


@dataclass(frozen=True)
class Op:
    """One operation: ``kind`` names it (see OPS), ``args`` are its operands in Python order.

    ``Op("sub", (Const(1.0), 3))`` is ``1.0 - v3``, which exercises ``__rsub__``.
    """

    kind: str
    args: Tuple[Operand, ...]

    def __post_init__(self) -> None:
        if self.kind not in OPS:
            raise ValueError(f"unknown operation {self.kind!r}; expected one of {', '.join(OPS)}")
        arity = 2 if self.kind in BINARY else 1
        if len(self.args) != arity:
            raise ValueError(f"{self.kind} takes {arity} operand(s), got {len(self.args)}: {self.args!r}")
        for arg in self.args:
            if isinstance(arg, bool) or not isinstance(arg, (int, Const)):
                raise TypeError(f"an operand is a node index or a Const, got {arg!r}")
        if self.kind == "pow" and not isinstance(self.args[0], int):
            raise ValueError(f"the base of ** must be a node (engines have no __rpow__), got {self.args!r}")
        if not any(isinstance(arg, int) for arg in self.args):
            raise ValueError(f"{self.kind} needs at least one node operand, got only constants {self.args!r}")

    @property
    def refs(self) -> Tuple[int, ...]:
        """The node indices this operation reads, in operand order."""
        return tuple(arg for arg in self.args if isinstance(arg, int))


@dataclass(frozen=True)
class Program(JsonForm):
    """Leaves, SSA operations over them, and the roots to backpropagate from.

    A correct engine evaluates every node, then calls ``backward()`` on each
    root in order; gradients of leaves shared by several roots add up.
    """

    leaves: Tuple[float, ...]
    ops: Tuple[Op, ...] = ()
    roots: Tuple[int, ...] = ()
    #: who makes the operation nodes (see BUILDS)
    build: str = "student"
    #: who runs the backward pass (see BACKWARDS)
    backward: str = "student"
    #: with ``backward="kit"``: the grad each root is given before its pass (empty: 1 for every root)
    seeds: Tuple[float, ...] = ()
    #: the grad of every leaf before any backward pass (empty: none set)
    preset: Tuple[float, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "leaves", tuple(self.leaves))
        object.__setattr__(self, "ops", tuple(self.ops))
        object.__setattr__(self, "roots", tuple(self.roots))
        object.__setattr__(self, "seeds", tuple(self.seeds))
        object.__setattr__(self, "preset", tuple(self.preset))
        if not self.leaves:
            raise ValueError("a program needs at least one leaf")
        for i, x in enumerate(self.leaves):
            if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
                raise ValueError(f"leaf {i} must be a finite int or float, got {x!r}")
        for i, op in enumerate(self.ops):
            node = len(self.leaves) + i
            for ref in op.refs:
                if not 0 <= ref < node:
                    raise ValueError(f"node {node} ({op.kind}) reads node {ref}, which is not an earlier node")
        for root in self.roots:
            if isinstance(root, bool) or not isinstance(root, int) or not 0 <= root < self.size:
                raise ValueError(f"root {root} is not a node of this program (it has {self.size})")
        if self.build not in BUILDS:
            raise ValueError(f"build must be one of {', '.join(BUILDS)}, got {self.build!r}")
        if self.backward not in BACKWARDS:
            raise ValueError(f"backward must be one of {', '.join(BACKWARDS)}, got {self.backward!r}")
        if self.seeds and (self.backward != "kit" or len(self.seeds) != len(self.roots)):
            raise ValueError(f"seeds are for backward='kit', one per root; got {len(self.seeds)} seeds for "
                             f"{len(self.roots)} roots with backward={self.backward!r}")
        if self.preset and len(self.preset) != len(self.leaves):
            raise ValueError(f"preset gives one grad per leaf: {len(self.preset)} for {len(self.leaves)} leaves")
        for what, numbers in (("seed", self.seeds), ("preset grad", self.preset)):
            for x in numbers:
                if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
                    raise ValueError(f"every {what} must be a finite int or float, got {x!r}")

    @property
    def size(self) -> int:
        """The number of nodes: leaves plus operations."""
        return len(self.leaves) + len(self.ops)

    def nodes(self) -> Iterator[Tuple[int, Op]]:
        """(node index, operation) for every operation node, in order."""
        for i, op in enumerate(self.ops):
            yield len(self.leaves) + i, op

    def op_kinds(self) -> frozenset[str]:
        """The operation kinds this program uses."""
        return frozenset(op.kind for op in self.ops)

    def uses_value_exponent(self) -> bool:
        """True if some ``**`` has a node as its exponent, which a correct engine rejects."""
        return any(op.kind == "pow" and isinstance(op.args[1], int) for op in self.ops)

    def seed(self, k: int) -> float:
        """The grad root ``k`` (its position in ``roots``) starts its backward pass with."""
        return float(self.seeds[k]) if self.seeds else 1.0

    def depth(self) -> int:
        """The length of the longest path from a leaf to any node."""
        depth = [0] * self.size
        for node, op in self.nodes():
            depth[node] = 1 + max(depth[ref] for ref in op.refs)
        return max(depth)

    # serialization: plain JSON, so it can cross a process boundary safely

    def to_dict(self) -> Dict[str, Any]:
        data: Dict[str, Any] = {
            "leaves": list(self.leaves),
            "ops": [[op.kind, *(_arg_to_json(a) for a in op.args)] for op in self.ops],
            "roots": list(self.roots),
        }
        for name, default in (("build", "student"), ("backward", "student"), ("seeds", ()), ("preset", ())):
            value = getattr(self, name)
            if value != default:
                data[name] = list(value) if isinstance(value, tuple) else value
        return data

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> Program:
        try:
            ops = tuple(Op(row[0], tuple(_arg_from_json(a) for a in row[1:])) for row in data["ops"])
            return cls(tuple(data["leaves"]), ops, tuple(data["roots"]), build=data.get("build", "student"),
                       backward=data.get("backward", "student"), seeds=tuple(data.get("seeds", ())),
                       preset=tuple(data.get("preset", ())))
        except (KeyError, IndexError, TypeError, AttributeError) as error:
            raise ValueError(f"not a program: {error}") from error

    def __str__(self) -> str:
        from micrograd.program._codegen import to_python

        return to_python(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """Show as runnable code in Hypothesis's falsifying examples and in IPython
        (abbreviated past PRETTY_LINES lines, which Hypothesis would reject as too large)."""
        lines = str(self).splitlines()
        if len(lines) > PRETTY_LINES:
            head, tail = PRETTY_LINES // 2, PRETTY_LINES // 4
            skipped = len(lines) - head - tail
            lines = [*lines[:head], f"# ... {skipped} more lines: print(program) shows them all", *lines[-tail:]]
        printer.text("\n".join(lines))


def _arg_to_json(arg: Operand) -> Any:
    return {"const": arg.value} if isinstance(arg, Const) else arg


def _arg_from_json(arg: Any) -> Operand:
    if isinstance(arg, dict):
        return Const(arg["const"])
    if isinstance(arg, int) and not isinstance(arg, bool):
        return arg
    raise TypeError(f"an operand is a node index or {{'const': number}}, got {arg!r}")
