"""Exercise adamw: ``nn.AdamW(...).step()``, step after step, as ``torch.optim.AdamW``.

Judged by AdamW's update written out (always; ``micrograd check`` and the grader use it) and, under
pytest, also by ``torch.optim.AdamW`` (float64) where torch is installed: every parameter's data
after each step, and the step counter ``t``.
"""

from micrograd.impl import Evaluator
from micrograd.oracles import Oracle
from micrograd.program import AdamWProgram
from micrograd.spec._registry import spec_property
from micrograd.strategies import adamw_programs
from micrograd.verdict import check_adamw_program

_HINT = ("each step: t += 1; for each parameter i: m[i] = beta1*m[i] + (1-beta1)*g, v[i] = beta2*v[i] + "
         "(1-beta2)*g**2, m_hat = m[i]/(1 - beta1**t), v_hat = v[i]/(1 - beta2**t), "
         "p.data -= lr * (m_hat / (v_hat**0.5 + eps) + weight_decay * p.data)")


# the written-out update and PyTorch judge this request; JAX and finite differences have no AdamW oracle
@spec_property(
    "adamw",
    oracles=("exact", "torch"),
    program=adamw_programs(max_params=6, max_steps=8),
    examples=[{"program": AdamWProgram((1.0, -2.0), ((0.5, -0.25), (0.1, 0.3)), lr=0.1, eps=0.1, weight_decay=0.1)}],
)
def test_adamw_steps_follow_the_written_out_update(impl: Evaluator, oracle: Oracle, program: AdamWProgram) -> None:
    check_adamw_program(
        impl,
        program,
        oracle=oracle.name,
        summary="after each step, every parameter's data and optimizer.t should follow AdamW's update",
        hint=_HINT,
    )
