"""Exercise tanh: ``a.tanh()``, forward and backward."""

import pytest
from hypothesis import given

from micrograd.strategies import programs
from micrograd.verdict import check_program


@pytest.mark.exercise("tanh")
@given(program=programs(ops=("tanh", "add", "mul"), max_ops=6))
def test_tanh_matches_the_oracle(impl, oracle, program):
    check_program(impl, oracle, program, exercise="tanh")
