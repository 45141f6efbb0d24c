"""A failure that depends on earlier calls (state kept between calls) is confirmed in a fresh evaluator, and its
counterexample replays the earlier calls it needs, or says plainly that it depends on them (issue 17, item 1a)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any, List, Optional

import pytest

from micrograd.impl import LocalEvaluator
from micrograd.judge import PropertyStatus, property_seed, run_property, settings_for
from micrograd.judge._replay import MAX_REPLAYED, confirm
from micrograd.mutants import CATALOGUE, write_mutant
from micrograd.oracles import get_oracle
from micrograd.spec import Property, kit_spec
from micrograd.verdict import SpecFailure

_MLP_ORDER = "test_mlp_parameters_list_every_weight_and_bias_in_order"
_COUNT = "test_parameters_count_is_one_weight_per_input_plus_a_bias_per_neuron"


def _property(name: str) -> Property:
    return next(p for p in kit_spec().properties if p.id.endswith(name))


class _Fresh:
    """Makes LocalEvaluators of ``path`` (a new load of the code: no state from earlier calls), counting them."""

    def __init__(self, path: Path) -> None:
        self.path, self.made = path, 0

    def __call__(self) -> LocalEvaluator:
        self.made += 1
        return LocalEvaluator(self.path)


def _run(prop: Property, impl: LocalEvaluator, fresh: Optional[_Fresh]) -> Any:
    return run_property(prop, impl, get_oracle("exact"), chosen=settings_for(prop, 30), seed=property_seed(prop),
                        fresh=fresh)


def _got_length(code: str, cwd: Path) -> int:
    """How many parameters the snippet's last ``parameters()`` line lists, run as printed in a fresh Python."""
    done = subprocess.run([sys.executable, "-"], input=code, cwd=cwd, capture_output=True, text=True, timeout=120,
                          check=True)
    listed = [line for line in done.stdout.splitlines() if line.startswith("parameters() ")]
    assert len(listed) == 1, done.stdout  # the earlier calls' output is hidden
    return len(eval(listed[0][len("parameters() "):]))  # a list of ints and None


@pytest.fixture
def mutable_default(tmp_path: Path) -> Path:
    return write_mutant(CATALOGUE["mlp_parameters_mutable_default"], tmp_path / "student")


def test_a_failure_built_on_earlier_calls_prints_a_snippet_that_gives_the_printed_got_in_a_fresh_process(
        mutable_default: Path, tmp_path: Path) -> None:
    from micrograd.impl import student_snippet

    impl = LocalEvaluator(mutable_default)
    fresh = _Fresh(mutable_default)
    assert _run(_property(_COUNT), impl, fresh).status is PropertyStatus.FAILED  # earlier calls fill the default
    result = _run(_property(_MLP_ORDER), impl, fresh)
    assert result.status is PropertyStatus.FAILED
    failure = result.failure
    claimed = next(int(got) for what, _, got in failure.rows if what.endswith("len(model.parameters())"))
    code = student_snippet(failure.code, str(mutable_default))
    assert "replayed first" in code and code.count("# earlier call ") <= MAX_REPLAYED
    assert _got_length(code, tmp_path) == claimed
    assert "between calls" in failure.hint.lower() and "mutable default argument" in failure.hint


def test_without_the_replay_the_snippet_alone_does_not_give_the_got_it_claims(mutable_default: Path,
                                                                               tmp_path: Path) -> None:
    """What the replay is for: the same failure, unconfirmed, claims a got its own snippet does not print."""
    from micrograd.impl import student_snippet

    impl = LocalEvaluator(mutable_default)
    _run(_property(_COUNT), impl, None)
    failure = _run(_property(_MLP_ORDER), impl, None).failure
    claimed = next(int(got) for what, _, got in failure.rows if what.endswith("len(model.parameters())"))
    assert _got_length(student_snippet(failure.code, str(mutable_default)), tmp_path) != claimed


def test_a_passing_property_starts_no_fresh_evaluator(tmp_path: Path) -> None:
    correct = write_mutant(CATALOGUE["mlp_parameters_first_layer_only"], tmp_path / "student")
    fresh = _Fresh(correct)
    result = _run(_property("test_neuron_parameters_are_its_weights_then_its_bias"), LocalEvaluator(correct), fresh)
    assert result.status is PropertyStatus.PASSED and fresh.made == 0


def test_a_failure_that_reproduces_alone_is_reported_as_it_is_after_one_fresh_run(tmp_path: Path) -> None:
    bug = write_mutant(CATALOGUE["mlp_parameters_first_layer_only"], tmp_path / "student")
    fresh = _Fresh(bug)
    confirmed = _run(_property(_MLP_ORDER), LocalEvaluator(bug), fresh)
    plain = _run(_property(_MLP_ORDER), LocalEvaluator(bug), None)
    assert confirmed.status is PropertyStatus.FAILED and fresh.made == 1
    assert confirmed.failure.to_dict() == plain.failure.to_dict()


