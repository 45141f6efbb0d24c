"""Exercise reflected: a plain number on the left, ``2 + a``, ``2 - a``, ``2 * a``, ``2 / a``."""

import pytest
from hypothesis import given

from micrograd.strategies import local_programs
from micrograd.verdict import check_program


@pytest.mark.exercise("reflected")
@given(program=local_programs(ops=("add", "sub", "mul", "div"), constants="left"))
def test_number_on_the_left_matches_the_oracle(impl, oracle, program):
    check_program(impl, oracle, program, exercise="reflected")
