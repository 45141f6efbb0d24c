"""Exercise reflected: a plain number on the left, ``2 + a``, ``2 - a``, ``2 * a``, ``2 / a``."""

from micrograd.impl import Evaluator
from micrograd.oracles import Oracle
from micrograd.program import Program
from micrograd.spec._registry import spec_property
from micrograd.strategies import local_programs
from micrograd.verdict import check_program


@spec_property("reflected", program=local_programs(ops=("add", "sub", "mul", "div"), constants="left"))
def test_number_on_the_left_matches_the_oracle(impl: Evaluator, oracle: Oracle, program: Program) -> None:
    check_program(impl, oracle, program, exercise="reflected")
