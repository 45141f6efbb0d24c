"""Every oracle agrees with the table of operations on every operation, forward and local derivative,
over the operation's domain (what the strategies may draw).

The exact oracle computes with the table's forward and derivatives, finite differences with its
forward only, PyTorch and JAX with the library functions the table names: so a wrong derivative in
the table is caught by finite differences, a wrong forward by PyTorch and JAX (both shown below).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Callable, List, Sequence, Tuple

import pytest
from hypothesis import given
from hypothesis import strategies as st

from micrograd.ops import OPERATIONS, Operation
from micrograd.oracles import ORACLE_NAMES, Oracle, get_oracle, oracle_skip_reason
from micrograd.program import Const, Op, Program
from micrograd.strategies._build import _in_domain
from micrograd.verdict import tolerance_for

#: (operation, reflected): every method of every operation
METHODS = [(name, False) for name in OPERATIONS] + [(name, True) for name, op in OPERATIONS.items() if op.reflected]


def _oracle(name: str) -> Oracle:
    reason = oracle_skip_reason(name)
    if reason is not None:
        pytest.skip(f"oracle {name}: {reason}")
    return get_oracle(name)


@st.composite
def operands(draw: st.DrawFn, operation: Operation) -> Tuple[float, ...]:
    """Operands inside the operation's domain: the strategies' own test (pole, kinks, domain), numbers-only
    operands from the table's list."""
    values = st.floats(-4, 4).map(lambda x: round(x, 3))
    args = tuple(draw(st.sampled_from(operation.drawn)) if i in operation.numbers else draw(values)
                 for i in range(operation.arity))
    if not _in_domain(operation.name, args, relu_zero=False):
        return draw(st.sampled_from(operation.samples))
    return args


def _program(operation: Operation, args: Sequence[float], reflected: bool, seed: float) -> Tuple[Program, List[int]]:
    """The operation on its own, its node operands as leaves (a reflected call: the first one a number),
    backpropagated from out.grad ``seed``; and the operand position of each leaf."""
    leaves: List[float] = []
    positions: List[int] = []
    refs: List[object] = []
    for i, value in enumerate(args):
        if i in operation.numbers or (reflected and i == 0):
            refs.append(Const(value))
        else:
            refs.append(len(leaves))
            positions.append(i)
            leaves.append(value)
    program = Program(tuple(leaves), (Op(operation.name, tuple(refs)),), (len(leaves),), backward="kit", seeds=(seed,))
    return program, positions


def disagreements(oracle: Oracle, operation: Operation, args: Sequence[float], reflected: bool,
                  seed: float) -> List[str]:
    """Where ``oracle`` differs from the table's forward and local derivatives on ``args``."""
    program, positions = _program(operation, args, reflected, seed)
    outcome = oracle.evaluate(program)
    if outcome.error is not None:
        return [f"{oracle.name} raised {outcome.error} where the table computes {operation.name}{tuple(args)}"]
    data_tolerance, grad_tolerance = tolerance_for(oracle)
    out = float(operation.forward(*args))
    found = []
    if not data_tolerance.close(out, outcome.data[-1]):
        found.append(f"{oracle.name}: {operation.name}{tuple(args)} is {outcome.data[-1]}, the table says {out}")
    for leaf, position in enumerate(positions):
        expected = seed * float(operation.derivatives[position](*args, out))
        got = outcome.grad[leaf]
        if got is not None and not grad_tolerance.close(expected, got, abs(expected)):
            found.append(f"{oracle.name}: d {operation.name}{tuple(args)} / d operand {position} times {seed} is "
                         f"{got}, the table says {expected}")
    return found


@pytest.mark.parametrize("oracle_name", ORACLE_NAMES)
@pytest.mark.parametrize(("name", "reflected"), METHODS, ids=[f"{n}{'-reflected' if r else ''}" for n, r in METHODS])
@given(data=st.data())
def test_every_oracle_agrees_with_the_table(oracle_name: str, name: str, reflected: bool, data: st.DataObject) -> None:
    oracle = _oracle(oracle_name)
    operation = OPERATIONS[name]
    args = data.draw(operands(operation), label="operands")
    seed = data.draw(st.sampled_from((1.0, -1.5, 2.0)), label="out.grad")
    assert disagreements(oracle, operation, args, reflected, seed) == []


