"""Grade one submission: run the rubric's properties in this (trusted) process against a sandbox.

Properties are collected and run by :mod:`micrograd.testing` (``collect_properties``,
``run_property``), as ``micrograd check`` does; this module adds what grading a sandbox
needs: the grading settings, a guard that stops a property at once when the child hangs
or dies, a per-submission budget, and memoized oracle answers.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
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
    "CHILDREN",
    "MAX_RESENDS",
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


class _Memoized(BaseException):
    """Stops a property at once: the submission answered every request of a run already judged (see _FailureMemo)."""

    def __init__(self, result: PropertyResult) -> None:
        super().__init__(result.id)
        self.result = result


@dataclasses.dataclass(frozen=True)
class _Step:
    """One request of a property's run and the answer it got: the request, its encoding, the answer's repr."""

    request: Any
    encoded: Encoded
    answer: str


class _FailureMemo:
    """Failed properties' runs, by what the submission answered, to judge the same answers once per worker.

    A property's run is a function of the submission's answers: its examples are fixed (derandomized),
    the oracle is memoized, and Hypothesis's search and shrinking only see whether each example failed,
    and how. So when a submission gives, to every request a failing run sent, the answer an earlier
    submission gave (compared by ``repr``: -0.0 is not 0.0), its result is that run's result, and
    Hypothesis need not search again (in a class, most bugs are shared). The key is the property and the
    answers of its recorded examples (served from the plan); the rest of the run is checked request by
    request, in order, one at a time, so that the submission is asked exactly what Hypothesis would
    ask it, and nothing more: at the first different answer Hypothesis runs, served the answers
    already given.
    """

    _LIMIT = 2000  #: runs kept; beyond it the memo starts again
    _LONGEST = 20_000  #: requests in a run kept

    def __init__(self) -> None:
        self._runs: Dict[Tuple[str, str], Tuple[Tuple[_Step, ...], PropertyResult]] = {}
        self.checks = 0  #: runs a submission's answers were checked against
        self.hits = 0  #: of those, runs whose result was the submission's

    def get(self, key: Tuple[str, str]) -> Optional[Tuple[Tuple[_Step, ...], PropertyResult]]:
        return self._runs.get(key)

    def put(self, key: Tuple[str, str], steps: Sequence[_Step], result: PropertyResult) -> None:
        if not steps or len(steps) > self._LONGEST:
            return
        if len(self._runs) >= self._LIMIT:
            self._runs.clear()
        self._runs[key] = (tuple(steps), result)


def _encoded(request: Any) -> Optional[Encoded]:
    try:
        return Encoded.of(request)
    except (TypeError, ValueError, AttributeError):
        return None


class _Guard:
    """The evaluator the properties see: a Timeout or Crash aborts the property instead of shrinking on it.

    The abort is remembered in ``aborted`` (``run_spec_property`` turns any exception into its result).

    With a plan (:mod:`autograder.grade._plan`), :meth:`send` sends the planned requests of every
    property still to run, in one message per sandbox, and ``evaluate`` serves each answer when the
    running property (:meth:`begin`) asks for that request, in the recorded order: the children compute
    the next properties' answers while this one is judged. ``side`` sandboxes (children of the same
    submission) share the properties with ``inner``, in turn, so that the submission's checks run side
    by side. Any other request goes, when it is asked, to the child with
    the fewest requests in flight (after those). When a child goes (a timeout, a crash), its requests in
    flight are lost and those of its properties still to run are sent again, at most MAX_RESENDS times in
    all. With a ``memo`` (:class:`_FailureMemo`), a failing property whose run the memo knows is judged
    from it (``memoized``), and every failing run is added to it.
    """

    def __init__(self, inner: Any, plan: Optional[BatchPlan] = None, side: Sequence[Any] = (),
                 memo: Optional[_FailureMemo] = None) -> None:
        self.inner = inner
        self.name = inner.name
        self.aborted: Optional[_Abort] = None
        self.plan = plan if callable(getattr(inner, "submit_pickled", None)) else None
        self.sandboxes: List[Any] = [inner, *side] if self.plan is not None else [inner]
        self._owner: Dict[str, int] = {}  # property id -> the sandbox its planned requests go to
        self._queued: Dict[str, Deque[Tuple[Any, Any, int]]] = {}  # property id -> (request, encoded, ticket)
        self._current: Deque[Tuple[Any, Any, int]] = deque()
        self._current_owner = 0
        self._resends = 0
        self.memo = memo
        self.memoized: Optional[_Memoized] = None
        self._start_run("")

    def _start_run(self, prop_id: str) -> None:
        """A property's run starts: nothing asked yet."""
        self._prop_id = prop_id
        self._prefix: List[Any] = []  # the answers served from the plan, before any other request
        self._searching = False  # has a request outside the plan been asked (Hypothesis searching)?
        # the run's requests from then on, with their answers (kept only for a memo)
        self._steps: Optional[List[_Step]] = [] if self.memo is not None else None
        self._ahead: Deque[Tuple[_Step, Any]] = deque()  # answers checked against the memo, not yet asked for

    def send(self, props: Sequence[Property]) -> None:
        """Send the planned requests of ``props`` (those not already in flight), in order, one message to
        each sandbox; a property goes to the sandbox it went to before, else to the next in turn."""
        if self.plan is None:
            return
        plan = self.plan
        chosen = [p for p in props if p.id in plan.requests and p.id not in self._queued]
        for p in chosen:  # in turn: each child's share is computed in the order it is judged in
            self._owner.setdefault(p.id, len(self._owner) % len(self.sandboxes))
        for k, sandbox in enumerate(self.sandboxes):
            mine = [p for p in chosen if self._owner[p.id] == k]
            tickets = iter(sandbox.submit_pickled([plan.pickled(p) for p in mine]))
            for p in mine:
                self._queued[p.id] = deque((r, e, next(tickets)) for r, e in zip(plan.requests[p.id],
                                                                                  plan.encoded(p)))

    def begin(self, prop: Property, later: Sequence[Property]) -> None:
        """``prop`` runs now; ``later`` are the properties still to run after it."""
        self.end()
        self._start_run(prop.id)
        self._current = self._queued.pop(prop.id, deque())
        self._current_owner = owner = self._owner.get(prop.id, 0)
        sandbox = self.sandboxes[owner]
        if self.plan is None or not self._current or sandbox.pending(self._current[0][2]):
            return
        self._current = deque()  # that child went with everything it had in flight
        gone = [pid for pid in self._queued if self._owner[pid] == owner]
        sandbox.forget([t for pid in gone for _, _, t in self._queued.pop(pid)])
        if self._resends >= MAX_RESENDS:
            self.plan = None
            for pid, queued in self._queued.items():
                self.sandboxes[self._owner[pid]].forget([t for _, _, t in queued])
            self._queued.clear()
            return
        self._resends += 1
        self.send([p for p in [prop, *later] if self._owner.get(p.id) == owner])
        self._current = self._queued.pop(prop.id, deque())

    def end(self) -> None:
        """The running property is done: its answers it did not ask for are dropped."""
        if self._current:
            self.sandboxes[self._current_owner].forget([t for _, _, t in self._current])
        self._current = deque()

    def _served(self, request: Any) -> Any:
        if not self._current:
            return None
        for sandbox in self.sandboxes:  # take in what every child wrote, so that none waits for us
            sandbox.poll()
        recorded, encoded, ticket = self._current[0]
        if request is not recorded:
            try:
                same = Encoded.of(request).item == encoded.item
            except (TypeError, ValueError, AttributeError):
                same = False
            if not same:
                return None
        self._current.popleft()
        return self.sandboxes[self._current_owner].result(ticket)  # None if the child went before answering

    def evaluate(self, request: Any) -> Any:
        outcome = self._served(request)
        if outcome is None:
            outcome = self._asked(request)
        elif not self._searching:
            if self.memo is not None:
                self._prefix.append(outcome)
        else:
            self._record(request, None, outcome)
        return self._checked(outcome, request)

    def _checked(self, outcome: Any, request: Any) -> Any:
        error = getattr(outcome, "error", None)
        if error is not None and error.type in ("Timeout", "Crash"):
            self.aborted = _Abort(error, request)
            raise self.aborted
        return outcome

    def _child(self) -> Any:
        """The child with the least left to do, so that a request need not wait behind others."""
        return min(self.sandboxes, key=lambda sandbox: getattr(sandbox, "in_flight", 0))

    def _asked(self, request: Any) -> Any:
        """The answer to a request outside the plan: one the memo check already got, else the child's."""
        encoded = None
        if not self._searching:
            self._searching = True
            encoded = _encoded(request)
            known = None if self.memo is None or encoded is None else self.memo.get(self.memo_key)
            if known is not None and known[0][0].encoded == encoded:
                self._check_known(*known)
        if self._ahead:
            step, outcome = self._ahead[0]
            if request is step.request or (encoded or _encoded(request)) == step.encoded:
                self._ahead.popleft()
                self._record(request, step.encoded, outcome)
                return outcome
            self._ahead.clear()
        outcome = self._child().evaluate(request)
        self._record(request, encoded, outcome)
        return outcome

    def _check_known(self, steps: Sequence[_Step], result: PropertyResult) -> None:
        """Ask the submission the requests of a known run, in order, one at a time: if every answer is the
        one that run got, its result is this submission's (raise _Memoized); else keep the answers got for
        Hypothesis, which asks the same requests until the first different answer."""
        if self.memo is not None:
            self.memo.checks += 1
        for step in steps:
            outcome = self._checked(self._child().evaluate(step.encoded), step.request)
            self._ahead.append((step, outcome))
            if repr(outcome) != step.answer:
                return
        if self.memo is not None:
            self.memo.hits += 1
        self.memoized = _Memoized(result)
        raise self.memoized

    def _record(self, request: Any, encoded: Optional[Encoded], outcome: Any) -> None:
        if self._steps is None:
            return
        encoded = encoded or _encoded(request)
        if encoded is None:
            self._steps = None  # a request that cannot be encoded: this run is not remembered
        else:
            self._steps.append(_Step(request, encoded, repr(outcome)))

    @property
    def memo_key(self) -> Tuple[str, str]:
        """The running property and the answers it was served from the plan (only a failing run asks)."""
        digest = hashlib.sha256()
        for outcome in self._prefix:
            digest.update(repr(outcome).encode() + b"\0")
        return self._prop_id, digest.hexdigest()

    def remember(self, result: PropertyResult) -> None:
        """The running property gave ``result``: a failure judged from the answers alone is remembered."""
        if (self.memo is not None and result.status == "failed" and self.aborted is None and self.memoized is None
                and self._searching and self._steps):
            self.memo.put(self.memo_key, self._steps, result)


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
    guard.aborted = guard.memoized = None
    func: Any = prop.function
    saved = getattr(func, "_hypothesis_internal_use_settings", None)  # None: a property without @given
    if saved is not None:
        func._hypothesis_internal_use_settings = graded_settings(func, max_examples)
    try:
        result = run_spec_property(prop, guard, oracle, replay=replay, shrink_stubs=True)
    finally:
        if saved is not None:
            func._hypothesis_internal_use_settings = saved
    if guard.memoized is not None:
        return guard.memoized.result
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


