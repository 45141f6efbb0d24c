"""Run a program on an implementation's ``Value`` class, or on plain floats."""

from __future__ import annotations

import math
import operator
import traceback
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from micrograd.program._ops import node_name
from micrograd.program._outcome import Failure, Outcome
from micrograd.program._program import Const, Op, Program

__all__ = ["MAX_NODES", "GraphTooLargeError", "float_forward", "kit_node", "run_backward", "run_on_value_class",
           "topological_order"]

_BINARY: Dict[str, Callable[[Any, Any], Any]] = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "div": operator.truediv,
    "pow": operator.pow,
}


def _apply(op: Op, nodes: Sequence[Any]) -> Any:
    args = [arg.value if isinstance(arg, Const) else nodes[arg] for arg in op.args]
    if op.kind in _BINARY:
        return _BINARY[op.kind](*args)
    if op.kind == "neg":
        return -args[0]
    return getattr(args[0], op.kind)()


class _ReadError(Exception):
    pass


def _number(x: Any, what: str) -> float:
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
    raise _ReadError(f"{what} is {type(x).__name__} {x!r:.60}, not a number")


def _read_all(nodes: Sequence[Any], attr: str, what: str) -> Tuple[float, ...]:
    """``attr`` of every node as a float (see _number); the node is named only when one is not a number."""
    found = []
    for i, v in enumerate(nodes):
        x = getattr(v, attr)
        kind = type(x)
        found.append(x if kind is float else float(x) if kind is int else _number(x, f"{_name(i)}{what}"))
    return tuple(found)


def run_on_value_class(program: Program, value_class: type, *, files: Sequence[Path] = ()) -> Outcome:
    """Build ``program`` with ``value_class``, run its backward passes, read every node.

    ``program.build`` and ``program.backward`` say who makes the operation nodes and who runs
    the backward pass (see :class:`Program`). Never raises for what the implementation does:
    its exceptions become the Outcome's Failure, located in ``files`` (the implementation's
    sources) when possible.
    """
    nodes: List[Any] = []
    log: List[int] = []
    calls: List[Tuple[int, ...]] = []
    phase, node = "build", None
    try:
        for i, x in enumerate(program.leaves):
            node = i
            nodes.append(value_class(x))
        kit_values = float_forward(program) if program.build == "kit" else []
        for index, op in program.nodes():
            node = index  # named in the Failure if this operation raises
            if program.build == "kit":
                out = _kit_node(value_class, op, nodes, kit_values, index, log)
            else:
                out = _apply(op, nodes)
            if not isinstance(out, value_class):
                raise _ReadError(f"the result is {type(out).__name__} {out!r:.60}, not a Value")
            nodes.append(out)
        phase, node = "read", None
        initial = _read_all(nodes, "grad", ".grad before backward()")
        for i, preset in enumerate(program.preset):
            nodes[i].grad = float(preset)
        phase = "backward"
        index_of = {id(v): i for i, v in enumerate(nodes)}
        for k, root in enumerate(program.roots):
            node = root  # named in the Failure if this backward() raises
            if program.backward == "kit":
                phase = "rule"
                _kit_backward(nodes[root], program.seed(k), index_of)
            else:
                nodes[root].backward()
            if program.build == "kit":
                calls.append(tuple(log[:_MAX_CALLS]))
                log.clear()
        phase, node = "read", None
        data = _read_all(nodes, "data", ".data")
        grad = _read_all(nodes, "grad", ".grad")
    except _RuleError as error:
        return Outcome(error=_failure(error.error, "rule", error.node, files))
    except (Exception, SystemExit) as error:  # noqa: BLE001 (an implementation may raise anything)
        return Outcome(error=_failure(error, phase, node, files))
    return Outcome(data=data, grad=grad, initial_grad=initial, calls=tuple(calls))


#: how many ``_backward`` calls of kit-built nodes an outcome records per root
_MAX_CALLS = 10_000
#: the most nodes the kit's traversal follows behind one root (a runaway ``_prev`` stops here)
MAX_NODES = 1_000_000


class _RuleError(Exception):
    """An exception raised by a ``_backward`` the kit's traversal called: which node, and the error."""

    def __init__(self, error: BaseException, node: Optional[int]) -> None:
        super().__init__(str(error))
        self.error = error
        self.node = node


class GraphTooLargeError(ValueError):
    """The graph behind a root has more nodes than the caller allows (``found`` is how many were seen)."""

    def __init__(self, limit: int, found: int) -> None:
        super().__init__(f"the graph behind the root has more than {limit} nodes: does _prev keep making new ones?")
        self.limit = limit
        self.found = found


def _prev_of(v: Any) -> Tuple[Any, ...]:
    return tuple(v._prev)


def topological_order(root: Any, limit: int, inputs: Callable[[Any], Sequence[Any]] = _prev_of) -> List[Any]:
    """Every node behind ``root`` (its ``inputs``: ``_prev``), inputs before the nodes that use them,
    by identity (not ==), without recursion; GraphTooLargeError past ``limit`` nodes."""
    topo: List[Any] = []
    seen = set()
    stack = [(root, False)]
    while stack:
        v, inputs_done = stack.pop()
        if inputs_done:
            topo.append(v)
            continue
        if id(v) in seen:
            continue
        seen.add(id(v))
        if len(seen) > limit:
            raise GraphTooLargeError(limit, len(seen))
        stack.append((v, True))
        stack.extend((child, False) for child in reversed(tuple(inputs(v))) if id(child) not in seen)
    return topo


