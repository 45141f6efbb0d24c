"""Running programs: on plain floats (the semantics), and on an implementation's ``Value`` class.

Everything here runs in the trusted process. An implementation only ever sees a program compiled
to a :class:`~micrograd.runner.Script` (:func:`compile_program`): the data and local derivatives of
the nodes the kit makes and the order of the kit's backward passes are computed here, from the table
of operations, and sent as numbers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Dict, Hashable, List, Optional, Sequence, Tuple, TypeVar

from micrograd.ops import OPERATIONS, Operation
from micrograd.program._ops import Const, Op
from micrograd.program._program import Program
from micrograd.runner import Apply, KitNode, Outcome, Root, Script, run_script
from micrograd.runner._script import make_kit_node

__all__ = ["MAX_NODES", "GraphTooLargeError", "compile_program", "float_forward", "kit_node", "kit_order",
           "run_backward", "run_on_value_class", "syntax", "topological_order"]

#: the most nodes the kit's traversal follows behind one root (a runaway ``_prev`` stops here)
MAX_NODES = 1_000_000

T = TypeVar("T")


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
        result = OPERATIONS[op.kind].forward(*args)
        if isinstance(result, complex):
            raise ValueError(f"node {node} ({op.kind}) is complex: {result}")
        values.append(float(result) + (perturb.get(node, 0.0) if perturb else 0.0))
    return values


def syntax(op: Op) -> str:
    """How Python writes ``op`` for the runner: its operator (``"+"``, ``"-"`` for ``-a``) or ``".method"``."""
    operation = OPERATIONS[op.kind]
    return operation.symbol or f".{operation.method}"


def _label(operation: Operation) -> str:
    """The ``_op`` of a node the kit makes: the operator of a binary operation, else its name."""
    return operation.symbol if operation.arity == 2 else operation.name


def _kit_step(op: Op, args: Sequence[float], out: float) -> KitNode:
    """A node the kit makes for ``op``: its data, and d op / d (each node operand), from the table."""
    operation = OPERATIONS[op.kind]
    local = tuple(float(operation.derivatives[i](*args, out)) for i, arg in enumerate(op.args)
                  if not isinstance(arg, Const))
    return KitNode(_label(operation), out, op.refs, local)


def kit_order(program: Program, root: int) -> Tuple[int, ...]:
    """The nodes behind ``root``, root first, each after every node that reads it (reverse topological
    order, operands in order): the order of the kit's ``_backward`` calls."""
    first_op = len(program.leaves)

    def refs(node: int) -> Sequence[int]:
        return program.ops[node - first_op].refs if node >= first_op else ()

    return tuple(reversed(topological_order(root, program.size, refs, key=int)))


def compile_program(program: Program) -> Script:
    """``program`` as steps an implementation follows (see :class:`~micrograd.runner.Script`).

    A program the kit builds must have values (ValueError otherwise: the kit makes it, no student).
    """
    steps: List[Any] = []
    if program.build == "kit":
        try:
            values = float_forward(program)
            for node, op in program.nodes():
                args = [a.value if isinstance(a, Const) else values[a] for a in op.args]
                steps.append(_kit_step(op, args, values[node]))
        except (ArithmeticError, TypeError, ValueError) as error:
            raise ValueError(f"the kit cannot build this program: {type(error).__name__}: {error}") from None
    else:
        steps = [Apply(syntax(op), op.args) for op in program.ops]
    if program.backward == "kit":
        roots = tuple(Root(r, program.seed(k), kit_order(program, r)) for k, r in enumerate(program.roots))
    else:
        roots = tuple(Root(r) for r in program.roots)
    watch = program.backward == "kit" and program.build == "student"
    return Script(program.leaves, tuple(steps), roots, program.preset, watch=watch, log=program.build == "kit")


def run_on_value_class(program: Program, value_class: type, *, files: Sequence[Path] = ()) -> Outcome:
    """Build ``program`` with ``value_class``, run its backward passes, read every node.

    ``program.build`` and ``program.backward`` say who makes the operation nodes and who runs
    the backward pass (see :class:`Program`). Never raises for what the implementation does:
    its exceptions become the Outcome's Failure, located in ``files`` (the implementation's
    sources) when possible.
    """
    return run_script(compile_program(program), value_class, files=files)


class GraphTooLargeError(ValueError):
    """The graph behind a root has more nodes than the caller allows (``found`` is how many were seen)."""

    def __init__(self, limit: int, found: int) -> None:
        super().__init__(f"the graph behind the root has more than {limit} nodes: does _prev keep making new ones?")
        self.limit = limit
        self.found = found


def _prev_of(v: Any) -> Tuple[Any, ...]:
    return tuple(v._prev)


def topological_order(root: T, limit: int, inputs: Callable[[T], Sequence[T]] = _prev_of,
                      key: Callable[[T], Hashable] = id) -> List[T]:
    """Every node behind ``root`` (its ``inputs``: ``_prev``), inputs before the nodes that use them,
    told apart by ``key`` (identity, not ==), without recursion; GraphTooLargeError past ``limit`` nodes."""
    topo: List[T] = []
    seen = set()
    stack = [(root, False)]
    while stack:
        v, inputs_done = stack.pop()
        if inputs_done:
            topo.append(v)
            continue
        if key(v) in seen:
            continue
        seen.add(key(v))
        if len(seen) > limit:
            raise GraphTooLargeError(limit, len(seen))
        stack.append((v, True))
        stack.extend((child, False) for child in reversed(tuple(inputs(v))) if key(child) not in seen)
    return topo


def run_backward(root: Any, grad: float = 1.0) -> None:
    """The kit's own ``backward()``: set ``root.grad = grad``, then call every ``_backward`` behind
    ``root`` exactly once, root first (reverse topological order over ``_prev``, by identity).

    ``micrograd check`` judges an operation's rule without your ``backward()``; a counterexample
    calls this to show the same thing.
    """
    topo = topological_order(root, MAX_NODES)
    root.grad = grad
    for v in reversed(topo):
        v._backward()


def kit_node(value_class: Any, kind: str, *operands: Any) -> Any:
    """A node the kit makes itself (as ``micrograd check`` does to test only ``backward()``):
    ``Value(data, (inputs), op)`` whose data and ``_backward`` are computed by trusted code.

    ``operands`` are Values or plain numbers, in Python order (``kit_node(Value, "mul", a, 2.0)``).
    """
    values = [float(x.data) if isinstance(x, value_class) else float(x) for x in operands]
    op = Op(kind, tuple(i if isinstance(x, value_class) else Const(x) for i, x in enumerate(operands)))
    out = OPERATIONS[kind].forward(*values)
    return make_kit_node(value_class, _kit_step(op, values, out), list(operands), len(operands), [])
