"""Exercise deep: backward() without recursion, on a chain of 100,000 nodes the kit makes, then on a
chain of 2000 of your own operations (+, -, *), both deeper than Python's default recursion limit (1000)."""

from micrograd.impl import Evaluator
from micrograd.oracles import Oracle
from micrograd.program import Program
from micrograd.spec._registry import skip, spec_property
from micrograd.strategies import deep_programs
from micrograd.verdict import DEEP_PROBE, check_deep_chain, check_program


# A chain of 100,000 nodes made by the kit, with Python's default recursion limit: a recursive
# topological sort fails, also one that raises the limit (which would make Python crash on deeper
# graphs). It runs in a child process, where a crash is survivable.
@spec_property("deep", needs=("backward",))
def test_backward_handles_a_chain_of_100000_nodes(impl: Evaluator) -> None:
    try:
        got = impl.evaluate(DEEP_PROBE)
    except TypeError as error:  # an evaluator that cannot send this request (an older sandbox)
        skip(f"this evaluator cannot run the deep chain: {error}")
    check_deep_chain(DEEP_PROBE, got)


# Each example builds and backpropagates 2000 nodes per evaluator (about a tenth of a whole check's time), and
# every chain is as deep as the next: a recursive sort fails on the first one. So: a few examples (at least 2,
# at most 4), and no shrinking (the chain already prints as a short loop).
@spec_property("deep", max_examples=lambda count: max(2, min(4, count // 2)), shrink=False,
               program=deep_programs(depth=2000))
def test_deep_chain_backpropagates_without_recursion_error(impl: Evaluator, oracle: Oracle, program: Program) -> None:
    check_program(impl, oracle, program, exercise="deep")
