"""Training: SGD steps p.data -= lr * p.grad on a whole model, checked step by step against a model of it."""

from micrograd.impl import Evaluator
from micrograd.program import ModuleProgram
from micrograd.spec._registry import spec_property
from micrograd.strategies import module_programs
from micrograd.verdict import check_module_program


@spec_property("training", program=module_programs(kind="mlp", actions=["forward", "step"]))
def test_one_sgd_step_moves_every_parameter_against_its_gradient(impl: Evaluator, program: ModuleProgram) -> None:
    check_module_program(
        impl,
        program,
        exercise="training",
        fields=("params", "grads"),
        summary="one step of p.data -= lr * p.grad over model.parameters() should move every parameter right",
        hint="the step needs the right gradients (MLP forward and backward) and model.parameters() "
        "listing every parameter exactly once",
    )


@spec_property("training", program=module_programs(kind="mlp", max_steps=5))
def test_a_few_sgd_steps_follow_the_same_losses_as_torch(impl: Evaluator, program: ModuleProgram) -> None:
    check_module_program(
        impl,
        program,
        exercise="training",
        fields=("loss", "params", "grads", "outputs"),
        summary="a few rounds of forward, backward, step, zero_grad should give the right losses and parameters",
        hint="each round: compute the loss, call loss.backward(), update p.data -= lr * p.grad for p in "
        "model.parameters(), then model.zero_grad() so the next round starts from zero grads",
    )
