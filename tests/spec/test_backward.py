"""Exercise backward: reverse topological order, each _backward once, and several roots."""

import pytest
from hypothesis import given

from micrograd.strategies import programs
from micrograd.verdict import check_program


# Up to 10 operations over at most 3 leaves: intermediate nodes feed several others at
# different depths (diamonds), where any order but a topological one goes wrong.
@pytest.mark.exercise("backward")
@given(program=programs(ops=("add", "mul", "tanh"), max_leaves=3, max_ops=10))
def test_backward_follows_topological_order(impl, oracle, program):
    check_program(impl, oracle, program, exercise="backward")


# backward() on two roots whose graphs share only leaves: the leaves' grads add up.
@pytest.mark.exercise("backward")
@given(program=programs(ops=("add", "mul", "tanh"), max_leaves=3, max_ops=8, roots=2))
def test_two_roots_sharing_leaves_add_their_gradients(impl, oracle, program):
    check_program(impl, oracle, program, exercise="backward")
