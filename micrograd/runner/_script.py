"""A program as an implementation runs it: plain steps and numbers, nothing left to compute.

The kit compiles a :class:`~micrograd.program.Program` into a :class:`Script` in the trusted
process (``Program.child_request()``): every step says which Python operator or method to apply
to which nodes (``a + b``, ``a.relu()``), or gives a node the kit makes itself its data and its
inputs' local derivatives as numbers; every backward pass the kit runs comes with the order in
which to call the ``_backward`` of the program's nodes. :func:`run_script` only follows the steps:
it knows no operation, computes no value or derivative and sorts no graph, so nothing of it can
stand in for a submission's own code.
"""

from __future__ import annotations

import operator
import sys
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple, Union

from micrograd.runner._outcome import Outcome
from micrograd.runner._read import ReadError, failure_of, read_all
from micrograd.runner._untrusted import JsonForm, as_bool, as_float, as_floats, as_int, as_list, as_str

__all__ = ["Apply", "Const", "KitNode", "Root", "Script", "run_script"]

#: how many ``_backward`` calls of kit-made nodes an outcome records per root
MAX_CALLS = 10_000
#: the largest script the runner accepts (nodes)
MAX_NODES = 1_000_000

# Python's operators: the language's, not the kit's (a new operation needs no change here)
_BINARY: Dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "**": operator.pow,
    "//": operator.floordiv, "%": operator.mod, "@": operator.matmul,
}
_UNARY: Dict[str, Callable[[Any], Any]] = {"-": operator.neg, "+": operator.pos, "~": operator.invert}


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
class Apply:
    """Apply the submission's ``syntax`` to operands: a binary operator (``"+"``: ``a + b``), a unary one
    (``"-"`` with one operand: ``-a``), or a method (``".relu"``: ``a.relu()``)."""

    syntax: str
    args: Tuple[Operand, ...]

    def __post_init__(self) -> None:
        arity = len(self.args)
        method = self.syntax.startswith(".") and self.syntax[1:].isidentifier()
        if not ((arity == 2 and self.syntax in _BINARY) or (arity == 1 and (self.syntax in _UNARY or method))):
            raise ValueError(f"cannot apply {self.syntax!r} to {arity} operand(s)")


@dataclass(frozen=True)
class KitNode:
    """A node the kit makes: ``Value(data, (inputs), label)`` whose ``_backward`` adds ``local[i] * out.grad``
    to input ``i``'s grad; ``data`` and ``local`` were computed by the kit."""

    label: str
    data: float
    inputs: Tuple[int, ...]
    local: Tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.inputs) != len(self.local):
            raise ValueError(f"a kit node needs one local derivative per input, got {self.inputs} and {self.local}")


@dataclass(frozen=True)
class Root:
    """A backward pass: the submission's ``backward()`` on ``node`` (``seed`` None), or the kit's: ``node.grad =
    seed``, then the ``_backward`` of each node of ``order`` (each followed by the nodes its operation made)."""

    node: int
    seed: Optional[float] = None
    order: Tuple[int, ...] = ()


Step = Union[Apply, KitNode]


