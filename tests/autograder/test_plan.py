"""The batch's plan (autograder.grade.plan_batch): the exam's requests recorded once, on the reference, and every
submission's requests sent in one message; the same results as grading each submission on its own. The plan
travels to the workers as JSON (never a pickle), validated when read."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path
from typing import Any, Dict, List

import pytest
from classroom import patched_reference

from autograder import Limits, load_rubric
from autograder.grade import (
    BatchPlan,
    _batch,
    _runner,
    grade_directory,
    grading_exam,
    make_oracle,
    plan_batch,
    run_property,
    spec_properties,
    spread_order,
)
from autograder.grade._guard import MAX_RESENDS, Guard
from autograder.rubric import Rubric
from autograder.sandbox import SandboxEvaluator
from micrograd.judge import Exam, ResultError

EXAMPLES = Path(__file__).parents[2] / "examples" / "submissions"
RUBRIC = Path(__file__).parent / "mini_rubric.toml"
LIMITS = Limits(timeout=1.0, budget=20.0)


@pytest.fixture(scope="module")
def rubric() -> Rubric:
    return load_rubric(RUBRIC)


@pytest.fixture(scope="module")
def exam(rubric: Rubric) -> Exam:
    return grading_exam(rubric)


@pytest.fixture(scope="module")
def plan(rubric: Rubric, exam: Exam) -> BatchPlan:
    return plan_batch(rubric, exam)


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
    return grade_directory(path, path.name, rubric, LIMITS, make_oracle(), plan=plan)


def _details(result: Any) -> List[Any]:
    return [(p.id, p.status, p.summary, p.code, p.rows, p.hint) for p in result.properties]


def test_every_passing_property_is_planned_with_the_requests_of_its_exam_examples(rubric: Rubric, exam: Exam,
                                                                                 plan: BatchPlan) -> None:
    by_id = {p.id: p for p in spec_properties(rubric.spec)}
    assert set(plan.requests) == set(rubric.property_ids) and plan.fits(exam.digest)
    assert all(len(exam.entry(by_id[pid]).examples) == 15 for pid in plan.requests)  # the rubric's 15
    assert all(len(plan.requests[pid]) == len(exam.entry(by_id[pid]).examples) for pid in plan.requests)


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
        if self.data > {low}:
            out.data += 0.5 if self.data > 1.0 else {small}
        return out
    Value.tanh = tanh
"""


def test_a_failing_run_is_judged_once_for_every_submission_that_answers_it_alike(
        tmp_path: Path, rubric: Rubric, exam: Exam, plan: BatchPlan) -> None:
    # tanh is off by 0.5 above 1, and by a small amount in (low, 1], where no exam example lies: the first example
    # that fails is above 1 (the same answer in all three); Hypothesis then shrinks it to 1.0, where "other" is off
    # by another amount: the same search, until one answer differs
    tanh = next(p for p in spec_properties(rubric.spec) if p.exercise == "tanh")
    xs = [e["x"] for e in exam.entry(tanh).examples]
    low = max(x for x in xs if x <= 1.0)
    assert low < 1.0 and any(x > 1.0 for x in xs), xs
    first = patched_reference(tmp_path / "first", _TANH_OFF_ABOVE.format(low=low, small="0.25"))
    copy = patched_reference(tmp_path / "copy", _TANH_OFF_ABOVE.format(low=low, small="0.25"))
    other = patched_reference(tmp_path / "other", _TANH_OFF_ABOVE.format(low=low, small="0.125"))
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
    found = {name: next(p for p in r.properties if p.exercise == "tanh") for name, r in results.items()}
    assert found["copy"] == found["first"] and found["other"].rows != found["first"].rows
    assert "0.8865941559557649" in str(found["other"].rows)  # tanh(1.0) + 0.125: its own answer, not the first's


def test_the_plan_is_served_from_one_message(rubric: Rubric, plan: BatchPlan) -> None:
    by_id = {p.id: p for p in spec_properties(rubric.spec)}
    properties = [by_id[pid] for pid in rubric.property_ids]
    with SandboxEvaluator(EXAMPLES / "correct", LIMITS) as sandbox:
        sent: List[int] = []
        submit, evaluate = sandbox.submit_pickled, sandbox.evaluate
        sandbox.submit_pickled = lambda groups: sent.append(len(groups)) or submit(groups)  # type: ignore
        sandbox.evaluate = lambda request: pytest.fail(f"asked on its own: {request}")  # type: ignore
        guard = Guard(sandbox, plan)
        guard.send(properties)
        exam = grading_exam(rubric)
        for i, prop in enumerate(properties):
            guard.begin(prop, properties[i + 1:])
            assert run_property(prop, guard, make_oracle(), exam).status == "passed"
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
    guard = Guard(gone, plan)
    guard.send(properties)
    for i, prop in enumerate(properties):
        guard.begin(prop, properties[i + 1:])
        guard.end()
    assert gone.sent == 1 + MAX_RESENDS and guard.plan is None


def test_a_worker_without_its_plan_grades_all_the_same(rubric: Rubric, exam: Exam,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # this test process is not a worker: put everything back after
    for name in ("_ORACLE", "_PLAN", "_EXAM", "_IN_WORKER"):
        monkeypatch.setattr(_batch, name, getattr(_batch, name))
    monkeypatch.setattr(_batch, "PLAN_WAIT", 0.05)
    nothing = multiprocessing.get_context("spawn").Queue()
    _batch._init_worker(rubric, subreaper=False, plan=nothing, exam=exam.to_text())
    assert _batch._PLAN is None and _batch._EXAM is not None and _batch._EXAM.digest == exam.digest
    result = _batch.grade_one(EXAMPLES / "correct", rubric, LIMITS)
    assert result.status == "graded" and result.score == rubric.max_score and result.exam == exam.digest


def test_the_grading_order_is_shuffled_the_same_way_wherever_the_class_is(tmp_path: Path) -> None:
    names = [f"student_{i:02d}" for i in range(30)]
    here = spread_order([tmp_path / "a" / "class" / n for n in names])
    there = spread_order([Path("/elsewhere/class") / n for n in names])
    assert here == there and sorted(here) == list(range(30)) and here != list(range(30))


def test_the_plan_reaches_the_workers_as_json_read_back_with_validation(rubric: Rubric, exam: Exam,
                                                                        plan: BatchPlan) -> None:
    class Plans(list):  # the queue the workers take the plan from
        put_nowait = list.append

        def close(self) -> None: ...

        def cancel_join_thread(self) -> None: ...

    plans = Plans()
    _batch._send_plan(plans, rubric, 2, exam)
    assert len(plans) == 2 and all(isinstance(p, str) for p in plans)  # text, never a pickle
    back = BatchPlan.from_json(plans[0])
    assert back.exam == exam.digest and back.requests == plan.requests
    data = json.loads(plans[0])
    first = next(iter(data["requests"]))
    data["requests"][first][0] = {"$kind": "program", "value": {"leaves": "not numbers"}}
    for bad in (json.dumps(data), "not json", pickle_like()):
        with pytest.raises(ResultError, match="cannot be read"):
            BatchPlan.from_json(bad)


def pickle_like() -> str:
    import pickle

    return pickle.dumps({"requests": {}}).decode("latin-1")
