"""Exercise relu: ``a.relu()`` away from its kink, and exactly at 0 (relu'(0) = 0)."""

from micrograd.impl import Evaluator
from micrograd.oracles import Oracle
from micrograd.program import Program
from micrograd.spec._registry import spec_property
from micrograd.strategies import local_programs, relu_at_zero_programs
from micrograd.verdict import check_program


@spec_property("relu", program=local_programs(ops=("relu",)))
def test_relu_matches_the_oracle(impl: Evaluator, oracle: Oracle, program: Program) -> None:
    check_program(impl, oracle, program, exercise="relu")


# Finite differences cannot see a derivative at a kink: only the exact, torch and JAX oracles judge relu'(0).
@spec_property("relu", oracles=("exact", "torch", "jax"), program=relu_at_zero_programs())
def test_relu_gradient_at_zero_is_zero(impl: Evaluator, oracle: Oracle, program: Program) -> None:
    check_program(impl, oracle, program, exercise="relu")
