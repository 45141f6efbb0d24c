"""zero_grad(): every parameter's grad back to 0, so gradients do not leak between steps."""

from dataclasses import replace

from micrograd.impl import Evaluator
from micrograd.program import ModuleOutcome, ModuleProgram
from micrograd.spec._registry import spec_property
from micrograd.strategies import module_programs
from micrograd.verdict import check_module_program


@spec_property("zero_grad", program=module_programs(actions=["forward", "zero_grad"]))
def test_zero_grad_sets_every_parameter_grad_to_zero(impl: Evaluator, program: ModuleProgram) -> None:
    check_module_program(
        impl,
        program,
        exercise="zero_grad",
        fields=("grads",),
        steps=[1],
        summary="after loss.backward() then model.zero_grad(), every parameter's grad should be 0",
        hint="loop over self.parameters() and set p.grad = 0 on each (the Values themselves, "
        "so Neuron, Layer and MLP all work through parameters())",
    )


def _first_backward_again(got: ModuleOutcome) -> ModuleOutcome:
    """The implementation's own outcome, with the second forward pass expected to repeat the first."""
    first = got.steps[0]
    return replace(got, steps=(first, got.steps[1], first))


@spec_property("zero_grad", program=module_programs(actions=["forward", "zero_grad", "forward"]))
def test_backward_twice_with_zero_grad_between_equals_backward_once(impl: Evaluator, program: ModuleProgram) -> None:
    check_module_program(
        impl,
        program,
        exercise="zero_grad",
        fields=("grads", "loss"),
        expected=_first_backward_again,
        oracle_name="your own first backward()",
        steps=[2],
        summary="forward, backward, zero_grad(), forward, backward should leave the same grads as one backward",
        hint="zero_grad() must reset every parameter, in every neuron of every layer; "
        "without it the second backward() adds onto the first",
    )