def _wrong(monkeypatch: pytest.MonkeyPatch, name: str, **changes: Callable[..., object]) -> Operation:
    """Put a wrong entry in the table itself, for the rest of the test."""
    wrong = dataclasses.replace(OPERATIONS[name], **changes)
    monkeypatch.setitem(OPERATIONS, name, wrong)
    return wrong


def test_a_wrong_derivative_in_the_table_is_caught_by_finite_differences(monkeypatch: pytest.MonkeyPatch) -> None:
    assert disagreements(get_oracle("fd"), OPERATIONS["tanh"], (0.5,), False, 2.0) == []
    wrong = _wrong(monkeypatch, "tanh", derivatives=(lambda a, out: 1 - out,))
    assert disagreements(get_oracle("exact"), wrong, (0.5,), False, 2.0) == []  # it computes with the table
    assert disagreements(get_oracle("fd"), wrong, (0.5,), False, 2.0) != []  # it differentiates the forward
    wrong = _wrong(monkeypatch, "div", derivatives=(OPERATIONS["div"].derivatives[0], lambda a, b, out: a / b**2))
    assert any("operand 1" in d for d in disagreements(get_oracle("fd"), wrong, (1.5, -2.5), True, 1.0))


@pytest.mark.parametrize("oracle_name", ["torch", "jax"])
def test_a_wrong_forward_in_the_table_is_caught_by_torch_and_jax(monkeypatch: pytest.MonkeyPatch,
                                                                 oracle_name: str) -> None:
    oracle = _oracle(oracle_name)
    assert disagreements(oracle, OPERATIONS["exp"], (0.7,), False, 1.0) == []
    wrong = _wrong(monkeypatch, "exp", forward=lambda a: math.exp(a) + 1e-6)
    assert disagreements(get_oracle("exact"), wrong, (0.7,), False, 1.0) == []  # it computes with the table
    assert any("the table says" in d for d in disagreements(oracle, wrong, (0.7,), False, 1.0))


TOTAL = [name for name, op in OPERATIONS.items() if op.total]


def _forms(form: object) -> List[str]:
    """The operations a ``built_from`` form is made of."""
    if not isinstance(form, tuple):
        return []
    return [str(form[0])] + [kind for part in form[1:] for kind in _forms(part)]


def test_total_operations_are_built_from_total_operations() -> None:
    assert TOTAL and set(TOTAL) != set(OPERATIONS)  # the table says both kinds
    for name in TOTAL:
        operation = OPERATIONS[name]
        for kind in _forms(operation.built_from) + _forms(operation.reflected_from):
            assert OPERATIONS[kind].total, (name, kind)


@pytest.mark.parametrize("name", TOTAL)
@given(data=st.data())
def test_a_total_operation_never_raises_on_a_float(name: str, data: st.DataObject) -> None:
    """What the exact oracle's shortcut relies on (a program of total operations cannot fail in a correct
    engine): any float, huge, tiny, infinite or nan, gives a value and derivatives, never an error."""
    operation = OPERATIONS[name]
    args = data.draw(st.tuples(*[st.floats(allow_nan=True, allow_infinity=True)] * operation.arity))
    out = operation.forward(*args)
    assert isinstance(out, float)
    for derivative in operation.derivatives:
        assert isinstance(derivative(*args, out), float)


def test_the_shortcut_gives_the_same_failure_as_simulating_the_engine() -> None:
    """engine_failure skips programs of total operations; every other program is still simulated: a huge
    integer factor (not a float) still fails as Python fails on it."""
    from micrograd.oracles import engine_failure

    chain = Program((1.5, -2.0), (Op("mul", (0, 1)), Op("add", (2, Const(1e308))), Op("tanh", (3,))))
    assert engine_failure(chain) is None
    huge = Program((1.5,), (Op("mul", (0, Const(10**400))),))
    failure = engine_failure(huge)
    assert failure is not None and failure.type == "OverflowError"
