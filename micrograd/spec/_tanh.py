"""Exercise tanh: ``a.tanh()``, forward and backward, also for inputs large enough to overflow exp."""

from hypothesis import strategies as st

from micrograd.impl import Evaluator
from micrograd.oracles import Oracle
from micrograd.program import Op, Program
from micrograd.spec._registry import spec_property
from micrograd.strategies import leaf_values, local_programs
from micrograd.verdict import check_program

# Beyond |x| = 355, math.exp(2 * x) overflows: an engine computing tanh from exp must not
# (tanh(400) is 1.0, and its derivative 0).
LARGE = st.one_of(leaf_values(min_value=355.5, max_value=1000.0), leaf_values(min_value=-1000.0, max_value=-355.5))


@spec_property("tanh", program=local_programs(ops=("tanh",)))
def test_tanh_matches_the_oracle(impl: Evaluator, oracle: Oracle, program: Program) -> None:
    check_program(impl, oracle, program, exercise="tanh")


@spec_property(
    "tanh",
    program=local_programs(ops=("tanh",), max_leaves=2, max_ops=2, elements=LARGE),
    examples=[
        {"program": Program((400.0,), (Op("tanh", (0,)),), (1,), backward="kit", seeds=(2.0,))},
        {"program": Program((-400.0,), (Op("tanh", (0,)),), (1,), backward="kit", seeds=(2.0,))},
    ],
)
def test_tanh_of_large_inputs_saturates_without_overflow(impl: Evaluator, oracle: Oracle, program: Program) -> None:
    check_program(impl, oracle, program, exercise="tanh")