class _Call:
    def __init__(self, k: int) -> None:
        self.k = k

    def to_python(self) -> str:
        return f"print('call {self.k}')\n"


class _Counting:
    """A fresh evaluator whose state is how many calls it answered."""

    name = "counting"

    def __init__(self) -> None:
        self.calls: List[Any] = []

    def evaluate(self, request: Any) -> Any:
        self.calls.append(request)
        return None


def _needs(n: int) -> Any:
    """A property's body that fails once at least ``n`` calls came before its own."""
    def rerun(evaluator: Any) -> Optional[SpecFailure]:
        before = len(evaluator._inner.calls)
        evaluator.evaluate(_Call(-1))
        if before < n:
            return None
        return SpecFailure("parameters", "it fails", code="print('the call')\n",
                           rows=[("calls before", "0", str(before))], hint="the hint")
    return rerun


def test_when_no_short_replay_reproduces_it_the_report_says_it_depends_on_earlier_calls_and_shows_no_snippet() -> None:
    seen = SpecFailure("parameters", "it fails", code="print('the call')\n", rows=[("calls before", "0", "9")],
                       hint="the hint")
    history = [_Call(k) for k in range(9)]
    instead = confirm(seen, _needs(MAX_REPLAYED + 1), history, _Counting)
    assert instead is not None and instead.code == ""
    assert "only after earlier calls" in instead.summary and "between calls" in instead.hint
    assert instead.rows == seen.rows  # what the check saw, said to depend on earlier calls


def test_the_replay_is_the_fewest_latest_calls_that_reproduce_and_its_got_is_what_they_give() -> None:
    seen = SpecFailure("parameters", "it fails", code="print('the call')\n", rows=[("calls before", "0", "9")])
    history = [_Call(k) for k in range(9)]
    instead = confirm(seen, _needs(2), history, _Counting)
    assert instead is not None
    assert re.findall(r"print\('call (\d)'\)", instead.code) == ["7", "8"]
    assert instead.rows == [("calls before", "0", "2")]
    assert "replayed first" in instead.code and "redirect_stdout" in instead.code


def test_only_each_exercises_first_failure_is_confirmed_in_a_fresh_evaluator(tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The counterexample an exercise shows is its first problem's: the check confirms that one alone, so a bug
    failing several properties of an exercise starts one fresh child for it, not one per property."""
    from micrograd.check import run_check
    from micrograd.judge import _run as judge_run

    confirmed: List[str] = []
    real = judge_run.confirm

    def counting(failure: SpecFailure, *args: Any, **kwargs: Any) -> Optional[SpecFailure]:
        confirmed.append(failure.summary)
        return real(failure, *args, **kwargs)

    monkeypatch.setattr(judge_run, "confirm", counting)
    code = write_mutant(CATALOGUE["root_not_seeded"], tmp_path / "no_seed")
    report = run_check(code)
    failing = [e.exercise for e in report.exercises if str(e.status) == "failing"]
    failed = [r for r in report.properties if str(r.status) == "failed" and r.failure is not None
              and r.failure.failure is None]  # wrong values (a stub or a crash is not confirmed)
    assert failing and len(failed) > len(failing)  # several properties of an exercise fail
    assert 0 < len(confirmed) <= len(failing)


def test_once_a_failure_needed_earlier_calls_every_later_failure_is_confirmed_too() -> None:
    from types import SimpleNamespace

    from micrograd.judge import FirstFailures
    from micrograd.judge._replay import SHARED_STATE

    def fresh() -> Any:
        raise AssertionError("not called here")

    first = FirstFailures(fresh)
    one, two = SimpleNamespace(exercise="parameters"), SimpleNamespace(exercise="parameters")
    assert first.for_property(one) is fresh
    first.saw(SimpleNamespace(status="failed", exercise="parameters", failure=SimpleNamespace(hint="plain")))
    assert first.for_property(two) is None  # the exercise's later failures: not confirmed
    assert first.for_property(SimpleNamespace(exercise="mlp")) is fresh  # another exercise's first: confirmed
    stateful = SimpleNamespace(hint=f"{SHARED_STATE[:1].upper()}{SHARED_STATE[1:]}. plain")
    first.saw(SimpleNamespace(status="failed", exercise="mlp", failure=stateful))
    assert first.for_property(two) is fresh  # code that keeps state: every failure is confirmed from now on