def _kit_backward(root: Any, grad: float, index_of: Dict[int, int]) -> None:
    """The kit's traversal on an implementation's graph; an error in a ``_backward`` names its node."""
    topo = topological_order(root, MAX_NODES)
    root.grad = grad
    for v in reversed(topo):
        try:
            v._backward()
        except (Exception, SystemExit) as error:
            raise _RuleError(error, index_of.get(id(v))) from error


def run_backward(root: Any, grad: float = 1.0) -> None:
    """The kit's own ``backward()``: set ``root.grad = grad``, then call every ``_backward`` behind
    ``root`` exactly once, root first (reverse topological order over ``_prev``, by identity).

    ``micrograd check`` judges an operation's rule with it, on its own, without your ``backward()``;
    a counterexample calls it to show the same thing.
    """
    topo = topological_order(root, MAX_NODES)
    root.grad = grad
    for v in reversed(topo):
        v._backward()


def _kit_local(op: Op, args: Sequence[float], out: float) -> List[float]:
    """d op / d (each node operand), in operand order, from plain floats."""
    kind = op.kind
    if kind == "add":
        local = [1.0, 1.0]
    elif kind == "sub":
        local = [1.0, -1.0]
    elif kind == "mul":
        local = [args[1], args[0]]
    elif kind == "div":
        local = [1 / args[1], -args[0] / args[1] ** 2]
    elif kind == "pow":
        local = [args[1] * args[0] ** (args[1] - 1), out * math.log(args[0]) if args[0] > 0 else 0.0]
    elif kind == "neg":
        local = [-1.0]
    elif kind == "relu":
        local = [1.0 if args[0] > 0 else 0.0]
    elif kind == "tanh":
        local = [1 - out**2]
    elif kind == "exp":
        local = [out]
    else:
        local = [1 / args[0]]
    return [d for d, arg in zip(local, op.args) if not isinstance(arg, Const)]


def _kit_node(value_class: type, op: Op, nodes: Sequence[Any], values: Sequence[float], index: int,
              log: List[int]) -> Any:
    """Node ``index`` made by the kit: ``Value(data, (inputs), op)`` with a trusted ``_backward``."""
    args = [arg.value if isinstance(arg, Const) else values[arg] for arg in op.args]
    inputs = tuple(nodes[arg] for arg in op.args if not isinstance(arg, Const))
    out = value_class(values[index], inputs, _SYMBOLS.get(op.kind, op.kind))
    local = _kit_local(op, args, values[index])
    pairs = tuple(zip(inputs, local))

    def _backward(out: Any = out, pairs: Tuple[Tuple[Any, float], ...] = pairs, index: int = index) -> None:
        if len(log) < _MAX_CALLS:
            log.append(index)
        for child, derivative in pairs:
            child.grad += derivative * out.grad

    out._backward = _backward
    return out


def kit_node(value_class: Any, kind: str, *operands: Any) -> Any:
    """A node the kit makes itself (as ``micrograd check`` does to test only ``backward()``):
    ``Value(data, (inputs), op)`` whose data and ``_backward`` are computed by trusted code.

    ``operands`` are Values or plain numbers, in Python order (``kit_node(Value, "mul", a, 2.0)``).
    """
    values = [float(x.data) if isinstance(x, value_class) else float(x) for x in operands]
    nodes = list(operands)
    ops_args = tuple(i if isinstance(x, value_class) else Const(x) for i, x in enumerate(operands))
    op = Op(kind, ops_args)
    out_value = _float_op(op.kind, values)
    return _kit_node(value_class, op, nodes, [*values, out_value], len(values), [])


_SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**", "neg": "neg", "relu": "ReLU"}


def _name(i: int) -> str:
    return node_name(i)


def _failure(error: BaseException, phase: str, node: Optional[int], files: Sequence[Path]) -> Failure:
    if isinstance(error, _ReadError):
        return Failure("TypeError", str(error), phase, node)
    if isinstance(error, RecursionError):
        message = "maximum recursion depth exceeded"
    else:
        message = str(error)
    return Failure(type(error).__name__, message[:500], phase, node, _location(error, files))


def _location(error: BaseException, files: Sequence[Path]) -> str:
    wanted = {str(Path(f)) for f in files}
    last = ""
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename in wanted:
            last = f"{Path(frame.filename).name}:{frame.lineno} in {frame.name}"
    return last


def float_forward(program: Program, *, perturb: Optional[Dict[int, float]] = None) -> List[float]:
    """Every node's value computed with plain Python floats, as a correct engine computes it.

    ``perturb`` adds a small amount to chosen nodes right after they are computed
    (finite differences use it). Domain errors propagate (ValueError, ZeroDivisionError,
    OverflowError); a complex result raises ValueError.
    """
    if program.uses_value_exponent():
        raise TypeError("a ** with a node exponent has no value: a correct engine raises TypeError")
    values: List[float] = []
    for i, x in enumerate(program.leaves):
        values.append(float(x) + (perturb.get(i, 0.0) if perturb else 0.0))
    for node, op in program.nodes():
        args = [arg.value if isinstance(arg, Const) else values[arg] for arg in op.args]
        result = _float_op(op.kind, args)
        if isinstance(result, complex):
            raise ValueError(f"node {node} ({op.kind}) is complex: {result}")
        values.append(float(result) + (perturb.get(node, 0.0) if perturb else 0.0))
    return values


def _float_op(kind: str, args: Sequence[float]) -> Any:
    """One operation on plain numbers, as a correct engine computes its data."""
    if kind in _BINARY:
        return _BINARY[kind](*args)
    if kind == "neg":
        return -args[0]
    if kind == "relu":
        return args[0] if args[0] > 0 else 0.0
    return getattr(math, kind)(args[0])