#: (spec, example count, oracle) -> the failing runs judged in this process (a grading worker's batch)
_MEMOS: Dict[Tuple[str, Optional[int], str], _FailureMemo] = {}


def _memo_for(rubric: Rubric, oracle: Any) -> _FailureMemo:
    key = (str(rubric.spec), rubric.max_examples, str(getattr(oracle, "name", "")))
    if key not in _MEMOS:
        _MEMOS.clear()  # one batch at a time
        _MEMOS[key] = _FailureMemo()
    return _MEMOS[key]


#: how many children run a submission's planned checks side by side
CHILDREN = 2


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


def _grade_in_sandbox(directory: Path, student: str, rubric: Rubric, limits: Limits, oracle: Any,
                      isolation: Optional[Isolation], started: float, plan: Optional[BatchPlan],
                      replay: Optional[ReplayCache]) -> SubmissionResult:
    by_id = {p.id: p for p in spec_properties(rubric.spec)}
    with contextlib.ExitStack() as stack:
        evaluator = stack.enter_context(SandboxEvaluator(directory, limits, isolation=isolation))
        evaluator.start()
        side = _side_sandboxes(stack, directory, limits, isolation, evaluator) if plan is not None else []
        load = evaluator.load_report()
        if load.failure is not None:
            status = "timeout" if load.failure.type == "Timeout" else "crashed"
            reason = f"importing the submission: {load.failure.message}"
            return _result(student, rubric, status, reason, _all(rubric, "failed", f"not run: {reason}"), started)
        if load.engine is not None:
            return _result(student, rubric, "invalid", load.engine,
                           _all(rubric, "failed", f"not run: {load.engine}"), started)
        properties = [by_id[pid] for pid in rubric.property_ids]
        side = [sandbox for sandbox in side if sandbox.load_report() == load]  # each loads it as the first did
        guard = _Guard(evaluator, plan, side, memo=_memo_for(rubric, oracle) if plan is not None else None)
        guard.send(properties)  # the children compute while the grader judges
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
            guard.remember(results[pid])
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
