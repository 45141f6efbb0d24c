"""The evaluator the grader's properties see (:class:`Guard`): the sandbox, made to serve a batch's plan, to stop a
property at once when its child hangs or dies, and to judge a failure it has seen before from memory.

Every buffer it keeps is capped: a run's answers (:data:`RUN_BYTES`, beyond which the run is not remembered)
and the failure memo of a worker (:data:`MEMO_BYTES`, beyond which it starts again), so a submission that
answers every request with a megabyte cannot make the grader hold more.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import deque
from typing import Any, Deque, Dict, List, Optional, Protocol, Sequence, Tuple, cast

from autograder.grade._plan import BatchPlan
from micrograd.impl import Evaluator
from micrograd.judge import PropertyResult, PropertyStatus
from micrograd.program import Failure
from micrograd.sandbox import Encoded
from micrograd.spec import Property

__all__ = ["ABORTING", "MAX_RESENDS", "MEMO_BYTES", "RUN_BYTES", "Abort", "FailureMemo", "Guard", "Memoized",
           "Sandbox"]

#: how many times the planned requests of a submission are sent again after its child went
MAX_RESENDS = 3
#: the most bytes of answers (their repr) one property's run keeps for the memo; a longer run is not remembered
RUN_BYTES = 4 * 1024 * 1024
#: the most bytes of answers the memo of one grading worker keeps; beyond it, it starts again
MEMO_BYTES = 64 * 1024 * 1024
#: the failures of a child that stop a property at once (its outcome is not the submission's answer)
ABORTING = ("Timeout", "Crash", "Interrupted")


class Sandbox(Protocol):
    """What the guard asks of a submission's evaluator (:class:`micrograd.sandbox.SandboxEvaluator`): answers, and
    for a plan, requests sent ahead (``submit_pickled``) and answered by ticket."""

    name: str

    def evaluate(self, request: Any) -> Any: ...

    def submit_pickled(self, groups: Sequence[Any]) -> List[int]: ...

    def result(self, ticket: int) -> Optional[Any]: ...

    def pending(self, ticket: int) -> bool: ...

    def forget(self, tickets: Sequence[int]) -> None: ...

    def poll(self) -> None: ...


class Abort(BaseException):
    """Stops a property at once (Hypothesis does not catch BaseException): the child hung or died."""

    def __init__(self, failure: Failure, request: Any) -> None:
        super().__init__(str(failure))
        self.failure = failure
        self.request = request


class Memoized(BaseException):
    """Stops a property at once: the submission answered every request of a run already judged (see FailureMemo)."""

    def __init__(self, result: PropertyResult) -> None:
        super().__init__(result.id)
        self.result = result


@dataclasses.dataclass(frozen=True)
class _Step:
    """One request of a property's run and the answer it got: the request, its encoding, the answer's repr."""

    request: Any
    encoded: Encoded
    answer: str


class FailureMemo:
    """Failed properties' runs, by what the submission answered, to judge the same answers once per worker.

    A property's run is a function of the submission's answers: its examples are fixed (the exam's),
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

    def __init__(self, max_bytes: int = MEMO_BYTES) -> None:
        self._runs: Dict[Tuple[str, str], Tuple[Tuple[_Step, ...], PropertyResult]] = {}
        self.max_bytes = max_bytes
        self.bytes = 0  #: the answers' bytes kept
        self.checks = 0  #: runs a submission's answers were checked against
        self.hits = 0  #: of those, runs whose result was the submission's

    def get(self, key: Tuple[str, str]) -> Optional[Tuple[Tuple[_Step, ...], PropertyResult]]:
        return self._runs.get(key)

    def put(self, key: Tuple[str, str], steps: Sequence[_Step], result: PropertyResult) -> None:
        size = sum(len(step.answer) for step in steps)
        if not steps or len(steps) > self._LONGEST or size > min(RUN_BYTES, self.max_bytes):
            return
        if len(self._runs) >= self._LIMIT or self.bytes + size > self.max_bytes:
            self._runs.clear()
            self.bytes = 0
        self._runs[key] = (tuple(steps), result)
        self.bytes += size


def _encoded(request: Any) -> Optional[Encoded]:
    try:
        return Encoded.of(request)
    except (TypeError, ValueError, AttributeError):
        return None


class Guard:
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
    all. With a ``memo`` (:class:`FailureMemo`), a failing property whose run the memo knows is judged
    from it (``memoized``), and every failing run is added to it.
    """

    def __init__(self, inner: Evaluator, plan: Optional[BatchPlan] = None, side: Sequence[Sandbox] = (),
                 memo: Optional[FailureMemo] = None) -> None:
        self.inner = inner
        self.name = inner.name
        self.aborted: Optional[Abort] = None
        self.plan = plan if callable(getattr(inner, "submit_pickled", None)) else None
        # with a plan, inner is a Sandbox; without one, only evaluate is asked of it
        self.sandboxes = cast(List[Sandbox], [inner, *side] if self.plan is not None else [inner])
        self._owner: Dict[str, int] = {}  # property id -> the sandbox its planned requests go to
        self._queued: Dict[str, Deque[Tuple[Any, Any, int]]] = {}  # property id -> (request, encoded, ticket)
        self._current: Deque[Tuple[Any, Any, int]] = deque()
        self._current_owner = 0
        self._resends = 0
        self.memo = memo
        self.memoized: Optional[Memoized] = None
        self._start_run("")

    def _start_run(self, prop_id: str) -> None:
        """A property's run starts: nothing asked yet."""
        self._prop_id = prop_id
        self._prefix = hashlib.sha256()  # of the answers served from the plan, before any other request
        self._searching = False  # has a request outside the plan been asked (Hypothesis searching)?
        # the run's requests from then on, with their answers (kept only for a memo, up to RUN_BYTES)
        self._steps: Optional[List[_Step]] = [] if self.memo is not None else None
        self._step_bytes = 0
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
                self._prefix.update(repr(outcome).encode() + b"\0")
        else:
            self._record(request, None, outcome)
        return self._checked(outcome, request)

    def _checked(self, outcome: Any, request: Any) -> Any:
        error = getattr(outcome, "error", None)
        if error is not None and error.type in ABORTING:
            self.aborted = Abort(error, request)
            raise self.aborted
        return outcome

    def _child(self) -> Sandbox:
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
        one that run got, its result is this submission's (raise Memoized); else keep the answers got for
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
        self.memoized = Memoized(result)
        raise self.memoized

    def _record(self, request: Any, encoded: Optional[Encoded], outcome: Any) -> None:
        if self._steps is None:
            return
        encoded = encoded or _encoded(request)
        answer = repr(outcome)
        self._step_bytes += len(answer)
        if encoded is None or self._step_bytes > RUN_BYTES:
            self._steps = None  # a request that cannot be encoded, or too much to keep: this run is not remembered
        else:
            self._steps.append(_Step(request, encoded, answer))

    @property
    def memo_key(self) -> Tuple[str, str]:
        """The running property and the answers it was served from the plan (only a failing run asks)."""
        return self._prop_id, self._prefix.hexdigest()

    def remember(self, result: PropertyResult) -> None:
        """The running property gave ``result``: a failure judged from the answers alone is remembered."""
        if (self.memo is not None and result.status is PropertyStatus.FAILED and self.aborted is None
                and self.memoized is None
                and self._searching and self._steps):
            self.memo.put(self.memo_key, self._steps, result)


