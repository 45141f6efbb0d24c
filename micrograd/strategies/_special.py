"""Programs of a special shape, each for one behaviour: a chain deeper than the recursion limit, relu at its
kink, a Value exponent."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from micrograd.program import Const, Op, Program, float_forward, node_name
from micrograd.runner import Printer
from micrograd.runner._untrusted import as_float, as_floats, as_int, as_list, as_str
from micrograd.strategies._build import BOUND, Builder
from micrograd.strategies._programs import _LEAVES, _NONZERO, _POSITIVE, _ROOT_SCALES, _check_int

__all__ = ["ChainProgram", "deep_programs", "relu_at_zero_programs", "value_exponent_programs"]


def deep_programs(*, depth: int = 2000, max_leaves: int = 3) -> st.SearchStrategy[Program]:
    """A chain of at least ``depth`` operations, deeper than Python's recursion limit allows a
    recursive topological sort to go: a short drawn pattern (``v = v + a``, ``v = v * 1.1``,
    ``v = v - b``, ending with ``v = v * 0.5``, which keeps values bounded) repeated, reusing
    a few leaves, then ``* c``. Only ``+``, ``-`` and ``*`` appear, so an engine that lacks
    tanh, exp or log still meets the deep graph (and shows its recursion failure, if any).
    It prints as a ``for`` loop, so reports stay short."""
    _check_int("depth", depth, 1)
    _check_int("max_leaves", max_leaves, 1)
    if depth > 100_000:
        raise InvalidArgument(f"depth={depth!r} must be at most 100000")
    step = st.tuples(st.sampled_from(("add", "mul", "sub")), st.integers(0, max_leaves - 1), st.sampled_from(_FACTORS))
    return _deep(depth, st.lists(_LEAVES, min_size=1, max_size=max_leaves), st.lists(step, max_size=3))


_FACTORS = (0.5, -0.9, 1.1)
#: the last step of every repetition: with at most 3 drawn factors of |f| <= 1.1, one
#: repetition maps v to c * v + d with |c| <= 1.1**3 * 0.5 < 0.67 and |d| <= 3 * 4 * 1.1**3 * 0.5
#: < 8 (leaves are in [-4, 4]), so |v| stays below 8 / (1 - 0.67) < 25 however long the chain
_CONTRACTION = ("mul", 0, 0.5)


class ChainProgram(Program):
    """A Program that repeats ``steps`` ``repeats`` times from leaf ``a``, then scales by ``scale``;
    shown as the equivalent loop (a few lines instead of thousands)."""

    steps: Tuple[Tuple[str, int, float], ...]
    repeats: int
    scale: float

    @classmethod
    def repeating(cls, leaves: Sequence[float], steps: Sequence[Tuple[str, int, float]], repeats: int,
                  scale: float) -> ChainProgram:
        """The chain that repeats ``steps`` ``repeats`` times from leaf ``a``, then multiplies by ``scale``;
        ValueError for steps that are not (add|sub, a leaf, _) or (mul, _, a factor), or values out of bounds."""
        leaves = tuple(float(x) for x in leaves)
        steps = tuple((str(kind), int(k), float(factor)) for kind, k, factor in steps)
        if not leaves or not steps or any(kind not in ("add", "mul", "sub") for kind, _, _ in steps):
            raise ValueError("a chain needs leaves and steps of add, mul or sub")
        if not 1 <= repeats <= 100_000:
            raise ValueError(f"a chain repeats its steps 1 to 100000 times, got {repeats!r}")
        ops: List[Op] = []
        v = 0
        for _ in range(repeats):
            for kind, k, factor in steps:
                if kind == "mul":
                    ops.append(Op("mul", (v, Const(factor))))
                else:
                    ops.append(Op(kind, (v, k % len(leaves))))
                v = len(leaves) + len(ops) - 1
        builder = Builder(leaves)
        builder.ops = ops
        builder.values = float_forward(Program(leaves, tuple(ops)))
        if max(abs(x) for x in builder.values) > BOUND:
            raise ValueError("a chain left the bounds")
        root = builder.try_op(Op("mul", (v, Const(scale))), limit=4 * BOUND)
        if root is None:
            raise ValueError("the chain's root is out of bounds")
        program = cls(builder.leaves, tuple(builder.ops), (root,))
        object.__setattr__(program, "steps", steps)
        object.__setattr__(program, "repeats", repeats)
        object.__setattr__(program, "scale", float(scale))
        return program

    def recipe(self) -> Dict[str, Any]:
        """The chain's recipe as plain data (not its thousands of operations); :meth:`from_recipe` builds it
        again."""
        return {"leaves": list(self.leaves), "steps": [list(step) for step in self.steps], "repeats": self.repeats,
                "scale": self.scale}

    @classmethod
    def from_recipe(cls, data: Any) -> ChainProgram:
        """Rebuild from :meth:`recipe`'s data, checking every field; ValueError if bad."""
        try:
            steps = [(as_str(kind), as_int(k), as_float(factor)) for kind, k, factor in as_list(data["steps"])]
            return cls.repeating(as_floats(data["leaves"]), steps, as_int(data["repeats"]), as_float(data["scale"]))
        except (KeyError, TypeError) as error:
            raise ValueError(f"not a chain program: {error}") from None

    def runnable_code(self, show: Optional[Sequence[int]] = None) -> str:
        """The loop that builds this program and prints the leaves (other nodes have no name in it)."""
        lines = ["from micrograd.engine import Value", ""]
        lines += [f"{node_name(i)} = Value({x!r})" for i, x in enumerate(self.leaves)]
        lines += ["v = a", f"for _ in range({self.repeats}):"]
        for kind, k, factor in self.steps:
            if kind == "mul":
                lines.append(f"    v = v * {factor!r}")
            else:
                lines.append(f"    v = v {'+' if kind == 'add' else '-'} {node_name(k % len(self.leaves))}")
        lines += [f"root = v * {self.scale!r}", "root.backward()"]
        lines += [f"print({node_name(i)!r}, {node_name(i)}.data, {node_name(i)}.grad)" for i in range(len(self.leaves))]
        return "\n".join(lines) + "\n"

    def __str__(self) -> str:
        return self.runnable_code()

    def __repr__(self) -> str:
        return f"<ChainProgram: {len(self.ops)} operations>"

    def _repr_pretty_(self, printer: Printer, cycle: bool) -> None:
        printer.text(self.runnable_code())


