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
  the root's ``seed`` and calls every ``_backward`` once, root first, in the kit's order
  (:func:`micrograd.program.kit_order`; each node's own, then those its operation made), so
  only the operations' rules are tested.

Whatever the settings, an implementation is given the program compiled by the kit
(:meth:`Program.child_request`): the kit's numbers and order, never the kit's code.
``preset`` gives the leaves a grad before any backward pass (``+=`` must keep it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, Iterator, Sequence, Tuple

from micrograd.ops import OPERATIONS
from micrograd.program._ops import (
    BACKWARDS,
    BINARY,
    BUILDS,
    COURSE_OPS,
    METHODS,
    OPS,
    UNARY,
    Const,
    Op,
    Operand,
    node_name,
    op_expression,
    operand_text,
)
from micrograd.runner import JsonForm, Printer

if TYPE_CHECKING:
    from micrograd.runner import Script

__all__ = [
    "BINARY", "BUILDS", "BACKWARDS", "COURSE_OPS", "UNARY", "METHODS", "OPS", "Const", "Op", "Program", "Operand",
    "one_node",
]

#: the most lines a program shows in Hypothesis's reports before it is abbreviated
PRETTY_LINES = 60


def one_node(op: Op) -> bool:
    """Whether micrograd computes ``op`` as one node reading its operands directly (the table gives no other
    way, or only the same operation on the same operands), so calling that node's ``_backward`` applies the
    whole rule."""
    operation = OPERATIONS[op.kind]
    form = operation.reflected_from if op.reflected else operation.built_from
    if form is None:
        return True
    return isinstance(form, tuple) and form[0] == op.kind and all(isinstance(a, str) for a in form[1:])


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
        """True if some operand that a correct engine accepts only as a plain number (the exponent of ``**``)
        is a node: a correct engine raises TypeError."""
        return any(isinstance(op.args[i], int) for op in self.ops for i in OPERATIONS[op.kind].numbers)

    def child_request(self) -> Script:
        """What an implementation runs for this program: the program compiled by the kit (see
        :func:`micrograd.program.compile_program`), so that it is given numbers, never the kit's code."""
        from micrograd.program._evaluate import compile_program

        return compile_program(self)

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

    def to_python(
        self,
        *,
        import_line: str = "from micrograd.engine import Value",
        show: Sequence[int] | None = None,
        before_backward: bool = False,
    ) -> str:
        """A snippet that builds this program with Value, runs its backward passes, and prints the
        data and grad of the nodes in ``show`` (default: the leaves); with ``before_backward``, it prints
        them before any backward pass and runs none (what a report about the grads a new node starts with
        claims).

        A program the kit builds (``build="kit"``) makes its nodes with ``kit_node``; one the kit
        backpropagates (``backward="kit"``) sets the root's grad and calls ``_backward`` directly
        (one operation) or through ``run_backward`` (the kit's traversal), never ``backward()``.
        """
        helpers = []
        if self.build == "kit":
            helpers.append("kit_node")
        direct = self.backward == "kit" and len(self.ops) == 1 and one_node(self.ops[0]) \
            and self.roots == (len(self.leaves),)
        if self.backward == "kit" and not direct and not before_backward:
            helpers.append("run_backward")
        lines = [import_line]
        if helpers:
            lines.append(f"from micrograd.program import {', '.join(helpers)}")
        lines.append("")
        for i, x in enumerate(self.leaves):
            lines.append(f"{node_name(i)} = Value({x!r})")
        for node, op in self.nodes():
            if self.build == "kit":
                operands = ", ".join(operand_text(a) for a in op.args)
                lines.append(f"{node_name(node)} = kit_node(Value, {op.kind!r}, {operands})  # {op_expression(op)}")
            else:
                lines.append(f"{node_name(node)} = {op_expression(op)}")
        if before_backward:
            lines.append("# the grads as the nodes were made, before any backward pass" if self.build == "kit" else
                         "# the grads before any backward pass")
            return "\n".join(lines + [f"print({node_name(n)!r}, {node_name(n)}.data, {node_name(n)}.grad)"
                                       for n in (range(len(self.leaves)) if show is None else show)]) + "\n"
        if self.build == "kit" and self.ops:
            lines.append("# kit_node makes a node with the check's own data and _backward: only your backward() runs")
        for i, grad in enumerate(self.preset):
            lines.append(f"{node_name(i)}.grad = {grad!r}  # a grad already there: _backward must add to it (+=)")
        for k, root in enumerate(self.roots):
            name = node_name(root)
            if self.backward == "student":
                lines.append(f"{name}.backward()")
            elif direct:
                lines.append(f"{name}.grad = {self.seed(k)!r}  # out.grad: the gradient arriving from above")
                lines.append(f"{name}._backward()  # the rule of {node_name(root)}'s operation, on its own")
            else:
                lines.append(f"run_backward({name}, {self.seed(k)!r})  # {name}.grad = {self.seed(k)!r}, then "
                             "every _backward once, root first (not your backward())")
        for node in range(len(self.leaves)) if show is None else show:
            name = node_name(node)
            lines.append(f"print({name!r}, {name}.data, {name}.grad)")
        return "\n".join(lines) + "\n"

    def __str__(self) -> str:
        return self.to_python()

    def _repr_pretty_(self, printer: Printer, cycle: bool) -> None:
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