@dataclass(frozen=True)
class Script(JsonForm):
    """Leaves, then one step per node, then the backward passes; ``preset`` grads for the leaves first.

    ``watch``: note the Values each applied operation makes, so that a kit backward pass also calls theirs
    (``a - b`` is ``a + (-b)`` in micrograd: two nodes). ``log``: record the order of the kit nodes'
    ``_backward`` calls for each root (``Outcome.calls``).
    """

    leaves: Tuple[float, ...]
    steps: Tuple[Step, ...] = ()
    roots: Tuple[Root, ...] = ()
    preset: Tuple[float, ...] = ()
    watch: bool = False
    log: bool = False

    def __post_init__(self) -> None:
        if not self.leaves or len(self.leaves) + len(self.steps) > MAX_NODES:
            raise ValueError(f"a script has 1 to {MAX_NODES} nodes")
        size = len(self.leaves)
        for step in self.steps:
            refs = step.inputs if isinstance(step, KitNode) else [a for a in step.args if not isinstance(a, Const)]
            if any(not 0 <= ref < size for ref in refs):
                raise ValueError(f"node {size} reads a node that is not an earlier one: {step}")
            size += 1
        for root in self.roots:
            if not 0 <= root.node < size or any(not 0 <= n < size for n in root.order):
                raise ValueError(f"a root and its order name nodes of the script: {root}")
        if self.preset and len(self.preset) != len(self.leaves):
            raise ValueError("preset gives one grad per leaf")

    def to_dict(self) -> Dict[str, Any]:
        steps: List[Any] = []
        for step in self.steps:
            if isinstance(step, KitNode):
                steps.append({"kit": step.label, "data": step.data, "inputs": list(step.inputs),
                              "local": list(step.local)})
            else:
                steps.append([step.syntax, *({"const": a.value} if isinstance(a, Const) else a for a in step.args)])
        return {"leaves": list(self.leaves), "steps": steps,
                "roots": [[r.node, r.seed, list(r.order)] for r in self.roots],
                "preset": list(self.preset), "watch": self.watch, "log": self.log}

    @classmethod
    def from_dict(cls, data: Any) -> Script:
        """Rebuild from plain data, checking every field's type; ValueError if it is not a script."""
        if not isinstance(data, dict):
            raise ValueError(f"a script is a JSON object, got {type(data).__name__}")
        try:
            steps: List[Step] = []
            for step in as_list(data["steps"]):
                if isinstance(step, dict):
                    steps.append(KitNode(as_str(step["kit"]), as_float(step["data"]),
                                         tuple(as_int(i) for i in as_list(step["inputs"])), as_floats(step["local"])))
                else:
                    row = as_list(step)
                    steps.append(Apply(as_str(row[0]), tuple(_operand(a) for a in row[1:])))
            roots = []
            for row in as_list(data["roots"]):
                node, seed, order = as_list(row)
                roots.append(Root(as_int(node), None if seed is None else as_float(seed),
                                  tuple(as_int(i) for i in as_list(order))))
            leaves = tuple(_number(x) for x in as_list(data["leaves"]))
            return cls(leaves, tuple(steps), tuple(roots), as_floats(data.get("preset", ())),
                       as_bool(data.get("watch", False)), as_bool(data.get("log", False)))
        except (KeyError, IndexError, TypeError) as error:
            raise ValueError(f"not a script: {error!r}") from None


def _number(x: Any) -> Union[int, float]:
    """An int or a float, as it was sent (a leaf ``Value(2)`` holds an int, as in the program)."""
    if type(x) not in (int, float):
        raise ValueError(f"expected a number, got {type(x).__name__}")
    return x


def _operand(x: Any) -> Operand:
    if isinstance(x, dict):
        return Const(_number(x.get("const")))
    return as_int(x)


class _RuleError(Exception):
    """An exception raised by a ``_backward`` the kit called: which node (None: one an operation made)."""

    def __init__(self, error: BaseException, node: Optional[int]) -> None:
        super().__init__(str(error))
        self.error = error
        self.node = node


class _Made:
    """The Values made while a block runs, in the order they were made: the objects whose ``__init__``
    (the Value class's own) started meanwhile. The submission's code is watched, never changed."""

    def __init__(self, value_class: type) -> None:
        self.code = getattr(getattr(value_class, "__init__", None), "__code__", None)
        self.made: List[Any] = []

    def _see(self, frame: FrameType, event: str, arg: object) -> None:
        code = frame.f_code
        if event == "call" and code is self.code and code.co_varnames:
            made = frame.f_locals.get(code.co_varnames[0])
            if made is not None:
                self.made.append(made)

    def __enter__(self) -> List[Any]:
        self.previous = sys.getprofile()
        if self.code is not None:
            sys.setprofile(self._see)
        return self.made

    def __exit__(self, *exc: object) -> None:
        sys.setprofile(self.previous)


def _apply(step: Apply, nodes: Sequence[Any]) -> Any:
    args = [a.value if isinstance(a, Const) else nodes[a] for a in step.args]
    if len(args) == 2:
        return _BINARY[step.syntax](*args)
    if step.syntax in _UNARY:
        return _UNARY[step.syntax](args[0])
    return getattr(args[0], step.syntax[1:])()


