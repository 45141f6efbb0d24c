"""Exercise div: ``a / b`` and ``a / 2`` (divisors kept away from 0; built from * and **)."""

from micrograd.impl import Evaluator
from micrograd.oracles import Oracle
from micrograd.program import Program
from micrograd.spec._registry import spec_property
from micrograd.strategies import local_programs
from micrograd.verdict import check_program


@spec_property("div", program=local_programs(ops=("div",)))
def test_division_matches_the_oracle(impl: Evaluator, oracle: Oracle, program: Program) -> None:
    check_program(impl, oracle, program, exercise="div")