@st.composite
def _deep(
    draw: st.DrawFn, depth: int, leaves_strategy: st.SearchStrategy[List[float]],
    steps_strategy: st.SearchStrategy[List[Tuple[str, int, float]]]
) -> Program:
    leaves = tuple(draw(leaves_strategy))
    steps = (*draw(steps_strategy), _CONTRACTION)
    # add, sub and * 0.5 / -0.9 / 1.1 are safe here (see _CONTRACTION: |v| < 25), so the chain always builds
    return ChainProgram.repeating(leaves, steps, -(-depth // len(steps)), draw(_ROOT_SCALES))


def relu_at_zero_programs(*, max_ops: int = 3) -> st.SearchStrategy[Program]:
    """Programs judging relu'(0) = 0 (as in PyTorch) on its own: a leaf 0.0 goes through relu,
    other leaves may go through relu too, and the kit backpropagates from every relu with a
    drawn out.grad (``backward="kit"``): the zero leaf must end with grad 0."""
    _check_int("max_ops", max_ops, 1)
    return _relu_zero(max_ops)


@st.composite
def _relu_zero(draw: st.DrawFn, max_ops: int) -> Program:
    others = draw(st.lists(_NONZERO, max_size=max_ops - 1))
    position = draw(st.integers(0, len(others)))
    leaves = (*others[:position], 0.0, *others[position:])
    ops = tuple(Op("relu", (i,)) for i in range(len(leaves)))
    roots = tuple(range(len(leaves), 2 * len(leaves)))
    seeds = tuple(draw(_ROOT_SCALES) for _ in roots)
    return Program(leaves, ops, roots, backward="kit", seeds=seeds)


def value_exponent_programs() -> st.SearchStrategy[Program]:
    """``a ** b`` with Value operands (``a ** a`` too) and positive leaves, judged on its own (the
    kit backpropagates with a drawn out.grad): a correct engine either raises while computing it
    (micrograd supports only number exponents) or differentiates both operands."""
    return _value_exponent()


@st.composite
def _value_exponent(draw: st.DrawFn) -> Program:
    leaves = tuple(draw(st.lists(_POSITIVE, min_size=1, max_size=2)))
    base = draw(st.integers(0, len(leaves) - 1))
    exponent = draw(st.integers(0, len(leaves) - 1))
    op = Op("pow", (base, exponent))
    return Program(leaves, (op,), (len(leaves),), backward="kit", seeds=(draw(_ROOT_SCALES),))
