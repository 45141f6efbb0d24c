"""Exercise mul: ``a * b`` and ``a * 2``; every root is itself ``out * c``."""

import pytest
from hypothesis import given

from micrograd.strategies import programs
from micrograd.verdict import check_program


@pytest.mark.exercise("mul")
@given(program=programs(ops=("mul",), max_ops=6))
def test_multiplication_matches_the_oracle(impl, oracle, program):
    check_program(impl, oracle, program, exercise="mul")
