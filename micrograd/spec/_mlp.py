"""MLP: layers applied in turn, relu on every layer but the last."""

from hypothesis import assume

from micrograd.impl import Evaluator
from micrograd.oracles import Oracle, expected_module_outcome, graph_module_outcome
from micrograd.program import ModuleProgram
from micrograd.spec._registry import spec_property
from micrograd.strategies import module_programs
from micrograd.verdict import check_module_program


@spec_property("mlp", program=module_programs(kind="mlp", actions=["forward"]))
def test_mlp_output_feeds_each_layer_into_the_next(impl: Evaluator, program: ModuleProgram) -> None:
    check_module_program(
        impl,
        program,
        exercise="mlp",
        fields=("outputs", "loss"),
        summary="mlp(x) should apply self.layers in order, each to the previous layer's output",
        hint="apply the layers in order, first to last: loop over self.layers with x = layer(x) and return "
        "the final x; the last layer is linear (built with nonlin=False), the others use relu",
    )


@spec_property("mlp", program=module_programs(kind="mlp", actions=["forward"]))
def test_mlp_gradients_reach_every_layer(impl: Evaluator, program: ModuleProgram) -> None:
    check_module_program(
        impl,
        program,
        exercise="mlp",
        fields=("grads",),
        summary="after loss.backward(), every parameter of every layer should get its gradient",
        hint="pass the Values themselves from layer to layer (not their .data), so backward() reaches "
        "the first layer too",
    )


@spec_property("mlp", program=module_programs(kind="mlp", loss="sse", actions=["forward"]))
def test_last_mlp_layer_is_linear(impl: Evaluator, program: ModuleProgram) -> None:
    expected = expected_module_outcome(program)
    # only programs where a relu on the last layer would change an output
    assume(any(v < 0 for row in expected.steps[0].outputs for v in row))
    check_module_program(
        impl,
        program,
        exercise="mlp",
        fields=("outputs",),
        summary="the last layer should be linear: mlp(x) can be negative",
        hint="MLP builds its last Layer with nonlin=False; do not apply relu() to the MLP's output, "
        "and let Neuron.__call__ honour self.nonlin",
        expected=expected,
    )


@spec_property("mlp", program=module_programs(kind="mlp", max_inputs=2, max_width=3, actions=["forward"],
                                              min_margin=0.05))
def test_mlp_unrolled_into_a_graph_agrees_with_every_oracle(impl: Evaluator, oracle: Oracle,
                                                            program: ModuleProgram) -> None:
    # the same forward pass and loss as one expression graph, evaluated by a graph oracle
    expected = graph_module_outcome(program, oracle.evaluate(program.to_program()))
    fd = oracle.name == "fd"
    check_module_program(
        impl,
        program,
        exercise="mlp",
        fields=("outputs", "loss", "grads"),
        summary="the outputs, the loss and every parameter's grad should be right",
        hint="mlp(x) is layer(...layer(x)) with relu on every layer but the last; pass Values (not .data) "
        "between layers so backward() reaches every parameter",
        expected=expected,
        rel=1e-6 if fd else 1e-9,
        abs_=1e-8 if fd else 1e-12,
        oracle_name=oracle.name,
    )
