"""Exercise mul: ``a * b`` and ``a * 2``, judged on their own (the kit runs every ``_backward``)."""

from micrograd.impl import Evaluator
from micrograd.oracles import Oracle
from micrograd.program import Program
from micrograd.spec._registry import spec_property
from micrograd.strategies import local_programs
from micrograd.verdict import check_program


@spec_property("mul", program=local_programs(ops=("mul",)))
def test_multiplication_matches_the_oracle(impl: Evaluator, oracle: Oracle, program: Program) -> None:
    check_program(impl, oracle, program, exercise="mul")
