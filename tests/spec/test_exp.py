"""Exercise exp: ``a.exp()``, forward and backward (arguments kept where exp stays below 1e4)."""

import pytest
from hypothesis import given

from micrograd.strategies import local_programs
from micrograd.verdict import check_program


@pytest.mark.exercise("exp")
@given(program=local_programs(ops=("exp",)))
def test_exp_matches_the_oracle(impl, oracle, program):
    check_program(impl, oracle, program, exercise="exp")
