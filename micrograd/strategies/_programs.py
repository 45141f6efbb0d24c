"""Hypothesis strategies for programs: expression graphs that every evaluator agrees on.

Programs are biased towards reuse (``a + a``, diamonds), keep every value in range, and
seed backward with a random upstream gradient: each root is ``out * c`` with ``c`` not 1
or 0, so a rule that ignores ``out.grad`` cannot pass by luck. They shrink to few nodes and
simple numbers.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import Dict, List, Optional, Sequence, Tuple

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from micrograd.ops import OPERATIONS
from micrograd.program import BUILDS, COURSE_OPS, OPS, Const, Op, Program, float_forward
from micrograd.strategies._build import BOUND, Builder, Recipe

__all__ = [
    "EXPONENTS",
    "constants",
    "leaf_values",
    "local_programs",
    "programs",
    "root_scales",
]

#: constant exponents of ``**``, simplest first: integers (any base) and fractions (positive bases)
EXPONENTS: Tuple[float, ...] = OPERATIONS["pow"].drawn

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
    ops: Collection[str] = COURSE_OPS,
    roots: int = 1,
    constants: str = "right",
    seed_roots: bool = True,
    elements: Optional[st.SearchStrategy[float]] = None,
    build: str = "student",
) -> st.SearchStrategy[Program]:
    """Programs with ``min_leaves``..``max_leaves`` leaves and up to ``max_ops`` operations of
    the kinds in ``ops`` (the first kind is the one shrinking prefers; default: the default course's, without
    the optional operations), plus one ``* c`` per root.

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
def _local(draw: st.DrawFn, max_leaves: int, max_ops: int, kinds: Tuple[str, ...], recipes: st.SearchStrategy[Recipe],
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
        first = OPERATIONS[kinds[0]]
        op = Op(kinds[0], (0,)) if first.arity == 1 else Op(kinds[0], (0, Const(2 if first.numbers else 2.0)))
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
    operation = OPERATIONS[recipe.kind]
    binary_nodes = operation.arity == 2 and not operation.numbers and recipe.const is None
    if binary_nodes and n < 2:
        return None
    start = n - 1 - recipe.first % n
    for step in range(n):
        a = free[(start - step) % n]
        if binary_nodes:
            others = [x for x in free if x != a]
            b = others[-1 - (recipe.second or 0) % len(others)]
            op = Op(recipe.kind, (a, b))
        elif operation.arity == 1:
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
    # the operands a correct engine takes only as plain numbers (the exponent of **): drawn from the table's list
    numbers = {kind: st.sampled_from(OPERATIONS[kind].drawn) for kind in kinds if OPERATIONS[kind].numbers}

    return _recipe(kind_strategy, offsets, modes, numbers, constant_mode)


@st.composite  # at module level: Hypothesis reads a composite's source when it is made (once, not per strategy)
def _recipe(draw: st.DrawFn, kind_strategy: st.SearchStrategy[str], offsets: st.SearchStrategy[int],
            modes: st.SearchStrategy[str], numbers: Dict[str, st.SearchStrategy[float]], constant_mode: str) -> Recipe:
    kind = draw(kind_strategy)
    first = draw(offsets)
    if OPERATIONS[kind].arity == 1:
        return Recipe(kind, first)
    if kind in numbers:
        return Recipe(kind, first, const=Const(draw(numbers[kind])))
    mode = draw(modes)
    if mode == "same":
        return Recipe(kind, first)
    if mode == "node":
        return Recipe(kind, first, second=draw(offsets))
    left = constant_mode == "left" or (constant_mode == "both" and draw(st.booleans()))
    return Recipe(kind, first, const=Const(draw(_constants_for(kind))), const_left=left)


def _constants_for(kind: str) -> st.SearchStrategy[float]:
    return _DIVISORS if OPERATIONS[kind].pole is not None else _CONSTANTS


@st.composite
def _programs(
    draw: st.DrawFn,
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
    combiner = next((k for k in ("add", *kinds) if k in kinds and OPERATIONS[k].arity == 2
                     and not OPERATIONS[k].numbers), None)
    if last is None or combiner is None:
        return last
    first_op = len(builder.leaves)
    used = {ref for op in builder.ops for ref in op.refs}
    for node in [n for n in candidates if n >= first_op and n not in used and n != last]:
        joined = builder.try_op(Op(combiner, (last, node)))
        if joined is not None:
            last = joined
    return last


def _check_int(name: str, value: object, minimum: int, minimum_name: str = "") -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgument(f"{name}={value!r} must be an int")
    if value < minimum:
        bound = f"{minimum_name}={minimum}" if minimum_name else str(minimum)
        raise InvalidArgument(f"{name}={value!r} must be at least {bound}")


def _check_number(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InvalidArgument(f"{name}={value!r} must be a finite number")


def _check_ops(ops: object) -> Tuple[str, ...]:
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
