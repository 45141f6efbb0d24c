"""Exercise relu: ``a.relu()`` away from its kink, and exactly at 0 (relu'(0) = 0)."""

import pytest
from hypothesis import given

from micrograd.strategies import local_programs, relu_at_zero_programs
from micrograd.verdict import check_program


@pytest.mark.exercise("relu")
@given(program=local_programs(ops=("relu",)))
def test_relu_matches_the_oracle(impl, oracle, program):
    check_program(impl, oracle, program, exercise="relu")


# Finite differences cannot see a derivative at a kink: only the exact, torch and JAX oracles judge relu'(0).
@pytest.mark.exercise("relu")
@pytest.mark.parametrize("oracle", ["exact", "torch", "jax"], indirect=True)
@given(program=relu_at_zero_programs())
def test_relu_gradient_at_zero_is_zero(impl, oracle, program):
    check_program(impl, oracle, program, exercise="relu")
