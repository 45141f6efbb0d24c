"""Exercise pow: ``x ** n`` for int and float constants n; a Value exponent raises, or is differentiated."""

from micrograd.impl import Evaluator
from micrograd.oracles import Oracle
from micrograd.program import Program
from micrograd.spec._registry import spec_property
from micrograd.strategies import local_programs, value_exponent_programs
from micrograd.verdict import check_program, check_value_exponent


@spec_property("pow", program=local_programs(ops=("pow",)))
def test_power_with_a_constant_exponent_matches_the_oracle(impl: Evaluator, oracle: Oracle, program: Program) -> None:
    check_program(impl, oracle, program, exercise="pow")


# micrograd supports only number exponents: raising anything is right (TypeError, upstream's assert),
# and so is a superset that differentiates both operands correctly.
@spec_property("pow", program=value_exponent_programs())
def test_value_exponent_raises_or_is_differentiated(impl: Evaluator, program: Program) -> None:
    check_value_exponent(impl, program)
