"""Exercise exp: ``a.exp()``, forward and backward (arguments kept where exp stays below 1e4)."""

from micrograd.impl import Evaluator
from micrograd.oracles import Oracle
from micrograd.program import Program
from micrograd.spec._registry import spec_property
from micrograd.strategies import local_programs
from micrograd.verdict import check_program


@spec_property("exp", program=local_programs(ops=("exp",)))
def test_exp_matches_the_oracle(impl: Evaluator, oracle: Oracle, program: Program) -> None:
    check_program(impl, oracle, program, exercise="exp")
