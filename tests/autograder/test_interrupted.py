"""A sandboxed child killed from outside twice (the sandbox's ``Failure("Interrupted")``, contract 2) is never
blamed on the student, in every place that judges (contract 1): the property and its exercise are
``interrupted`` and the submission ``needs_regrade`` in ``micrograd grade`` (grades.csv, results.json,
feedback.md), on Gradescope (results.json) and in ``micrograd check``; the nbgrader course says the exercise
could not be graded (:class:`GradingInterruptedError`), never a failing check.

The kills are real: a thread of this test SIGKILLs the sandbox's child while a request is in flight (twice per
sandbox), as another process of the machine would.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path
from typing import Dict, Iterator, List

import pytest
from classroom import patched_reference

from autograder.rubric import load_rubric
from micrograd.sandbox._evaluator import SandboxEvaluator

HERE = Path(__file__).parent
RUBRIC = HERE / "mini_rubric.toml"

pytestmark = pytest.mark.slow


class Killer(threading.Thread):
    """SIGKILLs the child of every sandbox started while it runs, once a request has been in flight there for
    ``after`` seconds, ``times`` children per sandbox."""

    def __init__(self, sandboxes: List[SandboxEvaluator], times: int = 2, after: float = 0.3) -> None:
        super().__init__(daemon=True)
        self.sandboxes, self.times, self.after = sandboxes, times, after
        self.killed: Dict[int, List[int]] = {}
        self.stop = False

    def run(self) -> None:
        seen: Dict[int, tuple] = {}  # sandbox -> (pid, since when a request is in flight in it)
        while not self.stop:
            for sandbox in list(self.sandboxes):
                done = self.killed.setdefault(id(sandbox), [])
                if len(done) >= self.times or sandbox._load is None or not sandbox._inflight:
                    continue
                pid = sandbox._cell.python_pid()
                if pid is None or pid in done:
                    continue
                if seen.get(id(sandbox), (None,))[0] != pid:
                    seen[id(sandbox)] = (pid, time.monotonic())
                elif time.monotonic() - seen[id(sandbox)][1] >= self.after:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        continue
                    done.append(pid)
            time.sleep(0.01)


@pytest.fixture
def killer(monkeypatch: pytest.MonkeyPatch) -> Iterator[Killer]:
    """Every sandbox started during the test is watched by one Killer."""
    sandboxes: List[SandboxEvaluator] = []
    start = SandboxEvaluator.start

    def watched(self: SandboxEvaluator) -> None:
        sandboxes.append(self)
        start(self)

    monkeypatch.setattr(SandboxEvaluator, "start", watched)
    thread = Killer(sandboxes)
    thread.start()
    yield thread
    thread.stop = True
    thread.join(5)


@pytest.fixture
def slow_tanh(tmp_path: Path) -> Path:
    """A correct engine whose child sleeps 1.5 s at its first tanh (each new child again): time for the kills."""
    return patched_reference(tmp_path / "sub", """
        import time
        _tanh = Value.tanh
        _slept = []
        def tanh(self):
            if not _slept:
                _slept.append(1)
                time.sleep(1.5)
            return _tanh(self)
        Value.tanh = tanh
    """)


def _killed_twice(killer: Killer) -> bool:
    return any(len(pids) >= 2 for pids in killer.killed.values())


def test_grading_says_needs_regrade_and_blames_nothing_on_the_student(killer: Killer, slow_tanh: Path,
                                                                      tmp_path: Path) -> None:
    from autograder.grade import grade_one
    from autograder.report import write_outputs
    from autograder.sandbox import Limits

    rubric = load_rubric(RUBRIC)
    result = grade_one(slow_tanh, rubric, Limits())  # in this process, where the kills are watched
    write_outputs([result], tmp_path / "out", rubric=rubric)
    assert _killed_twice(killer)
    assert result.status == "needs_regrade" and "grade it again" in result.reason, result.reason
    interrupted = [p for p in result.properties if p.status == "interrupted"]
    assert interrupted and all("killed from outside" in p.summary for p in interrupted)
    assert not [p for p in result.properties if p.status in ("failed", "crash", "error")]
    for exercise in {p.exercise for p in interrupted}:
        (verdict,) = [e for e in result.exercises if e.exercise == exercise]
        assert verdict.status == "interrupted"
    student = tmp_path / "out" / result.student
    data = json.loads((student / "results.json").read_text())
    assert data["extra_data"]["status"] == "needs_regrade" and data["output"].startswith("Status: needs_regrade")
    assert "needs_regrade" in (student / "feedback.md").read_text()
    assert "needs_regrade" in (tmp_path / "out" / "grades.csv").read_text()


def test_gradescope_says_needs_regrade(killer: Killer, slow_tanh: Path, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import autograder.sandbox
    from autograder.grade import _batch
    from autograder.gradescope._run import main

    # run_autograder's process only grades, so it becomes a subreaper (it kills every child it did not start)
    # and a grading worker: here it runs in the test process, which must stay neither (the killer is a thread)
    monkeypatch.setattr(autograder.sandbox, "become_subreaper", lambda: False)
    for name in ("_ORACLE", "_IN_WORKER", "_PLAN", "_EXAM"):
        monkeypatch.setattr(_batch, name, getattr(_batch, name))
    monkeypatch.setenv("HYPOTHESIS_STORAGE_DIRECTORY", os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY", ""))
    assert main(["--submission", str(slow_tanh), "--results", str(tmp_path / "results"), "--rubric", str(RUBRIC),
                 "--isolation", "auto"]) == 0
    assert _killed_twice(killer)
    data = json.loads((tmp_path / "results" / "results.json").read_text())
    assert data["extra_data"]["status"] == "needs_regrade"
    assert any("interrupted" in test["output"] for test in data["tests"])


def test_the_course_never_gives_a_failing_check_for_it(killer: Killer, slow_tanh: Path) -> None:
    from autograder.course import ExerciseFailedError, GradingInterruptedError, grade_exercise

    rubric = load_rubric(RUBRIC)
    with pytest.raises(GradingInterruptedError, match="not your code's doing") as raised:
        grade_exercise("tanh", slow_tanh, rubric=rubric)
    assert not isinstance(raised.value, ExerciseFailedError)
    assert _killed_twice(killer)


def test_the_check_says_interrupted_and_to_run_it_again(killer: Killer, slow_tanh: Path) -> None:
    import io

    from rich.console import Console

    from micrograd.check import render_report, run_check

    report = run_check(slow_tanh, exercises=["tanh"])
    assert _killed_twice(killer)
    (tanh,) = [e for e in report.exercises if e.exercise == "tanh"]
    assert tanh.status == "interrupted"
    assert any(r.status == "interrupted" for r in report.results_of("tanh"))
    out = io.StringIO()
    render_report(report, Console(file=out, width=120, color_system=None))
    assert "Something outside your code stopped the check here: run it again." in out.getvalue()
