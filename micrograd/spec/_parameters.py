"""parameters(): every weight and bias, once, layer by layer, neuron by neuron, w then b."""

from micrograd.impl import Evaluator
from micrograd.program import ModuleProgram
from micrograd.spec._registry import spec_property
from micrograd.strategies import module_programs
from micrograd.verdict import check_module_program

_ORDER = "layer by layer, neuron by neuron, each neuron's w (in order) then its b"


@spec_property("parameters", program=module_programs(kind="neuron", actions=["parameters"]))
def test_neuron_parameters_are_its_weights_then_its_bias(impl: Evaluator, program: ModuleProgram) -> None:
    check_module_program(
        impl,
        program,
        exercise="parameters",
        fields=("order",),
        summary="n.parameters() should be n.w + [n.b]: the weights' own Values, then the bias",
        hint="return self.w + [self.b]: the Value objects themselves (not copies, not numbers), bias last",
    )


@spec_property("parameters", program=module_programs(kind="layer", actions=["parameters"]))
def test_layer_parameters_list_each_neuron_in_turn(impl: Evaluator, program: ModuleProgram) -> None:
    check_module_program(
        impl,
        program,
        exercise="parameters",
        fields=("order",),
        summary="layer.parameters() should list every neuron's parameters, neuron by neuron",
        hint="return [p for n in self.neurons for p in n.parameters()]: a flat list, " + _ORDER,
    )


@spec_property("parameters", program=module_programs(kind="mlp", actions=["parameters"]))
def test_mlp_parameters_list_every_weight_and_bias_in_order(impl: Evaluator, program: ModuleProgram) -> None:
    check_module_program(
        impl,
        program,
        exercise="parameters",
        fields=("order",),
        summary="mlp.parameters() should list every parameter once, " + _ORDER,
        hint="return [p for layer in self.layers for p in layer.parameters()]: a flat list of "
        "nin + 1 Values per neuron, " + _ORDER,
    )


@spec_property("parameters", program=module_programs(actions=["parameters"]))
def test_parameters_count_is_one_weight_per_input_plus_a_bias_per_neuron(impl: Evaluator,
                                                                         program: ModuleProgram) -> None:
    check_module_program(
        impl,
        program,
        exercise="parameters",
        fields=("count",),
        summary=f"len(model.parameters()) should be {program.n_params}: nin + 1 per neuron",
        hint="every neuron contributes len(n.w) weights and one bias; flatten the lists instead of nesting them",
    )
