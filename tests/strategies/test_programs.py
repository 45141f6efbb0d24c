"""The program strategies: argument checks, safe values, reuse, roots, and shrinking."""

from __future__ import annotations

import math
import re
import shutil

import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.vendor.pretty import pretty

from micrograd.impl import LocalEvaluator, reference_dir
from micrograd.oracles import check_roots
from micrograd.program import OPS, Const, Program, float_forward
from micrograd.strategies import (
    BOUND,
    GAP,
    deep_programs,
    leaf_values,
    programs,
    relu_at_zero_programs,
    value_exponent_programs,
)

FAST = settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize(
    ("call", "bad"),
    [
        (lambda: programs(min_leaves=0), "min_leaves=0"),
        (lambda: programs(min_leaves=3, max_leaves=2), "max_leaves=2"),
        (lambda: programs(max_ops=-1), "max_ops=-1"),
        (lambda: programs(max_ops=2.5), "max_ops=2.5"),
        (lambda: programs(roots=0), "roots=0"),
        (lambda: programs(roots=True), "roots=True"),
        (lambda: programs(ops="add"), "ops='add'"),
        (lambda: programs(ops=()), "ops=()"),
        (lambda: programs(ops=("add", "sqrt")), "'sqrt'"),
        (lambda: programs(constants="middle"), "constants='middle'"),
        (lambda: programs(seed_roots="yes"), "seed_roots='yes'"),
        (lambda: programs(ops=("mul",), seed_roots=False), "seed_roots=False"),
        (lambda: programs(elements=[1.0]), "elements=[1.0]"),
        (lambda: leaf_values(min_value=2, max_value=1), "min_value=2"),
        (lambda: leaf_values(min_value=math.nan), "min_value=nan"),
        (lambda: deep_programs(depth=0), "depth=0"),
        (lambda: relu_at_zero_programs(max_ops=-2), "max_ops=-2"),
    ],
)
def test_bad_arguments_are_rejected_at_once_naming_the_value(call, bad):
    with pytest.raises(InvalidArgument, match=re.escape(bad)):
        call()


def _operands(program, op, values):
    return [a.value if isinstance(a, Const) else values[a] for a in op.args]


def _assert_safe(program: Program) -> None:
    """Every value is finite and bounded, and every op stays GAP away from its singularities."""
    values = float_forward(program)
    roots = set(program.roots)
    for node, value in enumerate(values):
        assert math.isfinite(value)
        assert abs(value) <= (4 * BOUND if node in roots else BOUND), (node, value)
    for _node, op in program.nodes():
        args = _operands(program, op, values)
        if op.kind == "log":
            assert args[0] >= GAP
        elif op.kind == "div":
            assert abs(args[1]) >= GAP
        elif op.kind == "relu":
            assert abs(args[0]) >= GAP
        elif op.kind == "pow":
            base, exponent = args
            assert isinstance(op.args[1], Const)
            if not float(exponent).is_integer():
                assert base >= GAP
            elif exponent < 1:
                assert abs(base) >= GAP


@FAST
@given(program=programs())
def test_every_value_is_finite_bounded_and_away_from_singularities(program):
    _assert_safe(program)


@FAST
@given(program=programs(ops=("log", "div", "pow", "relu"), max_ops=10))
def test_domain_restricted_operations_stay_safe(program):
    _assert_safe(program)


@FAST
@given(data=st.data(), ops=st.lists(st.sampled_from(OPS), min_size=1, max_size=4, unique=True))
def test_only_the_requested_operations_appear_besides_the_root_scaling(data, ops):
    program = data.draw(programs(ops=ops))
    for node, op in program.nodes():
        if node not in program.roots:
            assert op.kind in ops, (op, ops)


@FAST
@given(program=programs(roots=3, max_ops=9))
def test_roots_are_scaled_and_share_only_leaves(program):
    assert len(set(program.roots)) == 3
    check_roots(program)  # raises if two roots share an intermediate node
    for root in program.roots:
        op = program.ops[root - len(program.leaves)]
        assert op.kind == "mul" and isinstance(op.args[1], Const)
        assert op.args[1].value not in (0, 1) and abs(op.args[1].value) >= 0.25


