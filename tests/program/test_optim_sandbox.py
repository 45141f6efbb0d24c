"""The cross-entropy and AdamW requests cross the sandbox's pipe: same outcomes as in-process."""

from __future__ import annotations

from autograder.sandbox import SandboxEvaluator
from micrograd.impl import LocalEvaluator, exercises_dir, reference_dir
from micrograd.program import AdamWOutcome, AdamWProgram, CrossEntropyOutcome, CrossEntropyProgram
from micrograd.sandbox._protocol import kinds

REQUESTS = [
    CrossEntropyProgram((1.0, -2.0, 0.5), 2),
    CrossEntropyProgram((1000.0, 999.5), 0),
    AdamWProgram((1.0, -2.0), ((0.5, -0.25), (0.1, 0.3)), lr=0.1, eps=1e-3, weight_decay=0.1),
]


def test_the_protocol_knows_both_kinds():
    assert kinds()["cross_entropy"] == (CrossEntropyProgram, CrossEntropyOutcome)
    assert kinds()["adamw"] == (AdamWProgram, AdamWOutcome)


def test_requests_give_the_same_outcomes_in_the_sandbox():
    local = LocalEvaluator(reference_dir())
    with SandboxEvaluator(reference_dir()) as sandbox:
        for request in REQUESTS:
            got = sandbox.evaluate(request)
            assert type(got) is type(local.evaluate(request))
            assert got == local.evaluate(request)
            assert got.ok


def test_the_stubs_raise_not_implemented_in_the_sandbox():
    with SandboxEvaluator(exercises_dir()) as sandbox:
        for request in REQUESTS:
            got = sandbox.evaluate(request)
            assert got.error is not None and got.error.type == "NotImplementedError", got
