"""The three oracles, and the reference engine, agree on randomly generated programs."""

from __future__ import annotations

import math
from typing import Any, List, Optional, Sequence, Set

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from micrograd.impl import LocalEvaluator, reference_dir
from micrograd.oracles import INSTALL_HINT, FiniteDifferences, Oracle, get_oracle, oracle_skip_reason
from micrograd.program import BINARY, UNARY, Const, Op, Outcome, Program

EXPONENTS = (0, 1, 2, 3, -1, -2, 0.5, 1.5, 2.0, -0.5)


@st.composite
def programs(draw: st.DrawFn, max_ops: int = 10) -> Program:
    """Small programs over every op, with one root or several roots that share only leaves.

    Values may leave the domain (log of a negative number, 0 ** -1, ...): then every oracle
    must report the same engine error.
    """
    numbers = st.one_of(
        st.sampled_from([0.0, 1.0, -1.0, 0.5, 2.0]),
        st.floats(-3, 3, allow_nan=False).map(lambda x: round(x, 3)),
        st.integers(-3, 3),
    )
    leaves = draw(st.lists(numbers, min_size=1, max_size=4))
    ops: List[Op] = []
    size = len(leaves)
    for _ in range(draw(st.integers(1, max_ops))):
        kind = draw(st.sampled_from(tuple(BINARY) + UNARY))
        node = st.integers(0, size - 1)
        if kind == "pow":
            args: tuple = (draw(node), Const(draw(st.sampled_from(EXPONENTS))))
        elif kind in BINARY:
            shape = draw(st.sampled_from(["nn", "nc", "cn"]))
            first = Const(draw(numbers)) if shape == "cn" else draw(node)
            second = Const(draw(numbers)) if shape == "nc" else draw(node)
            args = (first, second)
        else:
            args = (draw(node),)
        ops.append(Op(kind, args))
        size += 1
    program = Program(tuple(leaves), tuple(ops), ())
    candidates = draw(st.lists(st.integers(0, size - 1), min_size=1, max_size=3, unique=True))
    return Program(program.leaves, program.ops, tuple(_compatible_roots(program, [size - 1, *candidates])))


def _ancestors(program: Program, node: int) -> Set[int]:
    first = len(program.leaves)
    found, todo = {node}, [node]
    while todo:
        current = todo.pop()
        if current >= first:
            for ref in program.ops[current - first].refs:
                if ref not in found:
                    found.add(ref)
                    todo.append(ref)
    return found


def _compatible_roots(program: Program, candidates: Sequence[int]) -> List[int]:
    """Keep each candidate whose ancestors meet those of the kept ones only in leaves, and not in them."""
    kept: List[int] = []
    taken: Set[int] = set()
    for node in candidates:
        mine = _ancestors(program, node)
        if any(r in mine for r in kept) or node in taken:
            continue
        if any(n >= len(program.leaves) for n in mine & taken):
            continue
        kept.append(node)
        taken |= mine
    return kept


@pytest.fixture(scope="module")
def exact() -> List[Oracle]:
    """The exact oracles installed: the pure-Python one always, torch and JAX when installed."""
    return [get_oracle(name) for name in ("exact", "torch", "jax") if oracle_skip_reason(name) is None]


@given(programs(), st.data())
def test_the_exact_oracle_agrees_with_torch_and_jax_with_seeds_and_preset(program: Program, data: Any) -> None:
    others = [get_oracle(name) for name in ("torch", "jax") if oracle_skip_reason(name) is None]
    if not others:
        pytest.skip(f"neither torch nor jax is installed: {INSTALL_HINT}")
    seeds = tuple(data.draw(st.sampled_from((2.0, -1.5, 0.5))) for _ in program.roots)
    preset = tuple(data.draw(st.sampled_from((0.0, 0.25, -3.0))) for _ in program.leaves)
    program = Program(program.leaves, program.ops, program.roots, backward="kit", seeds=seeds, preset=preset)
    expected = get_oracle("exact").evaluate(program)
    for oracle in others:
        got = oracle.evaluate(program)
        assert _same_error(got, expected), (oracle.name, got.error, expected.error)
        if expected.ok:
            assert all(_close(x, y, 1e-12, 1e-12) for x, y in zip(got.data, expected.data)), oracle.name
            assert all(_close(g, h, 1e-9, 1e-12) for g, h in zip(got.grad, expected.grad)), oracle.name


REFERENCE = LocalEvaluator(reference_dir())
FD = FiniteDifferences()