@FAST
@given(program=programs(ops=("add", "sub", "mul", "div"), constants="left"))
def test_left_constants_exercise_the_reflected_operators(program):
    for node, op in program.nodes():
        if node not in program.roots and any(isinstance(a, Const) for a in op.args):
            assert isinstance(op.args[0], Const)


@FAST
@given(program=programs(constants="none"))
def test_no_constants_means_node_operands_only(program):
    for node, op in program.nodes():
        if node not in program.roots and op.kind != "pow":
            assert not any(isinstance(a, Const) for a in op.args)


def test_programs_are_biased_towards_reuse():
    seen = []

    @settings(max_examples=200, deadline=None, database=None)
    @given(programs(max_ops=6))
    def collect(program):
        seen.append(program)

    collect()
    with_ops = [p for p in seen if len(p.ops) > 1]
    reused = [p for p in with_ops if _has_reuse(p)]
    assert len(reused) >= 0.5 * len(with_ops), (len(reused), len(with_ops))


def _has_reuse(program: Program) -> bool:
    uses = [ref for _, op in program.nodes() for ref in op.args if not isinstance(ref, Const)]
    return len(uses) != len(set(uses))


def test_minimal_reused_node_is_a_plus_a():
    program = find(programs(ops=("add", "mul"), seed_roots=False), _has_reuse, settings=settings(database=None))
    assert program.ops[0].args == (0, 0)
    assert len(program.ops) == 1 and program.leaves == (0.0,)


def test_diamonds_are_generated():
    def diamond(program: Program) -> bool:  # a non-leaf node read by two different operations
        first = len(program.leaves)
        readers = {}
        for node, op in program.nodes():
            for ref in set(op.refs):
                readers.setdefault(ref, set()).add(node)
        return any(len(r) >= 2 for n, r in readers.items() if n >= first)

    program = find(programs(ops=("add", "mul")), diamond, settings=settings(database=None, max_examples=500))
    assert len(program.ops) <= 5  # b = f(a), c = g(b), d = h(b, c) or similar, and the root


def test_shrinking_reaches_one_or_two_operations_against_a_broken_engine(tmp_path):
    for file in ("engine.py", "nn.py"):
        shutil.copy(reference_dir() / file, tmp_path / file)
    engine = tmp_path / "engine.py"
    engine.write_text(engine.read_text().replace(".grad += ", ".grad = "))
    broken, reference = LocalEvaluator(tmp_path), LocalEvaluator(reference_dir())

    def differs(program: Program) -> bool:
        return broken.evaluate(program).grad != reference.evaluate(program).grad

    program = find(programs(), differs, settings=settings(database=None, max_examples=1000))
    assert len(program.ops) <= 2, program
    assert all(x == int(x) for x in program.leaves), program  # simple numbers


@settings(max_examples=3, deadline=None, database=None)
@given(program=deep_programs(depth=1500))
def test_deep_programs_are_chains_deeper_than_the_recursion_limit(program):
    assert program.depth() >= 1500
    # only + - * so that an engine lacking tanh/exp/log still meets the deep graph
    assert {op.kind for op in program.ops} <= {"add", "sub", "mul"}
    _assert_safe(program)


@FAST
@given(program=relu_at_zero_programs())
def test_relu_at_zero_programs_put_zero_into_relu(program):
    values = float_forward(program)
    assert any(op.kind == "relu" and values[op.args[0]] == 0 for _, op in program.nodes())


@FAST
@given(program=value_exponent_programs())
def test_value_exponent_programs_raise_a_node_to_a_node(program):
    assert program.uses_value_exponent()
    with pytest.raises(TypeError):
        float_forward(program)


def test_falsifying_examples_print_as_runnable_code():
    program = find(programs(), lambda p: len(p.ops) >= 2, settings=settings(database=None))
    text = pretty(program)
    assert "from micrograd.engine import Value" in text and ".backward()" in text
    namespace: dict = {}
    exec(text.replace("from micrograd.engine import Value", ""), {"Value": _value_class(), **namespace})


def _value_class():
    from micrograd.impl import load_implementation

    return load_implementation(reference_dir()).Value
