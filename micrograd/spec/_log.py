"""Exercise log: ``a.log()`` of positive numbers (at least 0.1), forward and backward."""

from micrograd.impl import Evaluator
from micrograd.oracles import Oracle
from micrograd.program import Program
from micrograd.spec._registry import spec_property
from micrograd.strategies import leaf_values, local_programs
from micrograd.verdict import check_program

POSITIVE = leaf_values(min_value=0.1, max_value=4.0)


@spec_property("log", program=local_programs(ops=("log",), elements=POSITIVE))
def test_log_matches_the_oracle(impl: Evaluator, oracle: Oracle, program: Program) -> None:
    check_program(impl, oracle, program, exercise="log")
