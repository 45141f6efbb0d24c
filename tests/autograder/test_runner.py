"""The grader runs the spec's properties on the exam's examples (micrograd.judge), with its sandbox guard."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import pytest

from autograder.grade import make_oracle, run_property, spec_properties
from autograder.rubric import DEFAULT_MAX_EXAMPLES, default_rubric, rubric_spec
from micrograd.impl import LocalEvaluator
from micrograd.judge import Exam, make_exam
from micrograd.program import Failure, Outcome
from micrograd.spec import Property

MINI = Path(__file__).parent / "mini_spec"
CORRECT = Path(__file__).parents[2] / "examples" / "submissions" / "correct"


def _by_name() -> Dict[str, Any]:
    return {p.name: p for p in spec_properties(MINI)}


def _exam(count: int) -> Exam:
    return make_exam(rubric_spec(MINI), max_examples=count)


def test_properties_are_loaded_once_as_declared() -> None:
    first = rubric_spec(MINI)
    assert [p.id for p in first] == ["test_mini::test_add", "test_mini::test_mul", "test_mini::test_tanh",
                                     "test_mini::test_reuse"]
    assert rubric_spec(str(MINI)) is first  # loaded once per process
    assert all(isinstance(p, Property) for p in spec_properties(MINI))


def test_a_correct_implementation_passes() -> None:
    result = run_property(_by_name()["test_add"], LocalEvaluator(CORRECT), make_oracle(), _exam(5))
    assert result.status == "passed" and result.examples == 5, result.summary


class _Dying:
    """Answers like a child that timed out (or crashed) on its second request."""

    name = "dying"

    def __init__(self, kind: str) -> None:
        self.kind, self.calls, self.inner = kind, 0, LocalEvaluator(CORRECT)

    def evaluate(self, request: Any) -> Any:
        self.calls += 1
        if self.calls < 2:
            return self.inner.evaluate(request)
        return Outcome((), (), None, Failure(self.kind, "no answer within 1 s", "forward", None, None))


def test_a_hung_dead_or_killed_child_stops_the_property_with_the_graph_it_was_running() -> None:
    exam = _exam(20)
    for kind, status in (("Timeout", "timeout"), ("Crash", "crash"), ("Interrupted", "interrupted")):
        dying = _Dying(kind)
        result = run_property(_by_name()["test_mul"], dying, make_oracle(), exam)
        assert result.status == status and result.summary == f"{kind}: no answer within 1 s"
        assert "Value(" in result.code and "*" in result.code
        assert dying.calls == 2  # no shrinking on a hung child


def test_a_child_killed_from_outside_makes_the_submission_need_regrading_not_fail() -> None:
    from autograder.grade._runner import _status
    from autograder.report._results import PropertyResult

    class Load:
        nn = None

    results = {
        "a": PropertyResult("a", "add", "passed"),
        "b": PropertyResult("b", "mul", "timeout", "Timeout: 1 s"),
        "c": PropertyResult("c", "tanh", "interrupted", "Interrupted: the child was killed from outside"),
    }
    status, reason = _status(results, Load())
    assert status == "needs_regrade" and reason.startswith("c: Interrupted") and "grade it again" in reason
    del results["c"]
    assert _status(results, Load())[0] == "timeout"


class _Flaky:
    """Wrong the first time it sees a program, right afterwards: a flaky submission."""

    name = "flaky"

    def __init__(self) -> None:
        self.seen: set = set()
        self.inner = LocalEvaluator(CORRECT)

    def evaluate(self, request: Any) -> Any:
        outcome = self.inner.evaluate(request)
        key = request.to_json()
        if key in self.seen:
            return outcome
        self.seen.add(key)
        return Outcome(tuple(x + 1 for x in outcome.data), outcome.grad, outcome.initial_grad, None)


def test_a_flaky_submission_fails_and_is_told_so() -> None:
    result = run_property(_by_name()["test_add"], _Flaky(), make_oracle(), _exam(20))
    assert result.status == "failed" and result.summary.startswith("flaky:")


def test_the_default_rubric_uses_the_benchmarked_example_count() -> None:
    assert default_rubric().max_examples == DEFAULT_MAX_EXAMPLES


def test_a_property_the_spec_cannot_judge_here_leaves_the_count() -> None:
    from autograder.grade._runner import _score
    from autograder.report._results import PropertyResult
    from autograder.rubric import ExerciseRule, Rubric

    rule = ExerciseRule("relu", 2.0, ("test_relu::judged", "test_relu::needs_torch"))
    results = {
        "test_relu::judged": PropertyResult("test_relu::judged", "relu", "passed"),
        "test_relu::needs_torch": PropertyResult("test_relu::needs_torch", "relu", "skipped", "not run: no torch"),
    }
    total, (exercise,) = _score(Rubric((rule,)), results, None)
    assert (total, exercise.passed, exercise.total) == (2.0, 1, 1)
    results["test_relu::judged"] = PropertyResult("test_relu::judged", "relu", "failed", "wrong")
    assert _score(Rubric((rule,)), results, None)[0] == 0.0


def test_a_result_is_bounded_field_by_field_and_in_all() -> None:
    from autograder.grade._runner import CAPS, bounded_result
    from autograder.report._results import PropertyResult, SubmissionResult, to_json

    big = PropertyResult("p", "add", "failed", "s" * 10**6, "c" * 10**6, tuple(("x" * 10**4, "1", "2")
                                                                            for _ in range(10**3)), "h" * 10**6)
    result = bounded_result(SubmissionResult("s", "graded", "r" * 10**6, 0, 1, (), (big,) * 40))
    assert len(result.reason) <= CAPS["reason"] and len(to_json(result)) <= CAPS["total"]
    first, last = result.properties[0], result.properties[-1]
    assert len(first.code) <= CAPS["code"] and len(first.rows) <= CAPS["rows"] and first.code.endswith("cut]")
    assert last.code == "" and last.rows == () and "details cut: size cap" in last.summary
    many = bounded_result(SubmissionResult("s", "graded", "", 0, 1, (), (big,) * 200))
    assert len(to_json(many)) <= CAPS["total"]


def test_the_import_policy_covers_helper_modules(tmp_path: Path) -> None:
    from autograder.grade import grade_directory
    from autograder.rubric import load_rubric

    (tmp_path / "engine.py").write_text((CORRECT / "engine.py").read_text() + "\nfrom helpers import fast\n")
    (tmp_path / "nn.py").write_text((CORRECT / "nn.py").read_text())
    (tmp_path / "helpers.py").write_text("import numpy\nfast = numpy.tanh\n")
    result = grade_directory(tmp_path, "student", load_rubric(MINI.parent / "mini_rubric.toml"), None, None)  # type: ignore[arg-type]
    assert (result.status, result.score) == ("invalid", 0)
    assert "helpers.py imports numpy (line 1)" in result.reason


@pytest.mark.slow
def test_grading_in_a_process_of_its_own_does_not_make_it_kill_its_other_children() -> None:
    import ctypes
    import subprocess
    import sys

    from autograder.grade import grade_one
    from autograder.rubric import load_rubric
    from autograder.sandbox import Limits

    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)"])
    try:
        result = grade_one(CORRECT, load_rubric(MINI.parent / "mini_rubric.toml"), Limits(timeout=1.0, budget=20.0))
        assert (result.status, result.score) == ("graded", 6)
        assert other.poll() is None  # a subreaper would have killed it as an "orphan"
        flag = ctypes.c_int(-1)
        ctypes.CDLL(None).prctl(37, ctypes.byref(flag), 0, 0, 0)  # PR_GET_CHILD_SUBREAPER
        assert flag.value == 0
    finally:
        other.kill()
        other.wait()


def test_the_failure_memo_keeps_a_bounded_number_of_bytes() -> None:
    """A submission that answers every request with a megabyte: no run over RUN_BYTES is remembered, and the
    worker's memo starts again before it holds more than its cap."""
    from autograder.grade._guard import RUN_BYTES, FailureMemo, _Step
    from autograder.report._results import PropertyResult

    failed = PropertyResult("p", "add", "failed", "wrong")
    memo = FailureMemo(max_bytes=3 * 1024 * 1024)
    big = [_Step(None, None, "x" * (RUN_BYTES + 1))]  # type: ignore[arg-type]
    memo.put(("p", "a"), big, failed)
    assert memo.get(("p", "a")) is None and memo.bytes == 0
    mega = [_Step(None, None, "x" * 1024 * 1024)]  # type: ignore[arg-type]
    for i in range(10):
        memo.put(("p", str(i)), mega, failed)
        assert memo.bytes <= memo.max_bytes
    assert memo.get(("p", "9")) is not None and memo.get(("p", "0")) is None


def test_a_run_whose_answers_are_too_big_is_not_remembered() -> None:
    from autograder.grade._guard import RUN_BYTES, FailureMemo, Guard

    class Flooding:
        name = "flooding"

        def evaluate(self, request: Any) -> Any:
            return Outcome((1.0,), (1.0,), (0.0,), Failure("ValueError", "x" * (RUN_BYTES // 4), "build", 0))

    from micrograd.program import Program

    guard = Guard(Flooding(), memo=FailureMemo())
    guard._start_run("p")
    request = Program((1.0,))
    for _ in range(3):
        guard._record(request, None, Flooding().evaluate(request))
    assert guard._steps is not None and len(guard._steps) == 3  # kept while under RUN_BYTES
    for _ in range(2):
        guard._record(request, None, Flooding().evaluate(request))
    assert guard._steps is None  # past RUN_BYTES: dropped, the run will not be remembered
