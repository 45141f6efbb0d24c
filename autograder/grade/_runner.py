"""Grade one submission: run the rubric's properties in this (trusted) process against a sandbox.

The loop over the exercises, the property runner and the results are the judge's (:mod:`micrograd.judge`), as
for ``micrograd check``; every score is computed from the exam's examples. This module adds what grading a
sandbox needs: a guard that stops a property at once when the child hangs or dies (:mod:`._guard`), the
batch's plan, a per-submission budget, memoized oracle answers, and the rubric's points.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from autograder.grade._exam import grading_exam
from autograder.grade._guard import Abort, FailureMemo, Guard, Memoized
from autograder.grade._plan import BatchPlan
from autograder.report._results import ExerciseResult, PropertyResult, SubmissionResult, to_json
from autograder.rubric import Rubric, policy_violations, spec_properties
from autograder.sandbox import Isolation, Limits, SandboxError, SandboxEvaluator
from micrograd.impl import Evaluator
from micrograd.judge import (
    GRADE,
    Exam,
    ExerciseStatus,
    FirstFailures,
    Judgement,
    PropertyStatus,
    SubmissionStatus,
    judge,
    settings_for,
)
from micrograd.judge import run_property as run_spec_property
from micrograd.oracles import Oracle
from micrograd.program import Program, to_python
from micrograd.spec import Property
from micrograd.verdict import EXERCISES, SpecFailure, check_value_class

__all__ = [
    "CAPS",
    "CHILDREN",
    "MAX_TIMEOUTS",
    "bounded_result",
    "grade_directory",
    "make_oracle",
    "run_property",
    "spec_properties",
]

#: after this many timed-out properties, the remaining ones are not run
MAX_TIMEOUTS = 3
#: how many children run a submission's planned checks side by side
CHILDREN = 2
#: the most characters a student's result keeps: per text field, per cell of an expected-vs-got table,
#: rows per table, and in all (the result's JSON; beyond it, counterexamples are dropped from the end)
CAPS = {"reason": 2000, "summary": 2000, "code": 8000, "hint": 1000, "cell": 200, "rows": 40, "output": 2000,
        "total": 512 * 1024}


class _MemoOracle:
    """An oracle whose answers are remembered (every submission is asked the exam's programs): by the program
    object itself (the exam's examples are the same objects for every submission), else by its JSON."""

    _LIMIT = 200_000

    def __init__(self, inner: Oracle) -> None:
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


def make_oracle(preferred: str = "exact") -> Oracle:
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


def run_property(prop: Property, impl: Evaluator, oracle: Oracle, exam: Exam,
                 fresh: Optional[Callable[[], Evaluator]] = None) -> PropertyResult:
    """Run one property on ``exam``'s examples (the score depends on them alone; Hypothesis, with the exam's
    seed, only shrinks a failure for the feedback); never raises (except KeyboardInterrupt).

    ``impl`` is normally a guard over the sandbox: a hung, dead or killed child stops the property (status
    ``timeout``, ``crash`` or ``interrupted``, with the graph that was running as its code).
    """
    guard = impl if isinstance(impl, Guard) else Guard(impl)
    guard.aborted = guard.memoized = None
    entry = exam.entry(prop)
    result = run_spec_property(prop, guard, oracle, examples=entry.examples, seed=entry.seed,
                               chosen=settings_for(prop, exam.max_examples), shrink_stubs=True, fresh=fresh)
    if guard.memoized is not None:
        return guard.memoized.result
    if guard.aborted is not None:
        failure, request = guard.aborted.failure, guard.aborted.request
        status = {"Timeout": PropertyStatus.TIMEOUT, "Interrupted": PropertyStatus.INTERRUPTED}.get(
            failure.type, PropertyStatus.CRASH)
        return PropertyResult(prop.id, prop.exercise, status, f"{failure.type}: {failure.message}",
                              _request_code(request), raised=failure)
    if result.flaky:
        flaky = "flaky: the same check gave different results when run again"
        if result.status is PropertyStatus.FAILED:
            return dataclasses.replace(result, summary=f"{flaky}. {result.summary}")
        return PropertyResult(prop.id, prop.exercise, PropertyStatus.FAILED, flaky)
    if result.status is PropertyStatus.ERROR:
        return dataclasses.replace(result, summary=f"the property could not run: {result.summary}"[:2000])
    if result.status in (PropertyStatus.SKIPPED, PropertyStatus.TIMEOUT):
        return dataclasses.replace(result, summary=f"not run: {result.summary}")
    return result


def _score(rubric: Rubric, results: Dict[str, PropertyResult],
           judged: Optional[Judgement]) -> Tuple[float, Tuple[ExerciseResult, ...]]:
    exercises = []
    total = 0.0
    for rule in rubric.rules:
        # a property the spec skips here (relu'(0) needs torch or JAX) judges nobody: it leaves the count
        counted = [p for p in rule.properties if results[p].status is not PropertyStatus.SKIPPED]
        passed = sum(1 for p in counted if results[p].passed)
        score = round(rule.points * passed / len(counted), 4) if counted else 0.0
        total += score
        verdict = judged.exercises.get(rule.exercise) if judged is not None else None
        status = verdict.status if verdict is not None else \
            (ExerciseStatus.PASSING if passed == len(counted) else ExerciseStatus.NOT_RUN)
        exercises.append(ExerciseResult(
            rule.exercise, EXERCISES[rule.exercise].title, rule.points, score, passed, len(counted), status,
            blocked_by=verdict.blocked_by if verdict is not None else None,
            stub=verdict.stub if verdict is not None else None))
    return round(total, 4), tuple(exercises)


def _all(rubric: Rubric, summary: str) -> Dict[str, PropertyResult]:
    """Every property of the rubric as not run, with ``summary`` (the submission could not be graded)."""
    by_id = {p.id: p for p in spec_properties(rubric.spec)}
    return {pid: PropertyResult(pid, by_id[pid].exercise, PropertyStatus.NOT_RUN, summary)
            for pid in rubric.property_ids}


def _result(student: str, rubric: Rubric, status: SubmissionStatus, reason: str, results: Dict[str, PropertyResult],
            started: float, exam: Optional[Exam] = None, judged: Optional[Judgement] = None) -> SubmissionResult:
    score, exercises = _score(rubric, results, judged)
    ordered = tuple(results[p] for p in rubric.property_ids)
    return bounded_result(SubmissionResult(student, status, reason, score, rubric.max_score, exercises, ordered,
                                           round(time.monotonic() - started, 3),
                                           exam=exam.digest if exam is not None else ""))


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    mark = f"... [{len(text) - limit} more characters cut]"
    return text[: max(0, limit - len(mark))] + mark


def bounded_result(result: SubmissionResult) -> SubmissionResult:
    """``result`` within CAPS: every text field cut, tables shortened, Hypothesis's report kept only for a
    property that broke, and if its JSON is still over ``CAPS["total"]``, counterexample code and tables
    dropped, last property first."""
    cell = CAPS["cell"]
    properties = [
        dataclasses.replace(
            p,
            summary=_cut(p.summary, CAPS["summary"]),
            code=_cut(p.code, CAPS["code"]),
            hint=_cut(p.hint, CAPS["hint"]),
            rows=tuple(tuple(_cut(str(x), cell) for x in row) for row in p.rows[: CAPS["rows"]]),  # type: ignore[misc]
            report=_cut(p.report, CAPS["summary"]) if p.status is PropertyStatus.ERROR else "",
            output=_cut(p.output, CAPS["output"]),
        )
        for p in result.properties
    ]
    result = dataclasses.replace(result, reason=_cut(result.reason, CAPS["reason"]), properties=tuple(properties))
    size = len(to_json(result))
    shorter = [  # first the counterexamples go, then most of the text, last property first
        lambda p: dataclasses.replace(p, code="", rows=(), output="", report="",
                                      summary=_cut(p.summary, CAPS["summary"] - 30) + " (details cut: size cap)"),
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


def grade_directory(directory: Path, student: str, rubric: Rubric, limits: Limits, oracle: Oracle,
                    isolation: Optional[Isolation] = None, plan: Optional[BatchPlan] = None,
                    exam: Optional[Exam] = None) -> SubmissionResult:
    """Grade the submission in ``directory`` (engine.py, nn.py, helper modules) in a sandbox of ``isolation``
    (default: the strongest available), on ``exam`` (default: :func:`grading_exam`'s for the rubric). Never
    raises for what the submission does. ``plan``: the batch's recorded requests (:mod:`autograder.grade._plan`),
    which the same grades take less time with."""
    started = time.monotonic()
    exam = exam if exam is not None else grading_exam(rubric)
    violations = policy_violations(directory, rubric.forbid_imports, files=_python_files(directory))
    if violations:
        reason = "; ".join(str(v) for v in violations)
        return _result(student, rubric, SubmissionStatus.INVALID, reason, _all(rubric, f"not run: {reason}"), started,
                       exam)
    try:
        return _grade_in_sandbox(directory, student, rubric, limits, oracle, isolation, started,
                                 plan if plan is not None and plan.fits(exam.digest) else None, exam)
    except SandboxError as error:
        reason = f"the grader could not run or stop this submission's sandbox: {error}"
        return _result(student, rubric, SubmissionStatus.CRASHED, reason, _all(rubric, f"not run: {reason}"), started,
                       exam)


#: (spec, exam, oracle) -> the failing runs judged in this process (a grading worker's batch)
_MEMOS: Dict[Tuple[str, str, str], FailureMemo] = {}


def _memo_for(rubric: Rubric, exam: Exam, oracle: Oracle) -> FailureMemo:
    key = (str(rubric.spec), exam.digest, str(getattr(oracle, "name", "")))
    if key not in _MEMOS:
        _MEMOS.clear()  # one batch at a time
        _MEMOS[key] = FailureMemo()
    return _MEMOS[key]


def _side_sandboxes(stack: contextlib.ExitStack, directory: Path, limits: Limits, isolation: Optional[Isolation],
                    main: SandboxEvaluator) -> List[SandboxEvaluator]:
    """Sandboxes of the same submission beside ``main`` (sharing its time budget), closed with ``stack``, their
    children starting; fewer if one cannot be made."""
    side: List[SandboxEvaluator] = []
    for _ in range(CHILDREN - 1):
        try:
            sandbox = stack.enter_context(SandboxEvaluator(directory, limits, isolation=isolation, budget_of=main))
            sandbox.start()
        except (SandboxError, OSError, ValueError):
            break
        side.append(sandbox)
    return side


def _load_problem(load: Any) -> Optional[Tuple[SubmissionStatus, str]]:
    """(status, reason) when importing the submission failed, else None."""
    if load.failure is not None:
        status = {"Timeout": SubmissionStatus.TIMEOUT, "Interrupted": SubmissionStatus.NEEDS_REGRADE}.get(
            load.failure.type, SubmissionStatus.CRASHED)
        return status, f"importing the submission: {load.failure.message}"
    if load.engine is not None:
        return SubmissionStatus.INVALID, load.engine
    return None


def _grade_in_sandbox(directory: Path, student: str, rubric: Rubric, limits: Limits, oracle: Oracle,
                      isolation: Optional[Isolation], started: float, plan: Optional[BatchPlan],
                      exam: Exam) -> SubmissionResult:
    by_id = {p.id: p for p in spec_properties(rubric.spec)}
    with contextlib.ExitStack() as stack:
        evaluator = stack.enter_context(SandboxEvaluator(directory, limits, isolation=isolation))
        evaluator.start()
        side = _side_sandboxes(stack, directory, limits, isolation, evaluator) if plan is not None else []
        load = evaluator.load_report()
        problem = _load_problem(load)
        if problem is not None:
            return _result(student, rubric, problem[0], problem[1], _all(rubric, f"not run: {problem[1]}"), started,
                           exam)
        properties = [by_id[pid] for pid in rubric.property_ids]
        side = [sandbox for sandbox in side if sandbox.load_report() == load]  # each loads it as the first did
        guard = Guard(evaluator, plan, side, memo=_memo_for(rubric, exam, oracle) if plan is not None else None)
        premise = _value_class(guard)  # as micrograd check: a Value that does not work is the root cause
        guard.send(properties)  # the children compute while the grader judges (after: nothing waits behind them)
        runner = _Runner(guard, evaluator, properties, oracle, exam, limits)
        # an exercise's first failure is run again in a fresh child (sharing the time budget): did it depend on
        # earlier calls?
        runner.first = FirstFailures(lambda: SandboxEvaluator(directory, limits, isolation=isolation,
                                                              budget_of=evaluator))
        judged = judge(properties, runner, GRADE,
                       premise=None if premise is None else premise.exercise)
    results = {r.id: r for r in judged.properties}
    status, reason = _status(results, load)
    if premise is not None and status is SubmissionStatus.GRADED:
        reason = _cut(f"your Value does not work, so little else can: {premise.summary}. Hint: {premise.hint}",
                      CAPS["reason"])
    return _result(student, rubric, status, reason, results, started, exam, judged)


def _value_class(guard: Guard) -> Optional[SpecFailure]:
    """What ``micrograd check`` says before anything else when ``Value`` itself does not work, or None."""
    try:
        return check_value_class(guard)
    except (Abort, Memoized):  # the child hung or died: the properties will say so
        return None


class _Runner:
    """The grader's property runner for the judge's loop: the guard, the plan, the time budget, MAX_TIMEOUTS."""

    def __init__(self, guard: Guard, evaluator: SandboxEvaluator, properties: List[Property], oracle: Oracle,
                 exam: Exam, limits: Limits) -> None:
        self.guard, self.evaluator, self.oracle, self.exam, self.limits = guard, evaluator, oracle, exam, limits
        self.later = {p.id: properties[i + 1:] for i, p in enumerate(properties)}
        self.timeouts = 0
        self.first = FirstFailures(None)

    def __call__(self, prop: Property) -> PropertyResult:
        if self.timeouts >= MAX_TIMEOUTS or self.evaluator.remaining <= 0:
            why = (f"{MAX_TIMEOUTS} checks timed out" if self.timeouts >= MAX_TIMEOUTS
                   else f"the submission used up its time budget of {self.limits.budget:g} s")
            return PropertyResult(prop.id, prop.exercise, PropertyStatus.NOT_RUN, f"not run: {why}")
        self.guard.begin(prop, self.later[prop.id])
        result = run_property(prop, self.guard, self.oracle, self.exam, self.first.for_property(prop))
        self.first.saw(result)
        self.guard.remember(result)
        self.guard.end()
        if result.status is PropertyStatus.TIMEOUT:
            self.timeouts += 1
        return result


def _status(results: Dict[str, PropertyResult], load: Any) -> Tuple[SubmissionStatus, str]:
    """The submission's status and reason from its properties' results."""
    def first(*statuses: PropertyStatus) -> Optional[PropertyResult]:
        return next((r for r in results.values() if r.status in statuses), None)

    interrupted = first(PropertyStatus.INTERRUPTED)
    if interrupted is not None:
        return SubmissionStatus.NEEDS_REGRADE, (f"{interrupted.id}: {interrupted.summary} (not the submission's "
                                                "doing: grade it again)")
    stopped = first(PropertyStatus.TIMEOUT) or first(PropertyStatus.NOT_RUN)
    if stopped is not None:
        return SubmissionStatus.TIMEOUT, f"{stopped.id}: {stopped.summary}"
    crashed = first(PropertyStatus.CRASH)
    if crashed is not None:
        return SubmissionStatus.CRASHED, f"{crashed.id}: {crashed.summary}"
    return SubmissionStatus.GRADED, f"nn.py: {load.nn}" if load.nn else ""
