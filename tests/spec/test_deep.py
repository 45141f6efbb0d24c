"""Exercise deep: backward() without recursion, on a chain of 100,000 nodes the kit makes, then on a
chain of 2000 of your own operations (+, -, *), both deeper than Python's default recursion limit (1000)."""

import pytest
from hypothesis import Phase, given, settings

from micrograd.strategies import deep_programs
from micrograd.verdict import DEEP_PROBE, check_deep_chain, check_program

# Each example builds and backpropagates 2000 nodes per evaluator, so: a few examples, and
# no shrinking (the chain already prints as a short loop).
FEW = max(2, settings().max_examples // 25)


# A chain of 100,000 nodes made by the kit, with Python's default recursion limit: a recursive
# topological sort fails, also one that raises the limit (which would make Python crash on deeper
# graphs). It runs in a child process, where a crash is survivable.
@pytest.mark.exercise("deep")
@pytest.mark.needs("backward")
def test_backward_handles_a_chain_of_100000_nodes(impl):
    try:
        got = impl.evaluate(DEEP_PROBE)
    except TypeError as error:  # an evaluator that cannot send this request (an older sandbox)
        pytest.skip(f"this evaluator cannot run the deep chain: {error}")
    check_deep_chain(DEEP_PROBE, got)


@pytest.mark.exercise("deep")
@settings(max_examples=FEW, phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(program=deep_programs(depth=2000))
def test_deep_chain_backpropagates_without_recursion_error(impl, oracle, program):
    check_program(impl, oracle, program, exercise="deep")
