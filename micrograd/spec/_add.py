"""Exercise add: ``a + b`` and ``a + 2``, judged on their own (the kit runs every ``_backward``, with
out.grad not 1), and grads that start at 0."""

from micrograd.impl import Evaluator
from micrograd.oracles import Oracle
from micrograd.program import Outcome, Program
from micrograd.spec._registry import spec_property
from micrograd.strategies import local_programs
from micrograd.verdict import check_program, compare_outcomes

# Only +, each node used once (so = or += in _backward does not matter here: accumulation checks it)
ADD_ONLY = local_programs(ops=("add",))


@spec_property("add", program=ADD_ONLY)
def test_addition_matches_the_oracle(impl: Evaluator, oracle: Oracle, program: Program) -> None:
    check_program(impl, oracle, program, exercise="add")


@spec_property("add", program=ADD_ONLY)
def test_grad_is_zero_before_backward(impl: Evaluator, program: Program) -> None:
    got = impl.evaluate(program)
    zeros = (0.0,) * program.size
    # only grads before backward() are judged here; code that raises (a stub) fails, never passes
    data = got.data if got.ok else zeros
    expected = Outcome(data=data, grad=got.grad if got.ok else zeros, initial_grad=zeros)
    failure = compare_outcomes(program, got, expected, exercise="add")
    if failure is not None:
        raise failure
