"""Hypothesis strategies for programs: expression graphs that every evaluator agrees on.

Programs are biased towards reuse (``a + a``, diamonds), keep every value in range, and
seed backward with a random upstream gradient: each root is ``out * c`` with ``c`` not 1
or 0, so a rule that ignores ``out.grad`` cannot pass by luck. They shrink to few nodes and
simple numbers.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import Any, Dict, List, Optional, Sequence, Tuple

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from micrograd.program import BINARY, BUILDS, OPS, UNARY, Const, Op, Program, float_forward, node_name
from micrograd.program._untrusted import as_float, as_floats, as_int, as_list, as_str
from micrograd.strategies._build import BOUND, Builder, Recipe

__all__ = [
    "ChainProgram",
    "EXPONENTS",
    "constants",
    "deep_programs",
    "leaf_values",
    "local_programs",
    "programs",
    "relu_at_zero_programs",
    "root_scales",
    "value_exponent_programs",
]

#: constant exponents of ``**``, simplest first: integers (any base) and fractions (positive bases)
EXPONENTS: Tuple[float, ...] = (2, 3, -1, 0.5, 1, 0, -2, 1.5, -0.5, 2.5)

_CONSTANT_MODES = ("none", "right", "left", "both")


def leaf_values(*, min_value: float = -4.0, max_value: float = 4.0) -> st.SearchStrategy[float]:
    """Leaf numbers in ``[min_value, max_value]``, rounded to 3 decimals so counterexamples read
    well; they shrink to 0, to small integers, then to short decimals."""
    _check_number("min_value", min_value)
    _check_number("max_value", max_value)
    if min_value > max_value:
        raise InvalidArgument(f"min_value={min_value!r} is greater than max_value={max_value!r}")
    return st.floats(min_value, max_value).map(lambda x: min(max(round(x, 3), min_value), max_value) + 0.0)


def constants() -> st.SearchStrategy[float]:
    """Plain-number operands (``a + 2.0``): simple values first, then any 2-decimal number in [-4, 4]."""
    return st.one_of(
        st.sampled_from((2.0, -1.0, 0.5, 3.0, -2.5, 1.5)),
        st.floats(-4, 4).map(lambda x: round(x, 2)),
    )


def root_scales() -> st.SearchStrategy[float]:
    """The ``c`` of a root ``out * c``: never 1 (a rule ignoring ``out.grad`` would pass) nor near 0."""

    def fix(c: float) -> float:
        c = round(c, 2)
        return 2.0 if abs(c) < 0.25 or c == 1.0 else c

    return st.one_of(st.sampled_from((2.0, -1.5, 0.5, 3.0, -2.0)), st.floats(-4, 4).map(fix))


def programs(
    *,
    min_leaves: int = 1,
    max_leaves: int = 4,
    max_ops: int = 8,
    ops: Collection[str] = OPS,
    roots: int = 1,
    constants: str = "right",
    seed_roots: bool = True,
    elements: Optional[st.SearchStrategy[float]] = None,
    build: str = "student",
) -> st.SearchStrategy[Program]:
    """Programs with ``min_leaves``..``max_leaves`` leaves and up to ``max_ops`` operations of
    the kinds in ``ops`` (the first kind is the one shrinking prefers), plus one ``* c`` per root.

    ``roots`` roots share only leaves (each root's operations read leaves and its own nodes),
    so the engine's grads are the sum over roots. ``constants`` says where plain numbers may
    appear in binary operations: ``"none"``, ``"right"`` (``a + 2``), ``"left"`` (``2 + a``,
    the reflected operators) or ``"both"``. ``seed_roots=False`` leaves roots unscaled.
    ``elements`` draws leaf values (default :func:`leaf_values`). ``build="kit"`` makes every
    operation node with the kit (only the implementation's ``backward()`` is tested).
    """
    _check_int("min_leaves", min_leaves, 1)
    if build not in BUILDS:
        raise InvalidArgument(f"build={build!r}; expected one of {', '.join(map(repr, BUILDS))}")
    _check_int("max_leaves", max_leaves, min_leaves, "min_leaves")
    _check_int("max_ops", max_ops, 0)
    _check_int("roots", roots, 1)
    kinds = _check_ops(ops)
    if constants not in _CONSTANT_MODES:
        raise InvalidArgument(f"constants={constants!r}; expected one of {', '.join(map(repr, _CONSTANT_MODES))}")
    if not isinstance(seed_roots, bool):
        raise InvalidArgument(f"seed_roots={seed_roots!r} must be True or False")
    if not seed_roots and "add" not in kinds:
        raise InvalidArgument(f"seed_roots=False needs 'add' in ops (a root with no operation is a + a), got {kinds}")
    if elements is not None and not isinstance(elements, st.SearchStrategy):
        raise InvalidArgument(f"elements={elements!r} must be a Hypothesis strategy of floats")
    strategy = _programs(
        min_leaves=min_leaves,
        max_leaves=max_leaves,
        per_root=max(1, max_ops // roots) if max_ops else 0,
        kinds=kinds,
        recipes=_recipes(kinds, constants),
        roots=roots,
        seed_roots=seed_roots,
        elements=_LEAVES if elements is None else elements,
    )
    return strategy if build == "student" else strategy.map(_kit_built)


def _kit_built(program: Program) -> Program:
    return Program(program.leaves, program.ops, program.roots, build="kit")


def local_programs(
    *,
    ops: Collection[str],
    max_leaves: int = 3,
    max_ops: int = 4,
    constants: str = "right",
    elements: Optional[st.SearchStrategy[float]] = None,
) -> st.SearchStrategy[Program]:
    """Programs that judge operations on their own: every node is used at most once (a forest of
    trees, so whether ``_backward`` uses ``=`` or ``+=`` does not matter), every operation node no
    other reads is a root, and the kit backpropagates (``backward="kit"``) from each root with a
    drawn out.grad (never 1 nor near 0, so a rule ignoring out.grad cannot pass).

    Only the kinds in ``ops`` appear (no ``* c`` root), so a property of ``relu`` needs nothing
    but relu. ``constants`` and ``elements`` are as for :func:`programs`.
    """
    _check_int("max_leaves", max_leaves, 1)
    _check_int("max_ops", max_ops, 1)
    kinds = _check_ops(ops)
    if constants not in _CONSTANT_MODES:
        raise InvalidArgument(f"constants={constants!r}; expected one of {', '.join(map(repr, _CONSTANT_MODES))}")
    if elements is not None and not isinstance(elements, st.SearchStrategy):
        raise InvalidArgument(f"elements={elements!r} must be a Hypothesis strategy of floats")
    return _local(max_leaves, max_ops, kinds, _recipes(kinds, constants, reuse=False),
                  _LEAVES if elements is None else elements)


@st.composite
def _local(draw: Any, max_leaves: int, max_ops: int, kinds: Tuple[str, ...], recipes: st.SearchStrategy[Recipe],
           elements: st.SearchStrategy[float]) -> Program:
    leaves = tuple(draw(st.lists(elements, min_size=1, max_size=max_leaves)))
    builder = Builder(leaves)
    free: List[int] = list(range(len(leaves)))  # nodes no operation reads yet
    for recipe in draw(st.lists(recipes, min_size=1, max_size=max_ops)):
        node = _place_once(builder, recipe, free)
        if node is not None:
            free.append(node)
    first_op = len(leaves)
    roots = [n for n in free if n >= first_op]
    if not roots:  # nothing fitted: the simplest operation of the first kind on a leaf, if it is safe
        op = Op(kinds[0], (0,)) if kinds[0] in UNARY else Op(kinds[0], (0, Const(2 if kinds[0] == "pow" else 2.0)))
        node = builder.try_op(op)
        roots = [node] if node is not None else [0]
    seeds = tuple(draw(_ROOT_SCALES) for _ in roots)
    program = Program(builder.leaves, tuple(builder.ops), tuple(roots), backward="kit", seeds=seeds)
    float_forward(program)  # valid Python arithmetic, by construction
    return program


def _place_once(builder: Builder, recipe: Recipe, free: List[int]) -> Optional[int]:
    """Place ``recipe`` on nodes of ``free`` that no operation reads yet (two different ones for a
    binary operation on nodes), removing them from ``free``; None if no placement is safe."""
    n = len(free)
    binary_nodes = recipe.kind in BINARY and recipe.kind != "pow" and recipe.const is None
    if binary_nodes and n < 2:
        return None
    start = n - 1 - recipe.first % n
    for step in range(n):
        a = free[(start - step) % n]
        if binary_nodes:
            others = [x for x in free if x != a]
            b = others[-1 - (recipe.second or 0) % len(others)]
            op = Op(recipe.kind, (a, b))
        elif recipe.kind in UNARY:
            op = Op(recipe.kind, (a,))
        else:
            const = recipe.const if recipe.const is not None else Const(2.0)
            op = Op(recipe.kind, (const, a) if recipe.const_left else (a, const))
        node = builder.try_op(op)
        if node is not None:
            for used in op.refs:
                free.remove(used)
            return node
    return None


def _recipes(kinds: Tuple[str, ...], constant_mode: str, *, reuse: bool = True) -> st.SearchStrategy[Recipe]:
    # offsets: mostly the newest few nodes (chains, diamonds), sometimes any node
    offsets = st.one_of(st.integers(0, 2), st.integers(0, 31))
    modes = st.sampled_from((("same",) if reuse else ()) + ("node",) + (("const",) if constant_mode != "none" else ()))
    kind_strategy = st.sampled_from(kinds)
    exponents = st.sampled_from(EXPONENTS)

    @st.composite
    def recipe(draw: Any) -> Recipe:
        kind = draw(kind_strategy)
        first = draw(offsets)
        if kind in UNARY:
            return Recipe(kind, first)
        if kind == "pow":
            return Recipe(kind, first, const=Const(draw(exponents)))
        mode = draw(modes)
        if mode == "same":
            return Recipe(kind, first)
        if mode == "node":
            return Recipe(kind, first, second=draw(offsets))
        left = constant_mode == "left" or (constant_mode == "both" and draw(st.booleans()))
        return Recipe(kind, first, const=Const(draw(_constants_for(kind))), const_left=left)

    return recipe()


def _constants_for(kind: str) -> st.SearchStrategy[float]:
    return _DIVISORS if kind == "div" else _CONSTANTS


@st.composite
def _programs(
    draw: Any,
    *,
    min_leaves: int,
    max_leaves: int,
    per_root: int,
    kinds: Tuple[str, ...],
    recipes: st.SearchStrategy[Recipe],
    roots: int,
    seed_roots: bool,
    elements: st.SearchStrategy[float],
    relu_zero: bool = False,
    prefix: Sequence[Op] = (),
    fixed: Optional[Tuple[float, ...]] = None,
) -> Program:
    if fixed is None:
        leaves = tuple(draw(st.lists(elements, min_size=min_leaves, max_size=max_leaves)))
    else:
        leaves = fixed
    builder = Builder(leaves, relu_zero=relu_zero)
    for op in prefix:
        if builder.try_op(op) is None:
            raise AssertionError(f"prefix operation {op} is not safe on leaves {builder.leaves}")
    root_nodes: List[int] = []
    for group in range(roots):
        own: List[int] = list(range(builder.size)) if group == 0 else []
        candidates = list(range(len(builder.leaves))) + [n for n in own if n >= len(builder.leaves)]
        last: Optional[int] = own[-1] if own and own[-1] >= len(builder.leaves) else None
        for recipe in draw(st.lists(recipes, max_size=per_root)):
            node = builder.place(recipe, candidates)
            if node is not None:
                candidates.append(node)
                last = node
        last = _join_sinks(builder, candidates, last, kinds)
        if last is None:
            leaf = group % len(builder.leaves)
            last = builder.try_op(Op("add", (leaf, leaf))) if not seed_roots else leaf
        if seed_roots and last is not None:
            # |c| <= 4, so the root stays within 4 * BOUND
            last = builder.try_op(Op("mul", (last, Const(draw(_ROOT_SCALES)))), limit=4 * BOUND)
        if last is None:  # pragma: no cover (a + a is safe for a leaf, * c for any node)
            raise AssertionError("a root could not be formed")
        root_nodes.append(last)
    program = builder.program(root_nodes)
    float_forward(program)  # the program is valid Python arithmetic, by construction
    return program


def _join_sinks(
    builder: Builder, candidates: Sequence[int], last: Optional[int], kinds: Tuple[str, ...]
) -> Optional[int]:
    """Combine the group's unused nodes into ``last`` so that every operation reaches the root
    (with ``+`` when allowed, else the first other binary kind; skipped when unsafe)."""
    combiner = next((k for k in ("add", *kinds) if k in kinds and k in BINARY and k != "pow"), None)
    if last is None or combiner is None:
        return last
    first_op = len(builder.leaves)
    used = {ref for op in builder.ops for ref in op.refs}
    for node in [n for n in candidates if n >= first_op and n not in used and n != last]:
        joined = builder.try_op(Op(combiner, (last, node)))
        if joined is not None:
            last = joined
    return last


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

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.runnable_code())


@st.composite
def _deep(
    draw: Any, depth: int, leaves_strategy: st.SearchStrategy[Any], steps_strategy: st.SearchStrategy[Any]
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
def _relu_zero(draw: Any, max_ops: int) -> Program:
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
def _value_exponent(draw: Any) -> Program:
    leaves = tuple(draw(st.lists(_POSITIVE, min_size=1, max_size=2)))
    base = draw(st.integers(0, len(leaves) - 1))
    exponent = draw(st.integers(0, len(leaves) - 1))
    op = Op("pow", (base, exponent))
    return Program(leaves, (op,), (len(leaves),), backward="kit", seeds=(draw(_ROOT_SCALES),))


def _check_int(name: str, value: Any, minimum: int, minimum_name: str = "") -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgument(f"{name}={value!r} must be an int")
    if value < minimum:
        bound = f"{minimum_name}={minimum}" if minimum_name else str(minimum)
        raise InvalidArgument(f"{name}={value!r} must be at least {bound}")


def _check_number(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InvalidArgument(f"{name}={value!r} must be a finite number")


def _check_ops(ops: Any) -> Tuple[str, ...]:
    if isinstance(ops, str) or not isinstance(ops, Collection):
        raise InvalidArgument(f"ops={ops!r} must be a collection of operation names such as ('add', 'mul')")
    kinds = tuple(dict.fromkeys(ops))
    if not kinds:
        raise InvalidArgument("ops=() is empty; give at least one of " + ", ".join(OPS))
    for kind in kinds:
        if kind not in OPS:
            expected = ", ".join(OPS)
            raise InvalidArgument(f"ops contains {kind!r}, which is not an operation; expected some of {expected}")
    return kinds


# built once: a strategy built inside a draw would be rebuilt (and introspected) on every example
_CONSTANTS = constants()
_DIVISORS = _CONSTANTS.map(lambda c: c if abs(c) >= 0.25 else 2.0)
_ROOT_SCALES = root_scales()
_LEAVES = leaf_values()
_POSITIVE = leaf_values(min_value=0.5, max_value=2.0)
_NONZERO = _LEAVES.filter(lambda x: abs(x) >= 0.1)
