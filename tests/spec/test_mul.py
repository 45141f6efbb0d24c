"""Exercise mul: ``a * b`` and ``a * 2``, judged on their own (the kit runs every ``_backward``)."""

import pytest
from hypothesis import given

from micrograd.strategies import local_programs
from micrograd.verdict import check_program


@pytest.mark.exercise("mul")
@given(program=local_programs(ops=("mul",)))
def test_multiplication_matches_the_oracle(impl, oracle, program):
    check_program(impl, oracle, program, exercise="mul")
