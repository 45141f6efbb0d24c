"""The batch's plan (autograder.grade.plan_batch): examples generated once, on the reference, and every
submission's requests sent in one message; the same results as grading each submission on its own."""

from __future__ import annotations

import multiprocessing
import pickle
from pathlib import Path
from typing import Any, Dict, List

import pytest
from autograder.grade._profile import grading_hypothesis
from classroom import patched_reference

from autograder import Limits, load_rubric
from autograder.grade import (
    BatchPlan,
    _batch,
    _runner,
    grade_directory,
    make_oracle,
    plan_batch,
    run_property,
    spec_properties,
    spread_order,
)
from autograder.grade._runner import MAX_RESENDS, _Guard
from autograder.rubric import Rubric
from autograder.sandbox import SandboxEvaluator

EXAMPLES = Path(__file__).parents[2] / "examples" / "submissions"
RUBRIC = Path(__file__).parent / "mini_rubric.toml"
LIMITS = Limits(timeout=1.0, budget=20.0)


@pytest.fixture(scope="module")
def rubric() -> Rubric:
    return load_rubric(RUBRIC)


@pytest.fixture(scope="module")
def plan(rubric: Rubric) -> BatchPlan:
    return plan_batch(rubric)


@pytest.fixture(scope="module")
def submissions(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Path]:
    root = tmp_path_factory.mktemp("plan")
    return {
        "correct": EXAMPLES / "correct",
        "buggy": EXAMPLES / "buggy",
        "stubs": patched_reference(root / "stubs", """
            def __mul__(self, other):
                raise NotImplementedError("implement Value.__mul__")
            Value.__mul__ = __mul__
        """),
        "hangs_on_tanh": patched_reference(root / "hangs", """
            _tanh = Value.tanh
            def tanh(self):
                while self.data > 0.5: pass  # one line: the reason names where it spun, the same line in both runs
                return _tanh(self)
            Value.tanh = tanh
        """),
        "dies_in_mul": patched_reference(root / "dies", """
            import os
            _mul = Value.__mul__
            def __mul__(self, other):
                if abs(getattr(other, "data", other)) > 2:
                    os._exit(5)
                return _mul(self, other)
            Value.__mul__ = __mul__
        """),
    }


def _graded(path: Path, rubric: Rubric, plan: Any) -> Any:
    with grading_hypothesis():  # as in a grading worker
        return grade_directory(path, path.name, rubric, LIMITS, make_oracle(), plan=plan)


def _details(result: Any) -> List[Any]:
    return [(p.id, p.status, p.summary, p.code, p.rows, p.hint) for p in result.properties]


def test_every_passing_property_is_planned_with_its_examples_in_order(rubric: Rubric, plan: BatchPlan) -> None:
    assert set(plan.requests) == set(rubric.property_ids) == set(plan.examples)
    assert all(len(plan.examples[pid]) >= 10 for pid in plan.requests)  # the rubric's 15, less rejections
    assert all(len(plan.requests[pid]) == len(plan.examples[pid]) for pid in plan.requests)  # one per example


@pytest.mark.parametrize("name", ["correct", "buggy", "stubs", "hangs_on_tanh", "dies_in_mul"])
def test_grading_with_the_plan_gives_the_results_of_grading_without_it(
        name: str, rubric: Rubric, plan: BatchPlan, submissions: Dict[str, Path]) -> None:
    with_plan = _graded(submissions[name], rubric, plan)
    without = _graded(submissions[name], rubric, None)
    assert (with_plan.status, with_plan.score, with_plan.reason) == (without.status, without.score, without.reason)
    assert _details(with_plan) == _details(without)


_TANH_OFF_ABOVE = """
    _tanh = Value.tanh
    def tanh(self):
        out = _tanh(self)
        if self.data > 0.2:
            out.data += 0.5 if self.data > 1 else {small}
        return out
    Value.tanh = tanh
"""


def test_a_failing_run_is_judged_once_for_every_submission_that_answers_it_alike(
        tmp_path: Path, rubric: Rubric, plan: BatchPlan) -> None:
    # the first recorded example that fails is x = 1.1 (tanh off by 0.5 in both); Hypothesis then shrinks to
    # x = 1.0, where "other" is off by another amount: the same search, until one answer differs
    first = patched_reference(tmp_path / "first", _TANH_OFF_ABOVE.format(small="0.25"))
    copy = patched_reference(tmp_path / "copy", _TANH_OFF_ABOVE.format(small="0.25"))
    other = patched_reference(tmp_path / "other", _TANH_OFF_ABOVE.format(small="0.125"))
    _runner._MEMOS.clear()
    results = {}
    for folder in (first, copy, other):
        with_memo = _graded(folder, rubric, plan)
        results[folder.name] = with_memo
        alone = _graded(folder, rubric, None)
        assert (with_memo.status, with_memo.score) == (alone.status, alone.score)
        assert _details(with_memo) == _details(alone)
    memo = next(iter(_runner._MEMOS.values()))
    assert (memo.checks, memo.hits) == (2, 1)  # the copy's answers were the first's; the other's were not
    tanh = {name: next(p for p in r.properties if p.exercise == "tanh") for name, r in results.items()}
    assert tanh["copy"] == tanh["first"] and tanh["other"].rows != tanh["first"].rows
    assert "0.8865941559557649" in str(tanh["other"].rows)  # tanh(1.0) + 0.125: its own answer, not the first's


