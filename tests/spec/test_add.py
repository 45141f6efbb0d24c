"""Exercise add: ``a + b`` and ``a + 2``, forward and backward, and grads that start at 0."""

import pytest
from hypothesis import given

from micrograd.program import Outcome
from micrograd.strategies import programs
from micrograd.verdict import check_program, compare_outcomes

# Only + (no `* c` seed, so a broken * cannot fail this exercise): a node reused as both
# operands or through a diamond still gets an upstream grad other than 1.
ADD_ONLY = programs(ops=("add",), seed_roots=False, max_ops=6)


@pytest.mark.exercise("add")
@given(program=ADD_ONLY)
def test_addition_matches_the_oracle(impl, oracle, program):
    check_program(impl, oracle, program, exercise="add")


@pytest.mark.exercise("add")
@given(program=ADD_ONLY)
def test_grad_is_zero_before_backward(impl, program):
    got = impl.evaluate(program)
    zeros = (0.0,) * program.size
    # only grads before backward() are judged here; code that raises (a stub) fails, never passes
    data = got.data if got.ok else zeros
    expected = Outcome(data=data, grad=got.grad if got.ok else zeros, initial_grad=zeros)
    failure = compare_outcomes(program, got, expected, exercise="add")
    if failure is not None:
        raise failure
