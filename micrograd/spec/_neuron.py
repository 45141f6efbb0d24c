"""Neuron: relu(w . x + b), or w . x + b with nonlin=False, checked against a model of the same network."""

from micrograd.impl import Evaluator
from micrograd.program import ModuleProgram
from micrograd.spec._registry import spec_property
from micrograd.strategies import module_programs
from micrograd.verdict import check_module_program


@spec_property("neuron", program=module_programs(kind="neuron", actions=["forward"]))
def test_neuron_output_is_relu_of_weighted_sum_plus_bias(impl: Evaluator, program: ModuleProgram) -> None:
    check_module_program(
        impl,
        program,
        exercise="neuron",
        fields=("outputs", "single", "loss"),
        summary="n(x) should be one Value, relu(w . x + b) (just w . x + b when nonlin=False)",
        hint="start from the bias b, add wi * xi for every weight and input, then apply relu() "
        "only when self.nonlin is True; build it from Value operations so it stays a Value",
    )


@spec_property("neuron", program=module_programs(kind="neuron", nonlin=False, actions=["forward"]))
def test_linear_neuron_applies_no_relu(impl: Evaluator, program: ModuleProgram) -> None:
    check_module_program(
        impl,
        program,
        exercise="neuron",
        fields=("outputs",),
        summary="with nonlin=False, n(x) should be w . x + b, negative values included",
        hint="apply relu() only when self.nonlin is True: the last layer of an MLP is linear",
    )


@spec_property("neuron", program=module_programs(kind="neuron", actions=["forward"]))
def test_neuron_gradients_reach_every_weight_and_the_bias(impl: Evaluator, program: ModuleProgram) -> None:
    check_module_program(
        impl,
        program,
        exercise="neuron",
        fields=("grads",),
        summary="after loss.backward(), every wi.grad and b.grad should be right",
        hint="compute the output only with Value operations on self.w and self.b (no .data, no float()), "
        "so backward() reaches every parameter; a sum must include the bias exactly once",
    )
