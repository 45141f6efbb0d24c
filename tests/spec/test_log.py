"""Exercise log: ``a.log()`` of positive numbers (at least 0.1), forward and backward."""

import pytest
from hypothesis import given

from micrograd.strategies import leaf_values, local_programs
from micrograd.verdict import check_program

POSITIVE = leaf_values(min_value=0.1, max_value=4.0)


@pytest.mark.exercise("log")
@given(program=local_programs(ops=("log",), elements=POSITIVE))
def test_log_matches_the_oracle(impl, oracle, program):
    check_program(impl, oracle, program, exercise="log")