def test_the_plan_is_served_from_one_message(rubric: Rubric, plan: BatchPlan) -> None:
    by_id = {p.id: p for p in spec_properties(rubric.spec)}
    properties = [by_id[pid] for pid in rubric.property_ids]
    with SandboxEvaluator(EXAMPLES / "correct", LIMITS) as sandbox:
        sent: List[int] = []
        submit, evaluate = sandbox.submit_pickled, sandbox.evaluate
        sandbox.submit_pickled = lambda groups: sent.append(len(groups)) or submit(groups)  # type: ignore
        sandbox.evaluate = lambda request: pytest.fail(f"asked on its own: {request}")  # type: ignore
        guard = _Guard(sandbox, plan)
        guard.send(properties)
        cache = plan.replay_cache(rubric)
        for i, prop in enumerate(properties):
            guard.begin(prop, properties[i + 1:])
            assert run_property(prop, guard, make_oracle(), rubric.max_examples, replay=cache).status == "passed"
            guard.end()
        sandbox.evaluate = evaluate  # type: ignore
    assert sent == [len(properties)]


class _Gone:
    """A sandbox whose child goes (times out) on every request it is sent: nothing is ever answered."""

    name = "gone"

    def __init__(self) -> None:
        self.sent = 0

    def submit_pickled(self, groups: Any) -> List[int]:
        self.sent += 1
        return list(range(sum(len(g.kinds) for g in groups)))

    def result(self, ticket: int) -> Any:
        return None

    def pending(self, ticket: int) -> bool:
        return False

    def forget(self, tickets: Any) -> None:
        pass


def test_the_plan_is_sent_again_after_the_child_goes_a_few_times_only(rubric: Rubric, plan: BatchPlan) -> None:
    by_id = {p.id: p for p in spec_properties(rubric.spec)}
    properties = [by_id[pid] for pid in rubric.property_ids] * 3
    gone = _Gone()
    guard = _Guard(gone, plan)
    guard.send(properties)
    for i, prop in enumerate(properties):
        guard.begin(prop, properties[i + 1:])
        guard.end()
    assert gone.sent == 1 + MAX_RESENDS and guard.plan is None


def test_a_worker_without_its_plan_grades_all_the_same(rubric: Rubric, monkeypatch: pytest.MonkeyPatch) -> None:
    from hypothesis import settings
    from hypothesis.internal.conjecture import providers

    # this test process is not a worker: put everything back after
    for name in ("_ORACLE", "_PLAN", "_REPLAY", "_IN_WORKER"):
        monkeypatch.setattr(_batch, name, getattr(_batch, name))
    monkeypatch.setattr(providers, "_get_local_constants", providers._get_local_constants)
    profile = settings.get_current_profile_name()
    monkeypatch.setattr(_batch, "PLAN_WAIT", 0.05)
    nothing = multiprocessing.get_context("spawn").Queue()
    try:
        _batch._init_worker(rubric, subreaper=False, plan=nothing)
        assert _batch._PLAN is None
        result = _batch.grade_one(EXAMPLES / "correct", rubric, LIMITS)
    finally:
        settings.load_profile(profile)
    assert result.status == "graded" and result.score == rubric.max_score


def test_the_grading_order_is_shuffled_the_same_way_wherever_the_class_is(tmp_path: Path) -> None:
    names = [f"student_{i:02d}" for i in range(30)]
    here = spread_order([tmp_path / "a" / "class" / n for n in names])
    there = spread_order([Path("/elsewhere/class") / n for n in names])
    assert here == there and sorted(here) == list(range(30)) and here != list(range(30))


def test_a_plan_kept_on_disk_is_the_plan_made_afresh(tmp_path: Path, rubric: Rubric, plan: BatchPlan) -> None:
    first = plan_batch(rubric, cache=tmp_path)
    assert len(list(tmp_path.glob("replay-grading-*.pickle"))) == 1
    again = plan_batch(rubric, cache=tmp_path)
    for made in (first, again):
        assert made.examples == plan.examples and made.requests == plan.requests


def test_only_a_grader_whose_submissions_are_isolated_keeps_its_plan_on_disk(
        tmp_path: Path, rubric: Rubric, monkeypatch: pytest.MonkeyPatch) -> None:
    from autograder.sandbox import choose_isolation

    class Plans(list):  # the queue the workers take the plan from
        put_nowait = list.append

        def close(self) -> None: ...

        def cancel_join_thread(self) -> None: ...

    monkeypatch.setenv("MICROGRAD_CACHE", str(tmp_path))
    for layer in ("none", "auto"):
        isolation = choose_isolation(layer)
        kept = 1 if isolation.layer in ("bwrap", "uid") else 0  # auto: bwrap in CI
        plans = Plans()
        _batch._send_plan(plans, rubric, 2, isolation)
        assert len(plans) == 2 and all(isinstance(pickle.loads(p), BatchPlan) for p in plans), layer
        assert len(list(tmp_path.glob("*.pickle"))) == kept, layer
