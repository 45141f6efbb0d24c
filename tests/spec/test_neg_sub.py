"""Exercise neg_sub: ``-a``, ``a - b`` and ``a - 2`` (built from + and *, which it needs)."""

import pytest
from hypothesis import given

from micrograd.strategies import local_programs
from micrograd.verdict import check_program


@pytest.mark.exercise("neg_sub")
@given(program=local_programs(ops=("sub", "neg")))
def test_negation_and_subtraction_match_the_oracle(impl, oracle, program):
    check_program(impl, oracle, program, exercise="neg_sub")
