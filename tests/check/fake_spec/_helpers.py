"""Shared code of the fake spec, imported the way pytest's default import mode allows."""

from __future__ import annotations

import math

from hypothesis import strategies as st

from micrograd.program import Const, Op, Program, node_name, to_python
from micrograd.verdict import SpecFailure

numbers = st.floats(min_value=-4, max_value=4, allow_nan=False).filter(lambda x: abs(x) > 0.1)


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def binary(kind: str, x: float, y: float, *, const: bool = False) -> Program:
    """``c = a <kind> b`` (or ``b = a <kind> y`` with a constant), then ``(c * 1.5).backward()``."""
    if const:
        return Program((x,), (Op(kind, (0, Const(y))), Op("mul", (1, Const(1.5)))), (2,))
    return Program((x, y), (Op(kind, (0, 1)), Op("mul", (2, Const(1.5)))), (3,))


def compare(exercise: str, program: Program, impl, oracle, hint: str) -> None:
    """Raise SpecFailure unless the implementation's data and grads match the oracle's."""
    got = impl.evaluate(program)
    want = oracle.evaluate(program)
    code = to_python(program)
    if got.error is not None:
        raise SpecFailure(exercise, f"your engine raised {got.error}", code, hint=hint, failure=got.error)
    rows = []
    for i in range(program.size):
        if not close(got.data[i], want.data[i]):
            rows.append((f"{node_name(i)}.data", repr(want.data[i]), repr(got.data[i])))
        if want.grad[i] is not None and not close(got.grad[i], want.grad[i]):
            rows.append((f"{node_name(i)}.grad", repr(want.grad[i]), repr(got.grad[i])))
    if rows:
        raise SpecFailure(exercise, f"{len(rows)} value(s) differ from the {oracle.name} oracle", code, rows, hint)
