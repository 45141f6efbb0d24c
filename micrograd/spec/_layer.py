"""Layer: nout neurons reading the same inputs; one neuron gives a single Value."""

from micrograd.impl import Evaluator
from micrograd.program import ModuleProgram
from micrograd.spec._registry import spec_property
from micrograd.strategies import module_programs
from micrograd.verdict import check_module_program


@spec_property("layer", program=module_programs(kind="layer", actions=["forward"]))
def test_layer_outputs_are_its_neurons_outputs_in_order(impl: Evaluator, program: ModuleProgram) -> None:
    check_module_program(
        impl,
        program,
        exercise="layer",
        fields=("outputs", "loss"),
        summary="layer(x) should be [n(x) for n in self.neurons], in order",
        hint="call every neuron on the same x and keep the outputs in the order of self.neurons; build each "
        "neuron separately ([Neuron(nin) for _ in range(nout)]; [Neuron(nin)] * nout repeats one neuron)",
    )


@spec_property("layer", program=module_programs(kind="layer", actions=["forward"]))
def test_layer_gradients_reach_every_neuron(impl: Evaluator, program: ModuleProgram) -> None:
    check_module_program(
        impl,
        program,
        exercise="layer",
        fields=("grads",),
        summary="after loss.backward(), every neuron's w and b grads should be right",
        hint="return the neurons' own output Values (not copies, not their .data), so backward() reaches them; "
        "build each neuron separately ([Neuron(nin) for _ in range(nout)]; [Neuron(nin)] * nout shares one "
        "neuron's parameters)",
    )


@spec_property("layer", program=module_programs(kind="layer", outputs=1, actions=["forward"]))
def test_layer_with_one_neuron_returns_a_single_value(impl: Evaluator, program: ModuleProgram) -> None:
    check_module_program(
        impl,
        program,
        exercise="layer",
        fields=("single",),
        summary="a Layer with nout == 1 should return its one output as a Value, not a list",
        hint="return out[0] if len(out) == 1 else out: an MLP ending in one neuron then gives a Value, "
        "on which loss code can call backward()",
    )


@spec_property("layer", program=module_programs(kind="layer", outputs=3, max_width=4, actions=["forward"]))
def test_layer_with_several_neurons_returns_a_list(impl: Evaluator, program: ModuleProgram) -> None:
    check_module_program(
        impl,
        program,
        exercise="layer",
        fields=("single",),
        summary="a Layer with nout > 1 should return a list with one Value per neuron",
        hint="return the list of outputs; only a single neuron's output is unwrapped",
    )
