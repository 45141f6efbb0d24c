"""Exercise div: ``a / b`` and ``a / 2`` (divisors kept away from 0; built from * and **)."""

import pytest
from hypothesis import given

from micrograd.strategies import local_programs
from micrograd.verdict import check_program


@pytest.mark.exercise("div")
@given(program=local_programs(ops=("div",)))
def test_division_matches_the_oracle(impl, oracle, program):
    check_program(impl, oracle, program, exercise="div")
