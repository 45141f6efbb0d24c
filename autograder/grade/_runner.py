"""Grade one submission: run the rubric's properties in this (trusted) process against a sandbox.

Properties are collected and run by :mod:`micrograd.testing` (``collect_properties``,
``run_property``), as ``micrograd check`` does; this module adds what grading a sandbox
needs: the grading settings, a guard that stops a property at once when the child hangs
or dies, a per-submission budget, and memoized oracle answers.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections import deque
from pathlib import Path
from typing import Any, Deque, Dict, List, Optional, Sequence, Tuple

from autograder.grade._plan import BatchPlan
from autograder.grade._profile import graded_settings, prepare_hypothesis
from autograder.report._results import ExerciseResult, PropertyResult, SubmissionResult, to_json
from autograder.rubric import Rubric, policy_violations, spec_properties
from autograder.sandbox import Isolation, Limits, SandboxError, SandboxEvaluator
from micrograd.program import Failure, Program, to_python
from micrograd.sandbox import Encoded
from micrograd.testing import Property, ReplayCache
from micrograd.testing import run_property as run_spec_property
from micrograd.verdict import EXERCISES, SpecFailure

__all__ = [
    "CAPS",
    "MAX_TIMEOUTS",
    "bounded_result",
    "grade_directory",
    "make_oracle",
    "prepare_hypothesis",
    "run_property",
    "spec_properties",
]

#: after this many timed-out properties, the remaining ones are not run
MAX_TIMEOUTS = 3
#: how many times the planned requests of a submission are sent again after its child went
MAX_RESENDS = 3

#: the most characters a student's result keeps: per text field, per cell of an expected-vs-got table,
#: rows per table, and in all (the result's JSON; beyond it, counterexamples are dropped from the end)
CAPS = {"reason": 2000, "summary": 2000, "code": 8000, "hint": 1000, "cell": 200, "rows": 40, "total": 512 * 1024}


class _Abort(BaseException):
    """Stops a property at once (Hypothesis does not catch BaseException): the child hung or died."""

    def __init__(self, failure: Failure, request: Any) -> None:
        super().__init__(str(failure))
        self.failure = failure
        self.request = request


class _Guard:
    """The evaluator the properties see: a Timeout or Crash aborts the property instead of shrinking on it.

    The abort is remembered in ``aborted`` (``run_spec_property`` turns any exception into its result).

    With a plan (:mod:`autograder.grade._plan`), :meth:`send` sends the planned requests of every
    property still to run to the sandbox in one message, and ``evaluate`` serves each answer when the
    running property (:meth:`begin`) asks for that request, in the recorded order: the child computes the
    next properties' answers while this one is judged. Any other request goes to the sandbox when it is
    asked (after those in flight). When the child goes (a timeout, a crash), the requests in flight are
    lost and those of the properties still to run are sent again, at most MAX_RESENDS times.
    """

    def __init__(self, inner: Any, plan: Optional[BatchPlan] = None) -> None:
        self.inner = inner
        self.name = inner.name
        self.aborted: Optional[_Abort] = None
        self.plan = plan if callable(getattr(inner, "submit_pickled", None)) else None
        self._queued: Dict[str, Deque[Tuple[Any, Any, int]]] = {}  # property id -> (request, encoded, ticket)
        self._current: Deque[Tuple[Any, Any, int]] = deque()
        self._resends = 0

    def send(self, props: Sequence[Property]) -> None:
        """Send the planned requests of ``props`` (those not already in flight), in order, in one message."""
        if self.plan is None:
            return
        plan = self.plan
        chosen = [p for p in props if p.id in plan.requests and p.id not in self._queued]
        tickets = iter(self.inner.submit_pickled([plan.pickled(p) for p in chosen]))
        for p in chosen:
            self._queued[p.id] = deque((r, e, next(tickets)) for r, e in zip(plan.requests[p.id], plan.encoded(p)))

    def begin(self, prop: Property, later: Sequence[Property]) -> None:
        """``prop`` runs now; ``later`` are the properties still to run after it."""
        self.end()
        self._current = self._queued.pop(prop.id, deque())
        if self.plan is None or not self._current or self.inner.pending(self._current[0][2]):
            return
        self._current = deque()  # the child went with everything in flight
        self.inner.forget([t for queued in self._queued.values() for _, _, t in queued])
        self._queued.clear()
        if self._resends >= MAX_RESENDS:
            self.plan = None
            return
        self._resends += 1
        self.send([prop, *later])
        self._current = self._queued.pop(prop.id, deque())

    def end(self) -> None:
        """The running property is done: its answers it did not ask for are dropped."""
        if self._current:
            self.inner.forget([t for _, _, t in self._current])
        self._current = deque()

    def _served(self, request: Any) -> Any:
        if not self._current:
            return None
        recorded, encoded, ticket = self._current[0]
        if request is not recorded:
            try:
                same = Encoded.of(request).item == encoded.item
            except (TypeError, ValueError, AttributeError):
                same = False
            if not same:
                return None
        self._current.popleft()
        return self.inner.result(ticket)  # None if the child went before answering it

    def evaluate(self, request: Any) -> Any:
        outcome = self._served(request)
        if outcome is None:
            outcome = self.inner.evaluate(request)
        error = getattr(outcome, "error", None)
        if error is not None and error.type in ("Timeout", "Crash"):
            self.aborted = _Abort(error, request)
            raise self.aborted
        return outcome


class _MemoOracle:
    """An oracle whose answers are remembered (derandomized properties ask the same programs of every student):
    by the program object itself (replayed examples are the same objects for every submission), else by its JSON."""

    _LIMIT = 200_000

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self._memo: Dict[str, Any] = {}
        self._by_id: Dict[int, Tuple[Any, Any]] = {}

    def evaluate(self, program: Any) -> Any:
        known = self._by_id.get(id(program))
        if known is not None and known[0] is program:
            return known[1]
        try:
            key = type(program).__name__ + program.to_json()
        except (AttributeError, TypeError, ValueError):
            return self.inner.evaluate(program)
        if key not in self._memo:
            if len(self._memo) > self._LIMIT:
                self._memo.clear()
            self._memo[key] = self.inner.evaluate(program)
        if len(self._by_id) > self._LIMIT:
            self._by_id.clear()
        self._by_id[id(program)] = (program, self._memo[key])  # holding the program keeps its id its own
        return self._memo[key]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def make_oracle(preferred: str = "exact") -> Any:
    """The grading oracle, with its answers memoized: by default the exact one (pure Python, always
    installed), so that a grade never depends on whether torch or JAX is there."""
    from micrograd.oracles import get_oracle

    return _MemoOracle(get_oracle(preferred))


def _request_code(request: Any) -> str:
    if isinstance(request, Program):
        return to_python(request)
    try:
        return str(request.to_python())
    except Exception:  # noqa: BLE001 (best effort: the code is only shown to the student)
        return ""


def _from_spec_failure(prop: Property, error: SpecFailure, status: str = "failed") -> PropertyResult:
    rows = tuple((str(a), str(b), str(c)) for a, b, c in error.rows)
    summary = error.summary
    if error.failure is not None and str(error.failure) not in summary:
        summary = f"{summary} ({error.failure})"
    return PropertyResult(prop.id, prop.exercise, status, summary, error.code, rows, error.hint)


def run_property(prop: Property, impl: Any, oracle: Any, max_examples: Optional[int] = None, *,
                 replay: Optional[ReplayCache] = None) -> PropertyResult:
    """Run one property with the grading settings (at most ``max_examples`` examples) through
    :func:`micrograd.testing.run_property`; never raises (except KeyboardInterrupt).

    ``impl`` is normally a guard over the sandbox: a hung or dead child stops the property
    (status ``timeout`` or ``crash``, with the graph that was running as its code). With ``replay``
    (the batch's recorded examples, see :mod:`autograder.grade._plan`), the recorded examples run
    first; a failure hands over to Hypothesis, which finds and shrinks it as without them.
    """
    guard = impl if isinstance(impl, _Guard) else _Guard(impl)
    guard.aborted = None
    func: Any = prop.function
    saved = getattr(func, "_hypothesis_internal_use_settings", None)  # None: a property without @given
    if saved is not None:
        func._hypothesis_internal_use_settings = graded_settings(func, max_examples)
    try:
        result = run_spec_property(prop, guard, oracle, replay=replay, shrink_stubs=True)
    finally:
        if saved is not None:
            func._hypothesis_internal_use_settings = saved
    if guard.aborted is not None:
        failure, request = guard.aborted.failure, guard.aborted.request
        status = "timeout" if failure.type == "Timeout" else "crash"
        return PropertyResult(prop.id, prop.exercise, status, f"{failure.type}: {failure.message}",
                              _request_code(request))
    if result.status == "failed" and result.failure is not None:
        found = _from_spec_failure(prop, result.failure)
        if result.flaky:
            found = dataclasses.replace(found, summary="flaky: the same check gave different results when run "
                                                       "again. " + found.summary)
        return found
    if result.flaky:
        return PropertyResult(prop.id, prop.exercise, "failed",
                              "flaky: the same check gave different results when run again")
    if result.status == "error":
        return PropertyResult(prop.id, prop.exercise, "error", f"the property could not run: {result.message}"[:2000])
    if result.status in ("skipped", "timeout"):
        return PropertyResult(prop.id, prop.exercise, result.status, f"not run: {result.message}")
    return PropertyResult(prop.id, prop.exercise, "passed")


def _score(rubric: Rubric, results: Dict[str, PropertyResult]) -> Tuple[float, Tuple[ExerciseResult, ...]]:
    exercises = []
    total = 0.0
    for rule in rubric.rules:
        # a property the spec skips here (relu'(0) needs torch or JAX) judges nobody: it leaves the count
        judged = [p for p in rule.properties if results[p].status != "skipped"]
        passed = sum(1 for p in judged if results[p].passed)
        score = round(rule.points * passed / len(judged), 4) if judged else 0.0
        total += score
        exercises.append(ExerciseResult(rule.exercise, EXERCISES[rule.exercise].title, rule.points, score, passed,
                                        len(judged)))
    return round(total, 4), tuple(exercises)


def _all(rubric: Rubric, status: str, summary: str) -> Dict[str, PropertyResult]:
    by_id = {p.id: p for p in spec_properties(rubric.spec)}
    return {pid: PropertyResult(pid, by_id[pid].exercise, status, summary) for pid in rubric.property_ids}


def _result(student: str, rubric: Rubric, status: str, reason: str, results: Dict[str, PropertyResult],
            started: float) -> SubmissionResult:
    score, exercises = _score(rubric, results)
    ordered = tuple(results[p] for p in rubric.property_ids)
    return bounded_result(SubmissionResult(student, status, reason, score, rubric.max_score, exercises, ordered,
                                           round(time.monotonic() - started, 3)))


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    mark = f"... [{len(text) - limit} more characters cut]"
    return text[: max(0, limit - len(mark))] + mark


def bounded_result(result: SubmissionResult) -> SubmissionResult:
    """``result`` within CAPS: every text field cut, tables shortened, and if its JSON is still over
    ``CAPS["total"]``, counterexample code and tables dropped, last property first."""
    cell = CAPS["cell"]
    properties = [
        dataclasses.replace(
            p,
            summary=_cut(p.summary, CAPS["summary"]),
            code=_cut(p.code, CAPS["code"]),
            hint=_cut(p.hint, CAPS["hint"]),
            rows=tuple(tuple(_cut(str(x), cell) for x in row) for row in p.rows[: CAPS["rows"]]),  # type: ignore[misc]
        )
        for p in result.properties
    ]
    result = dataclasses.replace(result, reason=_cut(result.reason, CAPS["reason"]), properties=tuple(properties))
    size = len(to_json(result))
    shorter = [  # first the counterexamples go, then most of the text, last property first
        lambda p: dataclasses.replace(p, code="", rows=(), summary=_cut(p.summary, CAPS["summary"] - 30)
                                      + " (details cut: size cap)"),
        lambda p: dataclasses.replace(p, summary=_cut(p.summary, 200), hint=_cut(p.hint, 200)),
    ]
    for shorten in shorter:
        for i in reversed(range(len(properties))):
            if size <= CAPS["total"]:
                return result
            properties[i] = shorten(properties[i])
            result = dataclasses.replace(result, properties=tuple(properties))
            size = len(to_json(result))
    return result


def _python_files(directory: Path) -> List[str]:
    """The submission's Python files, relative to ``directory`` (engine.py first)."""
    found = []
    for folder, dirs, files in os.walk(directory):
        dirs.sort()
        for name in sorted(files):
            if name.endswith(".py"):
                found.append(os.path.relpath(os.path.join(folder, name), directory))
    return sorted(found, key=lambda f: (f != "engine.py", f != "nn.py", f))


def grade_directory(directory: Path, student: str, rubric: Rubric, limits: Limits, oracle: Any,
                    isolation: Optional[Isolation] = None, plan: Optional[BatchPlan] = None,
                    replay: Optional[ReplayCache] = None) -> SubmissionResult:
    """Grade the submission in ``directory`` (engine.py, nn.py, helper modules) in a sandbox of ``isolation``
    (default: the strongest available). Never raises for what the submission does. ``plan`` and ``replay``:
    the batch's recorded examples and requests (:mod:`autograder.grade._plan`), which the same grades
    take less time with (``replay`` defaults to ``plan.replay_cache(rubric)``)."""
    started = time.monotonic()
    violations = policy_violations(directory, rubric.forbid_imports, files=_python_files(directory))
    if violations:
        reason = "; ".join(str(v) for v in violations)
        return _result(student, rubric, "invalid", reason, _all(rubric, "failed", f"not run: {reason}"), started)
    try:
        if plan is not None and replay is None:
            replay = plan.replay_cache(rubric)
        return _grade_in_sandbox(directory, student, rubric, limits, oracle, isolation, started, plan, replay)
    except SandboxError as error:
        reason = f"the grader could not run or stop this submission's sandbox: {error}"
        return _result(student, rubric, "crashed", reason, _all(rubric, "failed", f"not run: {reason}"), started)


def _grade_in_sandbox(directory: Path, student: str, rubric: Rubric, limits: Limits, oracle: Any,
                      isolation: Optional[Isolation], started: float, plan: Optional[BatchPlan],
                      replay: Optional[ReplayCache]) -> SubmissionResult:
    by_id = {p.id: p for p in spec_properties(rubric.spec)}
    with SandboxEvaluator(directory, limits, isolation=isolation) as evaluator:
        load = evaluator.load_report()
        if load.failure is not None:
            status = "timeout" if load.failure.type == "Timeout" else "crashed"
            reason = f"importing the submission: {load.failure.message}"
            return _result(student, rubric, status, reason, _all(rubric, "failed", f"not run: {reason}"), started)
        if load.engine is not None:
            return _result(student, rubric, "invalid", load.engine,
                           _all(rubric, "failed", f"not run: {load.engine}"), started)
        properties = [by_id[pid] for pid in rubric.property_ids]
        guard = _Guard(evaluator, plan)
        guard.send(properties)  # the child computes while the grader judges
        results: Dict[str, PropertyResult] = {}
        timeouts = 0
        for i, prop in enumerate(properties):
            pid = prop.id
            if timeouts >= MAX_TIMEOUTS or evaluator.remaining <= 0:
                why = (f"{MAX_TIMEOUTS} checks timed out" if timeouts >= MAX_TIMEOUTS
                       else f"the submission used up its time budget of {limits.budget:g} s")
                results[pid] = PropertyResult(pid, prop.exercise, "timeout", f"not run: {why}")
                continue
            guard.begin(prop, properties[i + 1:])
            results[pid] = run_property(prop, guard, oracle, rubric.max_examples, replay=replay)
            guard.end()
            if results[pid].status == "timeout":
                timeouts += 1
    statuses = [r.status for r in results.values()]
    if "timeout" in statuses:
        first = next(r for r in results.values() if r.status == "timeout")
        return _result(student, rubric, "timeout", f"{first.id}: {first.summary}", results, started)
    if "crash" in statuses:
        first = next(r for r in results.values() if r.status == "crash")
        return _result(student, rubric, "crashed", f"{first.id}: {first.summary}", results, started)
    reason = f"nn.py: {load.nn}" if load.nn else ""
    return _result(student, rubric, "graded", reason, results, started)
