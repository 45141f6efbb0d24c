"""Exercise pow: ``x ** n`` for int and float constants n; a Value exponent raises, or is differentiated."""

import pytest
from hypothesis import given

from micrograd.strategies import local_programs, value_exponent_programs
from micrograd.verdict import check_program, check_value_exponent


@pytest.mark.exercise("pow")
@given(program=local_programs(ops=("pow",)))
def test_power_with_a_constant_exponent_matches_the_oracle(impl, oracle, program):
    check_program(impl, oracle, program, exercise="pow")


# micrograd supports only number exponents: raising anything is right (TypeError, upstream's assert),
# and so is a superset that differentiates both operands correctly.
@pytest.mark.exercise("pow")
@given(program=value_exponent_programs())
def test_value_exponent_raises_or_is_differentiated(impl, program):
    check_value_exponent(impl, program)
