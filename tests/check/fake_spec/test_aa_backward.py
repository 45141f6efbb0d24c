"""A fake property needing no oracle, in a file sorting before test_ops.py, for an exercise after theirs."""

import pytest
from _helpers import numbers
from hypothesis import given

from micrograd.program import Op, Program
from micrograd.verdict import SpecFailure


@pytest.mark.exercise("backward")
@given(x=numbers)
def test_backward_seeds_the_root_with_one(impl, x):
    program = Program((x,), (Op("mul", (0, 0)),), (1,))
    got = impl.evaluate(program)
    if got.error is not None:
        raise SpecFailure("backward", f"your engine raised {got.error}", str(program), failure=got.error)
    if got.grad[1] != 1.0:
        raise SpecFailure(
            "backward",
            "the root's grad is not 1 after backward()",
            str(program),
            [("b.grad", "1.0", repr(got.grad[1]))],
            "backward() must start with self.grad = 1",
        )


@pytest.mark.exercise("accumulation")
@pytest.mark.skipif(True, reason="skipped on purpose")
@given(x=numbers)
def test_always_skipped(impl, x):
    raise AssertionError("a skipif(True) property must not run")
