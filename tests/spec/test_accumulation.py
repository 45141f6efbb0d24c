"""Exercise accumulation: a node used twice (``a + a``, ``a * a``, diamonds) gets both contributions."""

import pytest
from hypothesis import given

from micrograd.program import OPS
from micrograd.strategies import leaf_values, programs
from micrograd.verdict import check_program


# Every operation (each _backward must use +=), over at most two leaves, so nodes are reused.
@pytest.mark.exercise("accumulation")
@given(program=programs(ops=OPS, max_leaves=2, max_ops=8, elements=leaf_values(min_value=-2.0, max_value=3.0)))
def test_node_used_twice_receives_both_contributions(impl, oracle, program):
    check_program(impl, oracle, program, exercise="accumulation")
