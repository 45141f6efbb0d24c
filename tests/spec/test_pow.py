"""Exercise pow: ``x ** n`` for int and float constants n, and TypeError for a Value exponent."""

import pytest
from hypothesis import given

from micrograd.program import Failure, Outcome
from micrograd.strategies import programs, value_exponent_programs
from micrograd.verdict import check_program, compare_outcomes


@pytest.mark.exercise("pow")
@given(program=programs(ops=("pow", "mul"), max_ops=6))
def test_power_with_a_constant_exponent_matches_the_oracle(impl, oracle, program):
    check_program(impl, oracle, program, exercise="pow")


@pytest.mark.exercise("pow")
@given(program=value_exponent_programs())
def test_value_exponent_raises_type_error(impl, program):
    node = next(n for n, op in program.nodes() if op.kind == "pow")
    expected = Outcome(error=Failure("TypeError", "the exponent must be an int or a float", "build", node))
    failure = compare_outcomes(program, impl.evaluate(program), expected, exercise="pow")
    if failure is not None:
        raise failure
