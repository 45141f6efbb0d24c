"""SandboxEvaluator: a submission runs in a fresh, limited, isolated child process; the parent only reads numbers."""

from __future__ import annotations

import dataclasses
import itertools
import math
import time
from collections import deque
from pathlib import Path
from typing import Any, Deque, Dict, List, Optional, Sequence, Set

from micrograd.program import Failure
from micrograd.runner import handed_out
from micrograd.sandbox._cell import Cell, SandboxError
from micrograd.sandbox._channel import Channel, ChildGoneError, output_of, raise_at
from micrograd.sandbox._choice import default_isolation
from micrograd.sandbox._inflight import Account, LoadReport, Message, Pending
from micrograd.sandbox._layers import Isolation
from micrograd.sandbox._limits import Limits
from micrograd.sandbox._protocol import FLUSH_SECONDS, Encoded, Pickled, batch_line, cut, outcome_class, pickled_frame
from micrograd.sandbox._sharing import Sharing

__all__ = ["LoadReport", "SandboxError", "SandboxEvaluator"]

#: the most bytes of answers read and not yet taken that an evaluator keeps (a child writing huge answers to
#: requests nobody asks for yet is stopped there)
_MAX_KEPT = 64 * 1024 * 1024


class SandboxEvaluator(Sharing, Channel):
    """An Evaluator running a submission (a directory with engine.py and nn.py) in an isolated child process.

    ``isolation`` is the layer (default: the strongest this machine offers, see
    :func:`micrograd.sandbox.choose_isolation`). The submission's Python files are copied
    first (:mod:`micrograd.sandbox._files`); the child sees only that copy. Each request
    travels as one JSON line on a dedicated pipe; the reply is cut to size and rebuilt with
    the outcome class's validating ``from_dict``. A request over ``limits.timeout`` seconds, or
    any request once ``limits.budget`` is spent, gives an outcome with ``Failure("Timeout", ...)``;
    a child that dies of its own doing gives ``Failure("Crash", ...)``. After either, the next request
    starts a fresh child. A child killed from outside the submission (a signal its own limits do not
    explain, see :mod:`micrograd.sandbox._exits`) is started again and given what it had in flight;
    if that happens again before it answers, the requests get ``Failure("Interrupted", ...)``, which
    says so: the submission is not to blame. An outcome carries what the submission printed while it ran
    (``output``, and a failure's ``Failure.output``, bounded), noted as the running example's when handed out
    (:func:`micrograd.runner.handed_out`). ``display`` replaces the copy's path in messages (default: nothing,
    so messages say ``engine.py``). ``budget_of``: another evaluator of the same submission, running side by side
    with this one, whose time budget this one shares. Use as a context manager, or call :meth:`close`: it kills
    every process of the submission, waits until they are gone, and removes its files.
    """

    def __init__(self, path: str | Path, limits: Optional[Limits] = None, *, isolation: Optional[Isolation] = None,
                 display: str = "", budget_of: Optional[SandboxEvaluator] = None) -> None:
        source = Path(path)
        if not (source / "engine.py").is_file():
            raise ValueError(f"{path}: not a submission directory (it needs engine.py and nn.py)")
        self._closed = True  # until the cell is made: a failure there leaves nothing to close
        self.limits = limits or Limits()
        self.isolation = isolation or default_isolation()
        self.name = f"sandbox:{source.name}"
        self._source = source
        self._prefetched: List[Any] = []  # (request, side evaluator, ticket)
        self._account: Account = budget_of._account if budget_of is not None else Account()
        self._account.members.append(self)
        self._lowered: Optional[int] = None  # the request whose slowness lowered the child's priority
        self._starting: Optional[float] = None  # when the child was started, until it said it is ready
        self.restarts = 0
        self._tickets = itertools.count()
        self._messages = itertools.count()
        self._sent: Dict[int, Message] = {}  # message id -> the message, until every request of it is answered
        self._inflight: Deque[Pending] = deque()  # requests sent, not yet answered, oldest first
        self._answers: Dict[int, Any] = {}  # ticket -> outcome, read and not yet taken
        self._kept = 0  # bytes of the replies in _answers
        self._sizes: Dict[int, int] = {}
        self._forgotten: Set[int] = set()  # tickets whose answers nobody will take
        self._answered = 0.0  # when the last answer read had arrived, at the latest (monotonic)
        self._killed = 0  # kills from outside since the child last answered
        self._load: Optional[LoadReport] = None
        self.timed_out: Optional[int] = None  # the ticket of the last request whose time limit hit
        Channel.__init__(self, Cell(source, self.isolation, self.limits), display)
        self._closed = False

    # lifecycle

    def __enter__(self) -> SandboxEvaluator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the children of prefetched requests, then this one's cell (see
        :meth:`~micrograd.sandbox._cell.Cell.close`, which raises SandboxError if a process survived)."""
        if self._closed:
            return
        self._closed = True
        try:
            self.cancel_prefetched()
            self._stop()
        finally:
            self._cell.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 (never raise from a finalizer)
            pass

    @property
    def spent(self) -> float:
        """Seconds spent waiting for the submission (with ``budget_of``, by both evaluators)."""
        return self._account.spent

    @spent.setter
    def spent(self, value: float) -> None:
        self._account.spent = value

    @property
    def remaining(self) -> float:
        return max(0.0, self.limits.budget - self.spent)

    def load_report(self) -> LoadReport:
        """Start the child if needed and say what importing the submission gave."""
        if self._load is None:
            self._start()
        assert self._load is not None
        return self._load

    def start(self) -> None:
        """Start the child now, without waiting while it imports the submission (:meth:`load_report` and the
        first request wait for that): several children can start side by side."""
        if self._cell.proc is None and self._starting is None:
            self.restarts += 1
            self._starting = time.monotonic()
            try:
                self._stop()
                self._cell.spawn(cpu_seconds=max(1, math.ceil(min(self.remaining, 10.0**6)) + 1))
                self._fresh()
            except BaseException:
                self._starting = None
                raise

    def _start(self, retry: bool = True) -> None:
        """Start the child and read its greeting into ``_load``; a child killed from outside while it imports
        is started once more (if ``retry``)."""
        for attempt in (1, 2) if retry else (2,):
            self.start()
            started, self._starting = self._starting or time.monotonic(), None
            try:
                message = self._read(min(self.limits.timeout + self.limits.startup, self.remaining), "importing",
                                     since=started)
            except ChildGoneError as gone:
                self._stop()
                if gone.outside and attempt == 1:
                    continue
                self._load = LoadReport(failure=gone.failure)
                return
            except BaseException:  # interrupted (a caller's time limit, Ctrl-C): the child goes too
                self._stop()
                raise
            finally:
                self.spent += time.monotonic() - started
            break
        if "sandbox_error" in message:
            self._stop()
            raise SandboxError(f"the sandbox could not start the child: {cut(str(message['sandbox_error']), 300)}")
        engine, nn = message.get("engine"), message.get("nn")
        if message.get("ready") is not True or not all(m is None or isinstance(m, str) for m in (engine, nn)):
            failure = Failure("Crash", "the submission's process sent an invalid greeting", "load")
            self._load = LoadReport(failure=failure)
            self._stop()
            return
        self._load = LoadReport(engine, nn, output=output_of(message))

    def _stop(self) -> None:
        """Stop the child: the requests in flight and those waiting to be sent are gone with it (their messages
        are kept until :meth:`_went` knows whether to send them again)."""
        self._cell.stop()
        self._inflight.clear()
        self._outbox.clear()

    # requests

    def evaluate(self, request: Any) -> Any:
        """The outcome of ``request`` (a Program, or a module request) computed by the submission.

        ``request`` may also be an :class:`~micrograd.sandbox._protocol.Encoded` request. Requests
        :meth:`submit` sent earlier are answered first."""
        self.last_request = request  # see Sharing.ahead
        outcome = self._take_ahead(request)
        if outcome is None and self._prefetched:
            outcome = self._take_prefetched(request)
        if outcome is not None:
            return outcome
        outcome = self.result(self.submit([request])[0])
        if outcome is None:  # an earlier request, still in flight, stopped the child: once more, on a fresh one
            outcome = self.result(self.submit([request])[0])
        assert outcome is not None  # a request sent alone is answered, or says why not
        return outcome

    def evaluate_many(self, requests: Sequence[Any]) -> List[Optional[Any]]:
        """The outcomes of ``requests`` in one round trip (:meth:`submit`, then :meth:`result` of each)."""
        return [self.result(ticket) for ticket in self.submit(requests)]

    def submit(self, requests: Sequence[Any]) -> List[int]:
        """Send ``requests`` to the child in one message, without waiting; returns a ticket for each, in
        order, for :meth:`result`. Requests may be :class:`~micrograd.sandbox._protocol.Encoded` ones.

        The child answers them in turn after those sent before, while the caller does something else.
        """
        encoded = [r if isinstance(r, Encoded) else Encoded.of(r) for r in requests]
        if len(encoded) == 1:
            return self._enqueue([encoded[0].kind], encoded[0].item + b"\n")
        return self._enqueue([item.kind for item in encoded], batch_line(encoded))

    def submit_pickled(self, groups: Sequence[Pickled]) -> List[int]:
        """:meth:`submit` for requests pickled once (:class:`~micrograd.sandbox._protocol.Pickled`, faster for
        the child to read than JSON): a ticket for each request of each group, in order."""
        kinds = [kind for group in groups for kind in group.kinds]
        return self._enqueue(kinds, pickled_frame(groups), batch=True)

    def _enqueue(self, kinds: Sequence[str], message: bytes, batch: Optional[bool] = None) -> List[int]:
        """Send ``message``, which carries requests of ``kinds``; a ticket for each."""
        tickets = [next(self._tickets) for _ in kinds]
        if not kinds:
            return tickets
        early = [self._before_requests(outcome_class(kind)) for kind in kinds]
        if early[0] is not None:  # no child to run them (the budget is spent, the import failed)
            self._answers.update({t: e for t, e in zip(tickets, early) if e is not None})
            return tickets
        slack = FLUSH_SECONDS if (len(kinds) > 1 if batch is None else batch) else 0.0
        number = next(self._messages)
        self._sent[number] = Message(message, tickets, list(kinds), slack, len(tickets))
        now = time.monotonic()
        self._inflight.extend(Pending(t, kind, now, slack, number) for t, kind in zip(tickets, kinds))
        self._outbox += message
        try:
            self._write_some()
        except ChildGoneError as gone:
            self._went(gone, list(self._inflight))
        return tickets

    def result(self, ticket: int) -> Optional[Any]:
        """The outcome of the request of ``ticket`` (from :meth:`submit`), waiting for it if need be.

        Each request has ``limits.timeout`` seconds from the moment the answer before it arrived (or it
        was sent), and the wait counts against the budget; an answer is what :meth:`evaluate` would have
        given for the request alone, so a request that times out (its ticket is then :attr:`timed_out`), or
        kills the child when it is the only one unanswered, says so. None for a request that was not run: one
        after a request that timed out or an invalid answer, and every request not answered when the child
        dies (any of them may have killed it); evaluate it again if it is needed (a fresh child is started).
        """
        self._drain()
        while ticket not in self._answers:
            if not self._inflight or self._inflight[0].ticket > ticket:
                return None
            self._read_next()
        self._forgotten.discard(ticket)
        self._kept -= self._sizes.pop(ticket, 0)
        return handed_out(self._answers.pop(ticket))

    @property
    def in_flight(self) -> int:
        """How many requests sent to the child it has not answered yet (as far as we know)."""
        return sum(1 for p in self._inflight if not p.drop)

    def pending(self, ticket: int) -> bool:
        """Will :meth:`result` of ``ticket`` give an outcome (it is answered, or still in flight)?"""
        if ticket in self._answers:
            return True
        return ticket not in self._forgotten and any(p.ticket == ticket and not p.drop for p in self._inflight)

    def forget(self, tickets: Sequence[int]) -> None:
        """Drop the answers of ``tickets``, which will not be asked for (those still in flight when they come)."""
        for ticket in tickets:
            if self._answers.pop(ticket, None) is None:
                self._forgotten.add(ticket)
            else:
                self._kept -= self._sizes.pop(ticket, 0)

    def _read_next(self) -> None:
        """Read the answer of the oldest request in flight into ``_answers`` (or why there is none)."""
        head = self._inflight[0]
        items = list(self._inflight)
        begun = time.monotonic()
        try:
            message = self._read(min(self.limits.timeout, self.remaining), "running a check", slack=head.slack,
                                 since=max(head.sent, self._answered))
        except ChildGoneError as gone:
            self._went(gone, items)
            return
        except BaseException as error:  # interrupted (a caller's time limit, Ctrl-C): the child goes too
            self._interrupted(error)
            raise
        finally:
            self.spent += time.monotonic() - begun
        self._answered = self._arrived  # the child wrote it then or before, and went on to the next request
        self._killed = 0
        self._inflight.popleft()
        if self._lowered == head.ticket:
            self._priority(0)
        if head.drop:
            return
        sent = self._sent.get(head.message)
        if sent is not None:
            sent.left -= 1
            if sent.left <= 0:
                del self._sent[head.message]
        self._keep(head, self._outcome(outcome_class(head.kind), message), size=self._last_size)

    def _keep(self, pending: Pending, outcome: Any, size: int = 0) -> None:
        if pending.ticket in self._forgotten:
            self._forgotten.discard(pending.ticket)
            return
        if size and self._kept + size > _MAX_KEPT:  # answers nobody asked for yet, piling up: no more of them
            failure = Failure("Crash", f"the submission's process sent more than {_MAX_KEPT // 2**20} MiB of "
                                       "answers not yet asked for", "run")
            self._answers[pending.ticket] = outcome_class(pending.kind)(error=failure)
            self._lose(ChildGoneError(failure, unsure=True))
            return
        self._answers[pending.ticket] = outcome
        if size:
            self._sizes[pending.ticket] = size
            self._kept += size

    def _went(self, gone: ChildGoneError, items: List[Pending]) -> None:
        """The child went while ``items`` were in flight: started again with them if it was killed from outside
        (once, until it answers again), else they are lost (:meth:`_lose`)."""
        if gone.outside and self._killed == 0 and self.remaining > 0:
            self._killed += 1
            self._resend(items)
            return
        self._inflight = deque(items)  # what was in flight when the child went
        self._lose(gone)

    def _resend(self, items: List[Pending]) -> None:
        """Start a fresh child and send it again every message that carried one of ``items``."""
        waiting = {p.ticket for p in items if not p.drop}
        numbers = list(dict.fromkeys(p.message for p in items if not p.drop))
        messages = [(n, self._sent[n]) for n in numbers if n in self._sent]
        self._stop()
        self._start(retry=False)
        assert self._load is not None
        if self._load.failure is not None:
            self._inflight = deque(p for p in items if not p.drop)
            failure = self._load.failure
            self._lose(ChildGoneError(dataclasses.replace(failure, message=f"starting again: {failure.message}"),
                                      outside=failure.type == "Interrupted"))
            return
        now = time.monotonic()
        for number, message in messages:
            self._sent[number] = message
            self._inflight.extend(Pending(t, kind, now, message.slack, number, drop=t not in waiting)
                                  for t, kind in zip(message.tickets, message.kinds))
            self._outbox += message.data
        try:
            self._write_some()
        except ChildGoneError as gone:
            self._went(gone, list(self._inflight))

    def _lose(self, gone: ChildGoneError) -> None:
        """The child went while requests were in flight: keep the answers it wrote last, give the request it
        was running the failure (when it is known; every request, for a kill from outside), and lose the rest."""
        inflight = list(self._inflight)
        self._stop()
        self._sent.clear()
        for pending, message in zip(inflight, gone.late):  # answered, written after the deadline
            if not pending.drop:
                self._keep(pending, self._outcome(outcome_class(pending.kind), message))
        rest = [p for p in inflight[len(gone.late):] if not p.drop]
        if rest and gone.failure.type == "Timeout":
            self.timed_out = rest[0].ticket
        for pending in rest if gone.outside else rest[:1] if not (gone.unsure and len(rest) > 1) else []:
            self._keep(pending, outcome_class(pending.kind)(error=gone.failure))
        for pending in rest:
            self._forgotten.discard(pending.ticket)

    def _before_requests(self, result: Any) -> Optional[Any]:
        """The outcome every request gets without running (time budget spent, import failed), else None
        (after starting the child if it is not running)."""
        if self.remaining <= 0:
            spent = f"the submission used up its time budget of {self.limits.budget:g} s"
            return result(error=Failure("Timeout", spent, "run"))
        if self._load is None or (self._cell.proc is None and (self._load.failure is None
                                                              or self._load.failure.type == "Interrupted")):
            self._start()  # a first child; or a fresh one (after a child that went, or one killed from outside)
        assert self._load is not None
        if self._load.failure is not None:
            failure = self._load.failure
            return result(error=dataclasses.replace(failure, message=f"importing the submission: {failure.message}",
                                                    phase="load"))
        return None

    def _interrupted(self, error: BaseException) -> None:
        where, output = (None, "") if isinstance(error, (KeyboardInterrupt, SystemExit)) else self._locate()
        self._stop()
        if output:
            error.output = output  # type: ignore[attr-defined]  # what the student's code printed (bounded)
        if where is not None:
            raise_at(error, where, self._display)
