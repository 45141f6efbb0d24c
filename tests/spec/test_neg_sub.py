"""Exercise neg_sub: ``-a``, ``a - b`` and ``a - 2``."""

import pytest
from hypothesis import given

from micrograd.strategies import programs
from micrograd.verdict import check_program


@pytest.mark.exercise("neg_sub")
@given(program=programs(ops=("sub", "neg", "mul"), max_ops=6))
def test_negation_and_subtraction_match_the_oracle(impl, oracle, program):
    check_program(impl, oracle, program, exercise="neg_sub")
