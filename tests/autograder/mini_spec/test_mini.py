"""A small spec for the autograder's own tests: few properties, few examples, same contract as the kit's."""

from __future__ import annotations

import math

from hypothesis import strategies as st

from micrograd.program import Op, Program, to_python
from micrograd.spec import spec_property
from micrograd.verdict import SpecFailure

numbers = st.floats(-3, 3, allow_nan=False).map(lambda x: round(x, 3))


def _check(exercise: str, program: Program, impl, oracle) -> None:  # type: ignore[no-untyped-def]
    got = impl.evaluate(program)
    want = oracle.evaluate(program)
    code = to_python(program)
    if got.error is not None:
        raise SpecFailure(exercise, f"the engine raised {got.error}", code, failure=got.error)
    rows = []
    for i, (w, g) in enumerate(zip(want.data, got.data)):
        if not math.isclose(w, g, rel_tol=1e-6, abs_tol=1e-9):
            rows.append((f"node {i} data", repr(w), repr(g)))
    for i, (w, g) in enumerate(zip(want.grad, got.grad)):
        if w is not None and not math.isclose(w, g, rel_tol=1e-5, abs_tol=1e-6):
            rows.append((f"node {i} grad", repr(w), repr(g)))
    if rows or len(got.data) != len(want.data):
        raise SpecFailure(exercise, f"{exercise}: values or gradients differ from the oracle", code, rows,
                          hint=f"check Value for {exercise}")


@spec_property("add", x=numbers, y=numbers)
def test_add(impl, oracle, x, y):  # type: ignore[no-untyped-def]
    _check("add", Program((x, y), (Op("add", (0, 1)),), (2,)), impl, oracle)


@spec_property("mul", x=numbers, y=numbers)
def test_mul(impl, oracle, x, y):  # type: ignore[no-untyped-def]
    _check("mul", Program((x, y), (Op("mul", (0, 1)),), (2,)), impl, oracle)


@spec_property("tanh", x=numbers)
def test_tanh(impl, oracle, x):  # type: ignore[no-untyped-def]
    _check("tanh", Program((x,), (Op("tanh", (0,)),), (1,)), impl, oracle)


@spec_property("accumulation", x=numbers)
def test_reuse(impl, oracle, x):  # type: ignore[no-untyped-def]
    _check("accumulation", Program((x,), (Op("mul", (0, 0)), Op("add", (1, 0))), (2,)), impl, oracle)
