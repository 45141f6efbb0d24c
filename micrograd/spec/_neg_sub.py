"""Exercise neg_sub: ``-a``, ``a - b`` and ``a - 2`` (built from + and *, which it needs)."""

from micrograd.impl import Evaluator
from micrograd.oracles import Oracle
from micrograd.program import Program
from micrograd.spec._registry import spec_property
from micrograd.strategies import local_programs
from micrograd.verdict import check_program


@spec_property("neg_sub", program=local_programs(ops=("sub", "neg")))
def test_negation_and_subtraction_match_the_oracle(impl: Evaluator, oracle: Oracle, program: Program) -> None:
    check_program(impl, oracle, program, exercise="neg_sub")
