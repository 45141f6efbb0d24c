"""Exercise cross_entropy: ``nn.cross_entropy(logits, target)``, its value and its gradient.

Judged by the exact formula (always; ``micrograd check`` and the grader use it) and, under pytest,
also by ``torch.nn.functional.cross_entropy`` (float64) where torch is installed. Large logits must
not overflow: subtract the largest one before exp.
"""

from micrograd.impl import Evaluator
from micrograd.oracles import Oracle
from micrograd.program import CrossEntropyProgram
from micrograd.spec._registry import spec_property
from micrograd.strategies import cross_entropy_programs
from micrograd.verdict import CROSS_ENTROPY_HINTS, check_cross_entropy_program


# the exact formula and PyTorch judge this request; JAX and finite differences have no cross-entropy oracle
@spec_property(
    "cross_entropy",
    oracles=("exact", "torch"),
    program=cross_entropy_programs(max_classes=8),
    examples=[{"program": CrossEntropyProgram((0.0, 0.0), 0)}, {"program": CrossEntropyProgram((1.0, 2.0, 3.0), 2)}],
)
def test_cross_entropy_is_minus_log_softmax_and_its_gradient_softmax_minus_one_hot(
    impl: Evaluator, oracle: Oracle, program: CrossEntropyProgram
) -> None:
    check_cross_entropy_program(
        impl,
        program,
        oracle=oracle.name,
        summary="the loss should be -log(softmax(logits)[target]) and logits[i].grad softmax_i - (i == target)",
        hint="p = exp(l[target]) / sum(exp(l) for l in logits) and the loss is -log(p); build it from Value "
        "operations (exp, sum, /, log, -) so backward() reaches every logit",
    )


@spec_property(
    "cross_entropy",
    program=cross_entropy_programs(large=True),
    examples=[{"program": CrossEntropyProgram((1000.0, 990.0, 1001.0), 0)},
              {"program": CrossEntropyProgram((-1000.0, -990.0), 1)}],
)
def test_cross_entropy_of_large_logits_does_not_overflow(impl: Evaluator, program: CrossEntropyProgram) -> None:
    check_cross_entropy_program(
        impl,
        program,
        summary="large logits (|l| > 709, where exp overflows) should give the same finite loss and grads",
        hint=CROSS_ENTROPY_HINTS["overflow"],
    )