def _close(x: Optional[float], y: Optional[float], rel: float, absolute: float) -> bool:
    """|x - y| <= rel * max(|x|, |y|) + absolute (NaN agrees only with NaN, infinity only with itself).

    The absolute part is for cancellation: tanh' = 1 - tanh(x)**2 (the engine, torch) and
    (1 - tanh(x)) * (1 + tanh(x)) (JAX) differ by about 1e-16 when tanh(x) is near 1, which
    is a large relative difference when the derivative itself is 1e-7.
    """
    if x is None or y is None:
        return x is None and y is None
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    if math.isinf(x) or math.isinf(y):
        return x == y
    return abs(x - y) <= rel * max(abs(x), abs(y)) + absolute


def _same_error(a: Outcome, b: Outcome) -> bool:
    if a.error is None or b.error is None:
        return a.error is None and b.error is None
    return (a.error.type, a.error.phase, a.error.node) == (b.error.type, b.error.phase, b.error.node)


@given(programs())
def test_exact_oracles_agree_with_the_reference_engine(exact: List[Oracle], program: Program) -> None:
    expected = REFERENCE.evaluate(program)
    for oracle in exact:
        got = oracle.evaluate(program)
        assert _same_error(got, expected), (oracle.name, got.error, expected.error)
        if expected.ok:
            # the reference divides as a * b ** -1 and raises powers in Python: rounding differs
            for i, (x, y) in enumerate(zip(got.data, expected.data)):
                assert _close(x, y, 1e-12, 0.0), (oracle.name, "data", i, x, y)
            for i, (g, h) in enumerate(zip(got.grad, expected.grad)):
                assert _close(g, h, 1e-9, 1e-12), (oracle.name, "grad", i, g, h)


@given(programs())
def test_torch_and_jax_agree_to_rounding(program: Program) -> None:
    for name in ("torch", "jax"):
        reason = oracle_skip_reason(name)
        if reason is not None:
            pytest.skip(reason)
    torch, jax = get_oracle("torch").evaluate(program), get_oracle("jax").evaluate(program)
    assert torch.error == jax.error
    for x, y in zip(torch.data + torch.grad, jax.data + jax.grad):
        assert _close(x, y, 1e-10, 1e-12), (x, y)


@given(programs(max_ops=6))
def test_finite_differences_agree_with_the_exact_oracles(exact: List[Oracle], program: Program) -> None:
    estimate = FD.evaluate(program)
    truth = exact[0].evaluate(program)
    assert _same_error(estimate, truth)
    assume(truth.ok)
    assert estimate.data == pytest.approx(truth.data, rel=1e-12, nan_ok=True)
    known = 0
    for i, (g, t) in enumerate(zip(estimate.grad, truth.grad)):
        if g is None:
            continue
        known += 1
        assert t is not None and math.isfinite(t)
        # FD accepts an estimate when two Richardson steps agree to 1e-6 (error about 1/15 of that)
        assert abs(g - t) <= 1e-6 * max(1.0, abs(t)), (i, g, t)
    assume(known > 0)


def deep_program(size: int) -> Program:
    """A chain of ``size`` operations cycling through every kind, each reading the previous node and a leaf.

    Values stay in range: tanh bounds the chain, and log/pow read 1 + exp(...) > 1.
    """
    ops: List[Op] = []
    previous = 1
    for i in range(size):
        node = 2 + len(ops)
        step = [
            Op("mul", (previous, 0)),
            Op("tanh", (node,)),
            Op("exp", (node + 1,)),
            Op("add", (node + 2, Const(1))),
            Op("log", (node + 3,)),
            Op("pow", (node + 4, Const(-1.5 if i % 2 else 2))),
            Op("div", (node + 5, 1)),
            Op("sub", (Const(0.5), node + 6)),
            Op("relu", (node + 7,)),
            Op("neg", (node + 8,)),
            Op("add", (node + 9, node + 1)),
        ]
        ops.extend(step)
        previous = node + len(step) - 1
        if len(ops) >= size:
            break
    program = Program((0.9, -1.3), tuple(ops), ())
    return Program(program.leaves, program.ops, (program.size - 1,))


@pytest.mark.parametrize("size", [30, 1000])
def test_exact_oracles_agree_with_the_reference_on_deep_programs(exact: List[Oracle], size: int) -> None:
    program = deep_program(size)
    assert program.size >= size and "relu" in program.op_kinds()
    expected = REFERENCE.evaluate(program)
    assert expected.ok and expected.grad[0] != 0.0
    for oracle in exact:
        got = oracle.evaluate(program)
        assert got.ok, got.error
        for x, y in zip(got.data + got.grad, expected.data + expected.grad):
            assert _close(x, y, 1e-9, 1e-12), (oracle.name, x, y)
    estimate = FD.evaluate(program)
    assert estimate.grad[:2] == pytest.approx(expected.grad[:2], rel=1e-6)
    assert (estimate.grad[2] is None) == (program.size > FD.max_nodes)
