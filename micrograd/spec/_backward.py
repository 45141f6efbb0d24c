"""Exercise backward: reverse topological order, each _backward once, the seed, several roots.
Every node is made by the kit (its data and ``_backward`` are trusted), so only ``backward()`` is
judged, and no operation is needed. (Graphs deeper than Python's recursion limit: exercise deep.)"""

from micrograd.impl import Evaluator
from micrograd.oracles import Oracle
from micrograd.program import Program
from micrograd.spec._registry import spec_property
from micrograd.strategies import programs
from micrograd.verdict import check_backward_probes, check_program

KINDS = ("add", "mul", "tanh", "sub", "neg")


# A few graphs chosen by hand, each showing one way to go wrong: no seed, an order that is not
# reversed, a root-first walk, no visited set, a visited set comparing Values by value, a reset.
@spec_property("backward")
def test_backward_passes_the_probe_graphs(impl: Evaluator, oracle: Oracle) -> None:
    check_backward_probes(impl, oracle)


# Up to 10 operations over at most 3 leaves: intermediate nodes feed several others at
# different depths (diamonds), where any order but a topological one goes wrong.
@spec_property("backward", program=programs(ops=KINDS, max_leaves=3, max_ops=10, build="kit"))
def test_backward_follows_topological_order(impl: Evaluator, oracle: Oracle, program: Program) -> None:
    check_program(impl, oracle, program, exercise="backward")


# backward() on two roots whose graphs share only leaves: the leaves' grads add up.
@spec_property("backward", program=programs(ops=KINDS, max_leaves=3, max_ops=8, roots=2, build="kit"))
def test_two_roots_sharing_leaves_add_their_gradients(impl: Evaluator, oracle: Oracle, program: Program) -> None:
    check_program(impl, oracle, program, exercise="backward")
