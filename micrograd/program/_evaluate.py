"""Run a program on an implementation's ``Value`` class, or on plain floats."""

from __future__ import annotations

import math
import operator
import traceback
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

from micrograd.program._outcome import Failure, Outcome
from micrograd.program._program import Const, Op, Program

__all__ = ["float_forward", "run_on_value_class"]

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
        return int.__float__(x)
    raise _ReadError(f"{what} is {type(x).__name__} {x!r:.60}, not a number")


def run_on_value_class(program: Program, value_class: type, *, files: Sequence[Path] = ()) -> Outcome:
    """Build ``program`` with ``value_class``, call backward() on each root, read every node.

    Never raises for what the implementation does: its exceptions become the Outcome's
    Failure, located in ``files`` (the implementation's sources) when possible.
    """
    nodes: List[Any] = []
    phase, node = "build", None
    try:
        for i, x in enumerate(program.leaves):
            node = i
            nodes.append(value_class(x))
        for index, op in program.nodes():
            node = index  # named in the Failure if this operation raises
            out = _apply(op, nodes)
            if not isinstance(out, value_class):
                raise _ReadError(f"the result is {type(out).__name__} {out!r:.60}, not a Value")
            nodes.append(out)
        phase, node = "read", None
        initial = tuple(_number(v.grad, f"{_name(i)}.grad before backward()") for i, v in enumerate(nodes))
        phase = "backward"
        for root in program.roots:
            node = root  # named in the Failure if this backward() raises
            nodes[root].backward()
        phase, node = "read", None
        data = tuple(_number(v.data, f"{_name(i)}.data") for i, v in enumerate(nodes))
        grad = tuple(_number(v.grad, f"{_name(i)}.grad") for i, v in enumerate(nodes))
    except (Exception, SystemExit) as error:  # noqa: BLE001 (an implementation may raise anything)
        return Outcome(error=_failure(error, phase, node, files))
    return Outcome(data=data, grad=grad, initial_grad=initial)


def _name(i: int) -> str:
    from micrograd.program._codegen import node_name

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
        if op.kind in _BINARY:
            result = _BINARY[op.kind](*args)
        elif op.kind == "neg":
            result = -args[0]
        elif op.kind == "relu":
            result = args[0] if args[0] > 0 else 0.0
        else:
            result = getattr(math, op.kind)(args[0])
        if isinstance(result, complex):
            raise ValueError(f"node {node} ({op.kind}) is complex: {result}")
        values.append(float(result) + (perturb.get(node, 0.0) if perturb else 0.0))
    return values