def make_kit_node(value_class: type, step: KitNode, nodes: Sequence[Any], index: int, log: List[int]) -> Any:
    """``Value(data, (inputs), label)`` with a ``_backward`` adding each given local derivative times out.grad
    to its input's grad (and noting ``index`` in ``log``): a node of the kit's, with the kit's numbers."""
    inputs = tuple(nodes[i] for i in step.inputs)
    out = value_class(step.data, inputs, step.label)
    pairs = tuple(zip(inputs, step.local))

    def _backward(out: Any = out, pairs: Tuple[Tuple[Any, float], ...] = pairs, index: int = index) -> None:
        if len(log) < MAX_CALLS:
            log.append(index)
        for child, derivative in pairs:
            child.grad += derivative * out.grad

    out._backward = _backward
    return out


def run_script(script: Script, value_class: type, *, files: Sequence[Path] = ()) -> Outcome:
    """Follow ``script`` with ``value_class``: make every node, run every backward pass, read every node.

    Never raises for what the implementation does: its exceptions become the Outcome's Failure,
    located in ``files`` (the implementation's sources) when possible.
    """
    nodes: List[Any] = []
    made: Dict[int, List[Any]] = {}  # node -> the other Values its operation made, oldest first
    log: List[int] = []
    calls: List[Tuple[int, ...]] = []
    phase, node = "build", None
    try:
        for i, x in enumerate(script.leaves):
            node = i
            nodes.append(value_class(x))
        for index, step in enumerate(script.steps, start=len(script.leaves)):
            node = index  # named in the Failure if this operation raises
            if isinstance(step, KitNode):
                out = make_kit_node(value_class, step, nodes, index, log)
            elif script.watch:
                with _Made(value_class) as new:
                    out = _apply(step, nodes)
                made[index] = [v for v in dict((id(v), v) for v in new).values() if v is not out]
            else:
                out = _apply(step, nodes)
            if not isinstance(out, value_class):
                raise ReadError(f"the result is {type(out).__name__} {out!r:.60}, not a Value")
            nodes.append(out)
        phase, node = "read", None
        initial = read_all(nodes, "grad", ".grad before backward()")
        for i, preset in enumerate(script.preset):
            nodes[i].grad = float(preset)
        phase = "backward"
        for root in script.roots:
            node = root.node  # named in the Failure if this backward() raises
            if root.seed is None:
                nodes[root.node].backward()
            else:
                phase = "rule"
                _kit_backward(nodes, made, root)
            if script.log:
                calls.append(tuple(log[:MAX_CALLS]))
                log.clear()
        phase, node = "read", None
        data = read_all(nodes, "data", ".data")
        grad = read_all(nodes, "grad", ".grad")
    except _RuleError as error:
        return Outcome(error=failure_of(error.error, "rule", error.node, files))
    except (Exception, SystemExit) as error:  # noqa: BLE001 (an implementation may raise anything)
        return Outcome(error=failure_of(error, phase, node, files))
    return Outcome(data=data, grad=grad, initial_grad=initial, calls=tuple(calls))


def _kit_backward(nodes: Sequence[Any], made: Dict[int, List[Any]], root: Root) -> None:
    """``root.grad = seed``, then the ``_backward`` of every node of ``root.order`` (the kit's order, computed
    by the trusted side) and of the Values its operation made, newest first; each once, and only those
    the root reaches through ``_prev`` among the script's own nodes."""
    start = nodes[root.node]
    start.grad = root.seed
    ours = {id(v) for v in nodes} | {id(v) for vs in made.values() for v in vs}
    reached: Set[int] = {id(start)}
    stack = [start]
    while stack:  # which of the script's own nodes the root reaches (a set: the order is the kit's)
        for child in tuple(stack.pop()._prev):
            if id(child) in ours and id(child) not in reached:
                reached.add(id(child))
                stack.append(child)
    called: Set[int] = set()
    for index in root.order:
        for v in (nodes[index], *reversed(made.get(index, ()))):
            if id(v) in reached and id(v) not in called:
                called.add(id(v))
                try:
                    v._backward()
                except (Exception, SystemExit) as error:
                    raise _RuleError(error, index if v is nodes[index] else None) from error
