"""Exercise sigmoid (optional: a rubric switches it on): ``a.sigmoid()``, forward and backward, and its
``_backward`` adds to a grad already there (the accumulation exercise probes the default course's operations)."""

from micrograd.impl import Evaluator
from micrograd.oracles import Oracle
from micrograd.program import Program
from micrograd.spec._registry import spec_property
from micrograd.strategies import local_programs
from micrograd.verdict import check_accumulation, check_program


@spec_property("sigmoid", program=local_programs(ops=("sigmoid",)))
def test_sigmoid_matches_the_oracle(impl: Evaluator, oracle: Oracle, program: Program) -> None:
    check_program(impl, oracle, program, exercise="sigmoid")


@spec_property("sigmoid")
def test_sigmoid_accumulates_its_gradient(impl: Evaluator) -> None:
    check_accumulation(impl, ("sigmoid",), exercise="sigmoid")
