"""Exercise accumulation: a node used twice (``a + a``, ``a * a``, diamonds) gets both contributions."""

import pytest
from hypothesis import given

from micrograd.strategies import leaf_values, programs
from micrograd.verdict import check_accumulation, check_program

# The operations upstream micrograd has too, so its engine (no tanh, exp, log) is judged here.
KINDS = ("add", "mul", "sub", "neg", "div", "pow", "relu")


# Each implemented operation on its own: from a grad already there, _backward must add (+=).
# Judged against the implementation's own rule, so it needs no other exercise.
@pytest.mark.exercise("accumulation")
@pytest.mark.needs()
def test_every_backward_adds_to_the_grad_already_there(impl):
    check_accumulation(impl)


# Every operation together, with your backward(), over at most two leaves, so nodes are reused.
@pytest.mark.exercise("accumulation")
@given(program=programs(ops=KINDS, max_leaves=2, max_ops=8, elements=leaf_values(min_value=-2.0, max_value=3.0)))
def test_node_used_twice_receives_both_contributions(impl, oracle, program):
    check_program(impl, oracle, program, exercise="accumulation")
