"""Exercise deep: a chain of 2000 operations, deeper than Python's default recursion limit (1000)."""

import pytest
from hypothesis import Phase, given, settings

from micrograd.strategies import deep_programs
from micrograd.verdict import check_program

# Each example builds and backpropagates 2000 nodes per evaluator, so: a few examples, and
# no shrinking (a recursive topological sort fails on every chain, whatever its numbers,
# and the chain already prints as a short loop).
FEW = max(2, settings().max_examples // 25)


@pytest.mark.exercise("deep")
@settings(max_examples=FEW, phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(program=deep_programs(depth=2000))
def test_deep_chain_backpropagates_without_recursion_error(impl, oracle, program):
    check_program(impl, oracle, program, exercise="deep")
