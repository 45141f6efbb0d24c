"""The cross-entropy and AdamW requests: plain JSON, validated, runnable anywhere, printable as code."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings

from micrograd.impl import LocalEvaluator, load_implementation, reference_dir
from micrograd.oracles import exact_adamw, exact_cross_entropy
from micrograd.program import (
    AdamWOutcome,
    AdamWProgram,
    AdamWStep,
    CrossEntropyOutcome,
    CrossEntropyProgram,
    Failure,
)
from micrograd.strategies import adamw_programs, cross_entropy_programs
from micrograd.verdict import (
    ADAMW_HINTS,
    CROSS_ENTROPY_HINTS,
    SpecFailure,
    check_adamw_program,
    check_cross_entropy_program,
)

CE = CrossEntropyProgram((1.0, -2.0, 0.5), 2)
ADAMW = AdamWProgram((1.0, -2.0), ((0.5, -0.25), (0.1, 0.3)), lr=0.1, eps=1e-3, weight_decay=0.1)


def _implementation(tmp_path: Path, nn_patch: str = "", *, nn_source: str = "") -> Path:
    """The reference with ``nn_patch`` appended to nn.py (redefining a function or class), or ``nn_source``."""
    (tmp_path / "engine.py").write_text((reference_dir() / "engine.py").read_text())
    nn = nn_source or (reference_dir() / "nn.py").read_text() + "\n" + textwrap.dedent(nn_patch)
    (tmp_path / "nn.py").write_text(nn)
    return tmp_path


# --- serialization -------------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(program=cross_entropy_programs(max_classes=8))
def test_cross_entropy_programs_round_trip_through_json(program):
    assert CrossEntropyProgram.from_json(program.to_json()) == program


@settings(max_examples=30, deadline=None)
@given(program=adamw_programs())
def test_adamw_programs_round_trip_through_json(program):
    assert AdamWProgram.from_json(program.to_json()) == program


def test_outcomes_round_trip_through_json():
    ce = CrossEntropyOutcome(0.5, (0.25, -0.25), Failure("ValueError", "m", "build", None, "nn.py:3 in f"))
    assert CrossEntropyOutcome.from_dict(json.loads(json.dumps(ce.to_dict()))) == ce
    adamw = AdamWOutcome((AdamWStep((1.0, 2.0), 1.0),), Failure("ZeroDivisionError", "", "step", 1))
    assert AdamWOutcome.from_dict(json.loads(json.dumps(adamw.to_dict()))) == adamw


@pytest.mark.parametrize(
    ("data", "complaint"),
    [
        ({"kind": "adamw"}, "not a cross-entropy program"),
        ({"kind": "cross_entropy", "logits": [1.0]}, "missing 'target'"),
        ({"kind": "cross_entropy", "logits": [1.0], "target": 0}, "2 to 64 numbers"),
        ({"kind": "cross_entropy", "logits": [1.0, "2"], "target": 0}, "expected a number, got str"),
        ({"kind": "cross_entropy", "logits": [1.0, 2.0], "target": 2}, "target must be an int from 0 to 1"),
        ({"kind": "cross_entropy", "logits": [1.0, 2.0], "target": True}, "expected an int, got bool"),
        ({"kind": "cross_entropy", "logits": [1.0, 1e400], "target": 0}, "finite numbers"),
        ([1, 2], "a JSON object"),
    ],
)
def test_cross_entropy_from_dict_rejects_bad_data(data, complaint):
    with pytest.raises(ValueError, match=complaint):
        CrossEntropyProgram.from_dict(data)


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"kind": "module"}, "not an AdamW program"),
        ({"grads": [[1.0]]}, "step 0 has 1 grads, but there are 2 parameters"),
        ({"grads": []}, "1 to 64 steps"),
        ({"betas": [0.9]}, "betas holds two numbers"),
        ({"betas": [1.0, 0.9]}, r"in \[0, 1\)"),
        ({"eps": 0.0}, "eps must be positive"),
        ({"lr": float("nan")}, "finite numbers"),
        ({"params": [[1.0]]}, "expected a number, got list"),
    ],
)
def test_adamw_from_dict_rejects_bad_data(change, complaint):
    with pytest.raises(ValueError, match=complaint):
        AdamWProgram.from_dict({**ADAMW.to_dict(), **change})


def test_outcomes_from_dict_reject_bad_types():
    with pytest.raises(ValueError, match="expected a number"):
        CrossEntropyOutcome.from_dict({"kind": "cross_entropy", "loss": "0.5", "grads": []})
    with pytest.raises(ValueError, match="a step is a JSON object"):
        AdamWOutcome.from_dict({"kind": "adamw", "steps": [1]})
    with pytest.raises(ValueError, match="error is a JSON object or null"):
        AdamWOutcome.from_dict({"kind": "adamw", "error": "boom"})


# --- running on implementations ------------------------------------------------------------------


def test_the_reference_agrees_with_the_exact_oracles():
    reference = load_implementation(reference_dir())
    got = CE.run_on_implementation(reference)
    want = exact_cross_entropy(CE)
    assert got.ok and got.loss == pytest.approx(want.loss, rel=1e-14)
    assert got.grads == pytest.approx(want.grads, rel=1e-12)
    steps = ADAMW.run_on_implementation(reference).steps
    assert [s.t for s in steps] == [1.0, 2.0]
    for got_step, want_step in zip(steps, exact_adamw(ADAMW).steps):
        assert got_step.params == pytest.approx(want_step.params, rel=1e-14)


def test_a_missing_function_or_class_is_a_load_failure_naming_it(tmp_path):
    impl = load_implementation(_implementation(tmp_path, nn_source="from .engine import Value\n"))
    ce = CE.run_on_implementation(impl)
    assert ce.error is not None and ce.error.phase == "load"
    assert "does not define a function 'cross_entropy'" in ce.error.message
    adamw = ADAMW.run_on_implementation(impl)
    assert adamw.error is not None and "does not define a class 'AdamW'" in adamw.error.message


def test_what_an_implementation_raises_or_returns_becomes_the_outcomes_error(tmp_path):
    impl = load_implementation(_implementation(tmp_path, """
        def cross_entropy(logits, target):
            return 0.5

        class AdamW(AdamW):
            def step(self):
                self.t += 1
                if self.t == 2:
                    raise RuntimeError("second step")
                for p in self.parameters:
                    p.data = "moved"
    """))
    ce = CE.run_on_implementation(impl)
    assert ce.error is not None and ce.error.type == "TypeError" and "not a Value" in ce.error.message
    adamw = ADAMW.run_on_implementation(impl)
    assert adamw.error is not None and adamw.error.type == "TypeError" and adamw.steps == ()
    assert "a parameter's data is str" in adamw.error.message


def test_the_steps_before_an_exception_are_kept(tmp_path):
    impl = load_implementation(_implementation(tmp_path, """
        _step = AdamW.step

        class AdamW(AdamW):
            def step(self):
                if self.t == 1:
                    raise RuntimeError("second step")
                _step(self)
    """))
    out = ADAMW.run_on_implementation(impl)
    assert len(out.steps) == 1 and out.error is not None
    assert (out.error.type, out.error.message, out.error.phase, out.error.node) == ("RuntimeError", "second step",
                                                                                     "step", 1)
    assert out.error.location.startswith("nn.py:")


@pytest.mark.parametrize("program", [CE, ADAMW], ids=["cross_entropy", "adamw"])
def test_the_snippet_runs_and_prints_what_is_compared(program, tmp_path):
    done = subprocess.run([sys.executable, "-c", program.to_python()], capture_output=True, text=True, timeout=60,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    reference = program.run_on_implementation(load_implementation(reference_dir()))
    if isinstance(program, CrossEntropyProgram):
        assert done.stdout == f"loss {reference.loss}\ngrads {list(reference.grads)}\n"
    else:
        assert done.stdout.splitlines() == [f"t {int(s.t)} data {list(s.params)}" for s in reference.steps]


# --- checks and their hints ----------------------------------------------------------------------


def test_a_correct_implementation_passes_both_checks():
    evaluator = LocalEvaluator(reference_dir())
    assert check_cross_entropy_program(evaluator, CE, summary="s", hint="h").ok
    assert check_adamw_program(evaluator, ADAMW, summary="s", hint="h").ok


def test_a_wrong_answer_that_matches_a_classic_mistake_gets_that_mistakes_hint(tmp_path):
    # an optimizer that decays through the gradient (Adam with L2), written independently of the catalogue
    evaluator = LocalEvaluator(_implementation(tmp_path, """
        import math as _math

        class AdamW(AdamW):
            def step(self):
                self.t += 1
                for i, p in enumerate(self.parameters):
                    g = p.grad + self.weight_decay * p.data
                    self.m[i] = self.beta1 * self.m[i] + (1 - self.beta1) * g
                    self.v[i] = self.beta2 * self.v[i] + (1 - self.beta2) * g * g
                    m_hat = self.m[i] / (1 - self.beta1 ** self.t)
                    v_hat = self.v[i] / (1 - self.beta2 ** self.t)
                    p.data = p.data - self.lr * m_hat / (_math.sqrt(v_hat) + self.eps)
    """))
    with pytest.raises(SpecFailure) as failure:
        check_adamw_program(evaluator, ADAMW, summary="follow AdamW", hint="the default hint")
    assert failure.value.hint == ADAMW_HINTS["coupled_weight_decay"]
    assert failure.value.rows[0][0] == "after step 1: params[0].data"
    assert "optimizer = AdamW(params, lr=0.1" in failure.value.code


def test_an_unrecognized_wrong_answer_gets_the_propertys_hint(tmp_path):
    evaluator = LocalEvaluator(_implementation(tmp_path, """
        def cross_entropy(logits, target):
            return sum(logits) * 0.5
    """))
    with pytest.raises(SpecFailure) as failure:
        check_cross_entropy_program(evaluator, CE, summary="be right", hint="the default hint")
    assert failure.value.hint == "the default hint"
    assert failure.value.summary == "cross_entropy(3 logits, target=2): be right, but it does not"
    assert [row[0] for row in failure.value.rows] == ["loss", "logits[0].grad", "logits[1].grad", "logits[2].grad"]


def test_an_overflow_is_diagnosed_as_a_missing_max_subtraction(tmp_path):
    evaluator = LocalEvaluator(_implementation(tmp_path, """
        def cross_entropy(logits, target):
            ex = [v.exp() for v in logits]
            return -(ex[target] / sum(ex)).log()
    """))
    large = CrossEntropyProgram((1000.0, 999.0), 1)
    with pytest.raises(SpecFailure) as failure:
        check_cross_entropy_program(evaluator, large, summary="s", hint="h")
    assert failure.value.failure is not None and failure.value.failure.type == "OverflowError"
    assert failure.value.hint == CROSS_ENTROPY_HINTS["overflow"]


def test_the_exercise_stubs_are_reported_as_not_started():
    from micrograd.impl import exercises_dir

    evaluator = LocalEvaluator(exercises_dir())
    with pytest.raises(SpecFailure) as failure:
        check_adamw_program(evaluator, ADAMW, summary="s", hint="h")
    assert "replace the `raise NotImplementedError`" in failure.value.hint
    assert "AdamW.step" in failure.value.hint


def test_the_mistake_variants_differ_from_the_right_answer():
    # each diagnosis is only meaningful if its mistake changes the numbers on a typical request
    from micrograd.oracles import ADAMW_MISTAKES, CROSS_ENTROPY_MISTAKES, cross_entropy_mistake

    right = exact_adamw(ADAMW)
    for mistake in ADAMW_MISTAKES:
        assert exact_adamw(ADAMW, mistake) != right, mistake
    for mistake in CROSS_ENTROPY_MISTAKES:
        assert cross_entropy_mistake(CE, mistake) != exact_cross_entropy(CE), mistake
    softmax_target = math.exp(0.5) / (math.e + math.exp(-2) + math.exp(0.5))
    assert math.isclose(exact_cross_entropy(CE).loss, -math.log(softmax_target))
