"""The oracles on the spec's own program strategies (micrograd.strategies)."""

from __future__ import annotations

import math
from typing import List

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd.impl import LocalEvaluator, reference_dir
from micrograd.oracles import ORACLE_NAMES, FiniteDifferences, Oracle, get_oracle, oracle_skip_reason
from micrograd.program import Program
from micrograd.strategies import deep_programs, programs, relu_at_zero_programs, value_exponent_programs

REFERENCE = LocalEvaluator(reference_dir())


@pytest.fixture(scope="module")
def oracles() -> List[Oracle]:
    return [get_oracle(name) for name in ORACLE_NAMES if oracle_skip_reason(name) is None]


def _agree(x: float, y: float, rel: float, floor: float = 1e-12) -> bool:
    # an absolute 1e-12 covers cancellation (1 - tanh**2 computed two ways near |tanh| = 1)
    return (math.isnan(x) and math.isnan(y)) or abs(x - y) <= rel * max(abs(x), abs(y)) + floor


@given(st.integers(1, 3).flatmap(lambda roots: programs(roots=roots, max_ops=9, constants="both")))
def test_every_oracle_matches_the_reference_on_spec_programs(oracles: List[Oracle], program: Program) -> None:
    expected = REFERENCE.evaluate(program)
    assert expected.ok, expected.error
    for oracle in oracles:
        got = oracle.evaluate(program)
        assert got.ok, (oracle.name, got.error)
        assert all(_agree(x, y, 1e-12) for x, y in zip(got.data, expected.data)), oracle.name
        # FD: two Richardson steps agree to 1e-6, so its error is well below 1e-6 (see docs/oracles.md)
        rel = 1e-6 if oracle.name == "fd" else 1e-9
        # a true 0 comes back from FD as rounding noise of about eps * |f| / step: with the
        # strategies' bound |f| <= 1e4 and the first step 1e-3 that is at most 2.2e-9
        floor = 1e-8 if oracle.name == "fd" else 1e-12
        for g, h in zip(got.grad, expected.grad):
            assert g is None or _agree(g, h, rel, floor), (oracle.name, g, h)


@settings(max_examples=5)
@given(deep_programs(depth=300))
def test_every_oracle_matches_the_reference_on_deep_programs(oracles: List[Oracle], program: Program) -> None:
    expected = REFERENCE.evaluate(program)
    assert expected.ok, expected.error
    leaves = len(program.leaves)
    for oracle in oracles:
        got = oracle.evaluate(program)
        # FD: leaves only above 200 nodes, and None where the chain is too steep for its smallest step
        grads = got.grad if oracle.name != "fd" else got.grad[:leaves]
        assert all(g is None or _agree(g, h, 1e-6) for g, h in zip(grads, expected.grad)), oracle.name
        assert oracle.name == "fd" or None not in got.grad


def _reaches_a_root(program: Program, node: int) -> bool:
    reach = set(program.roots)
    for i, op in reversed(list(program.nodes())):
        if i in reach:
            reach.update(op.refs)
    return node in reach


@given(relu_at_zero_programs())
def test_relu_at_zero_is_slope_zero_for_exact_oracles_and_unknown_for_fd(
    oracles: List[Oracle], program: Program
) -> None:
    expected = REFERENCE.evaluate(program)
    relu_inputs = [op.args[0] for _, op in program.nodes() if op.kind == "relu"]
    for oracle in oracles:
        got = oracle.evaluate(program)
        if isinstance(oracle, FiniteDifferences):
            # any step on a node feeding a relu that sits at 0 crosses the kink: FD says unknown
            zero_inputs = [i for i in relu_inputs if got.data[i] == 0.0]
            assert zero_inputs
            assert all(got.grad[i] is None for i in zero_inputs if _reaches_a_root(program, i))
        else:
            assert all(_agree(g, h, 1e-9) for g, h in zip(got.grad, expected.grad)), oracle.name


@given(value_exponent_programs())
def test_node_exponents_are_the_engine_type_error(oracles: List[Oracle], program: Program) -> None:
    expected = REFERENCE.evaluate(program).error
    assert expected is not None
    for oracle in oracles:
        got = oracle.evaluate(program).error
        assert got is not None and (got.type, got.phase, got.node) == (expected.type, expected.phase, expected.node)
