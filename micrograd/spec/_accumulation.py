"""Exercise accumulation: a node used twice (``a + a``, ``a * a``, diamonds) gets both contributions."""

from micrograd.impl import Evaluator
from micrograd.oracles import Oracle
from micrograd.program import Program
from micrograd.spec._registry import spec_property
from micrograd.strategies import leaf_values, programs
from micrograd.verdict import check_accumulation, check_program

# The operations upstream micrograd has too, so its engine (no tanh, exp, log) is judged here.
KINDS = ("add", "mul", "sub", "neg", "div", "pow", "relu")


# Each implemented operation on its own: from a grad already there, _backward must add (+=).
# Judged against the implementation's own rule, so it needs no other exercise.
@spec_property("accumulation", needs=())
def test_every_backward_adds_to_the_grad_already_there(impl: Evaluator) -> None:
    check_accumulation(impl)


# Every operation together, with your backward(), over at most two leaves, so nodes are reused.
@spec_property(
    "accumulation",
    program=programs(ops=KINDS, max_leaves=2, max_ops=8, elements=leaf_values(min_value=-2.0, max_value=3.0)),
)
def test_node_used_twice_receives_both_contributions(impl: Evaluator, oracle: Oracle, program: Program) -> None:
    check_program(impl, oracle, program, exercise="accumulation")
