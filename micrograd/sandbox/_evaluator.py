"""SandboxEvaluator: a submission runs in a fresh, limited, isolated child process; the parent only reads numbers."""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import os
import select
import signal
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Deque, Dict, List, Optional, Sequence, Set, Tuple

from micrograd.program import Failure
from micrograd.sandbox._cell import Cell, SandboxError, exit_reason
from micrograd.sandbox._choice import default_isolation
from micrograd.sandbox._layers import Isolation
from micrograd.sandbox._limits import Limits
from micrograd.sandbox._protocol import (
    FLUSH_SECONDS,
    Encoded,
    Pickled,
    batch_line,
    bounded,
    cut,
    outcome_class,
    pickled_frame,
)

__all__ = ["LoadReport", "SandboxError", "SandboxEvaluator"]

_MAX_REPLY = 8 * 1024 * 1024
_POLL = 0.05
#: after this share of its time limit without an answer, a request's child runs at the lowest CPU priority
#: (most likely hung: its busy loop should not slow the grading of others) until it answers
_SLOW = 0.5
#: the most bytes written to the child in one call
_CHUNK = 1 << 16
#: how often (seconds) :meth:`SandboxEvaluator.result` takes in what the child wrote without waiting, and
#: how much it keeps unread at most
_DRAIN_EVERY = 0.002
_MAX_BUFFERED = 64 * 1024 * 1024
#: how long a child may take to say where it is running before it is killed anyway
_WHERE_WAIT = 0.5


@dataclass(frozen=True)
class LoadReport:
    """What happened when the child imported the submission.

    ``engine``/``nn``: the ImplementationError message for that file, or None if it loaded;
    ``failure``: set when the child itself died or hung while importing (then nothing loaded).
    """

    engine: Optional[str] = None
    nn: Optional[str] = None
    failure: Optional[Failure] = None

    @property
    def engine_ok(self) -> bool:
        return self.failure is None and self.engine is None


@dataclass
class _Account:
    """Seconds spent waiting for one submission, and the evaluators running it side by side."""

    spent: float = 0.0
    members: List[Any] = field(default_factory=list)


@dataclass(frozen=True)
class _Pending:
    """A request sent and not yet answered: its ticket, outcome kind, when it was sent, and how much longer
    than the time limit its answer may take to arrive (answers of a batch are written a few at a time)."""

    ticket: int
    kind: str
    sent: float
    slack: float


class _ChildGoneError(Exception):
    """The child is gone (stopped, dead or hung). ``late``: the answers it wrote after the deadline, before
    saying where it was (in a batch, those of the requests before the one running); ``unsure``: it died
    without saying which request killed it (in a batch, any not yet answered may have)."""

    def __init__(self, failure: Failure, late: Optional[List[Dict[str, Any]]] = None, unsure: bool = False) -> None:
        super().__init__(str(failure))
        self.failure = failure
        self.late = late or []
        self.unsure = unsure


def _where_text(where: Any) -> Optional[str]:
    if not isinstance(where, dict):
        return None
    file, line, function = where.get("file"), where.get("line"), where.get("function")
    if not (isinstance(file, str) and type(line) is int and isinstance(function, str)):
        return None
    return f"{cut(file, 200)}:{line} ({cut(function, 200)})"


class SandboxEvaluator:
    """An Evaluator running a submission (a directory with engine.py and nn.py) in an isolated child process.

    ``isolation`` is the layer (default: the strongest this machine offers, see
    :func:`micrograd.sandbox.choose_isolation`). The submission's Python files are copied
    first (:mod:`micrograd.sandbox._files`); the child sees only that copy. Each request
    travels as one JSON line on a dedicated pipe; the reply is cut to size and rebuilt with
    the outcome class's validating ``from_dict``. A request over ``limits.timeout`` seconds, or
    any request once ``limits.budget`` is spent, gives an outcome with ``Failure("Timeout", ...)``;
    a child that dies gives ``Failure("Crash", ...)``. After either, the next request starts a
    fresh child. ``display`` replaces the copy's path in messages (default: nothing, so
    messages say ``engine.py``). ``budget_of``: another evaluator of the same submission, running side
    by side with this one, whose time budget this one shares. Use as a context manager, or call :meth:`close`: it kills
    every process of the submission, waits until they are gone, and removes its files.
    """

    def __init__(self, path: str | Path, limits: Optional[Limits] = None, *, isolation: Optional[Isolation] = None,
                 display: str = "", budget_of: Optional[SandboxEvaluator] = None) -> None:
        source = Path(path)
        if not (source / "engine.py").is_file():
            raise ValueError(f"{path}: not a submission directory (it needs engine.py and nn.py)")
        self.limits = limits or Limits()
        self.isolation = isolation or default_isolation()
        self.name = f"sandbox:{source.name}"
        self._source = source
        self._prefetched: List[Tuple[Any, SandboxEvaluator, int]] = []  # (request, side evaluator, ticket)
        self._account: _Account = budget_of._account if budget_of is not None else _Account()
        self._account.members.append(self)
        self._lowered: Optional[int] = None  # the request whose slowness lowered the child's priority
        self._starting: Optional[float] = None  # when the child was started, until it said it is ready
        self.restarts = 0
        self._display = display
        self._buffer = bytearray()  # what the child wrote; replies not yet read start at _pos
        self._pos = 0
        self._outbox = bytearray()  # what is still to be written to the child
        self._tickets = itertools.count()
        self._inflight: Deque[_Pending] = deque()  # requests sent, not yet answered, oldest first
        self._answers: Dict[int, Any] = {}  # ticket -> outcome, read and not yet taken
        self._forgotten: Set[int] = set()  # tickets whose answers nobody will take
        self._answered = 0.0  # when the last answer read had arrived, at the latest (monotonic)
        self._arrived = 0.0  # when the child last wrote something we took in
        self._drained = 0.0
        self._load: Optional[LoadReport] = None
        self._closed = True  # until the cell is made: a failure there leaves nothing to close
        self._cell = Cell(source, self.isolation, self.limits)
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
                self._spawn()
            except BaseException:
                self._starting = None
                raise

    def _spawn(self) -> None:
        """Start the child (it confines itself, then loads the submission)."""
        self._stop()
        self._cell.spawn(cpu_seconds=max(1, math.ceil(min(self.remaining, 10.0**6)) + 1))
        self._buffer, self._pos, self._outbox = bytearray(), 0, bytearray()

    def _start(self) -> None:
        self.start()
        started, self._starting = self._starting or time.monotonic(), None
        try:
            message = self._read(min(self.limits.timeout + self.limits.startup, self.remaining), "importing",
                                 since=started)
        except _ChildGoneError as gone:
            self._load = LoadReport(failure=gone.failure)
            self._stop()
            return
        finally:
            self.spent += time.monotonic() - started
        engine, nn = message.get("engine"), message.get("nn")
        if message.get("ready") is not True or not all(m is None or isinstance(m, str) for m in (engine, nn)):
            failure = Failure("Crash", "the submission's process sent an invalid greeting", "load")
            self._load = LoadReport(failure=failure)
            self._stop()
            return
        self._load = LoadReport(engine, nn)

    def _stop(self) -> None:
        """Stop the child: the requests in flight and those waiting to be sent are gone with it."""
        self._cell.stop()
        self._inflight.clear()
        self._outbox.clear()

    # requests

    def prefetch(self, request: Any) -> None:
        """Start computing ``request`` now, in a second child of the same code beside this one (sharing its
        budget): a long request (the chain of 100,000 nodes) then runs on another core while this child
        answers the others. :meth:`evaluate` of an equal request takes its answer."""
        side = SandboxEvaluator(self._source, self.limits, isolation=self.isolation, display=self._display,
                                budget_of=self)
        try:
            side.start()
            ticket = side.submit([request])[0]
        except BaseException:
            side.close()
            raise
        self._prefetched.append((request, side, ticket))

    def cancel_prefetched(self) -> None:
        """Stop the children of prefetched requests nobody asked for (closed, as :meth:`close` does)."""
        while self._prefetched:
            self._prefetched.pop()[1].close()

    def _take_prefetched(self, request: Any) -> Any:
        """The answer of a prefetched request equal to ``request`` (its child is then closed), or None."""
        for i, (asked, side, ticket) in enumerate(self._prefetched):
            if asked is request or (type(asked) is type(request) and asked == request):
                del self._prefetched[i]
                try:
                    return side.result(ticket)
                finally:
                    side.close()
        return None

    def evaluate(self, request: Any) -> Any:
        """The outcome of ``request`` (a Program, or a module request) computed by the submission.

        ``request`` may also be an :class:`~micrograd.sandbox._protocol.Encoded` request. Requests
        :meth:`submit` sent earlier are answered first."""
        if self._prefetched:
            outcome = self._take_prefetched(request)
            if outcome is not None:
                return outcome
        outcome = self.result(self.submit([request])[0])
        if outcome is None:  # an earlier request, still in flight, stopped the child: once more, on a fresh one
            outcome = self.result(self.submit([request])[0])
        assert outcome is not None  # a request sent alone is answered, or says why not
        return outcome

    def evaluate_many(self, requests: Sequence[Any]) -> List[Optional[Any]]:
        """The outcomes of ``requests``, computed by the submission in one round trip (:meth:`submit`, then
        :meth:`result` of each): None for those not run (see :meth:`result`)."""
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
        now = time.monotonic()
        self._inflight.extend(_Pending(t, kind, now, slack) for t, kind in zip(tickets, kinds))
        self._outbox += message
        try:
            self._write_some()
        except _ChildGoneError as gone:
            self._lose(gone)
        return tickets

    def result(self, ticket: int) -> Optional[Any]:
        """The outcome of the request of ``ticket`` (from :meth:`submit`), waiting for it if need be.

        Each request has ``limits.timeout`` seconds from the moment the answer before it arrived (or it
        was sent), and the wait counts against the budget; an answer is what :meth:`evaluate` would have
        given for the request alone, so a request that times out, or kills the child when it is the only
        one unanswered, says so. None for a request that was not run: one after a request that timed out
        or an invalid answer, and every request not answered when the child dies (any of them may have
        killed it); evaluate it again if it is needed (a fresh child is started).
        """
        self._drain()
        while ticket not in self._answers:
            if not self._inflight or self._inflight[0].ticket > ticket:
                return None
            self._read_next()
        self._forgotten.discard(ticket)
        return self._answers.pop(ticket)

    @property
    def in_flight(self) -> int:
        """How many requests sent to the child it has not answered yet (as far as we know)."""
        return len(self._inflight)

    def pending(self, ticket: int) -> bool:
        """Will :meth:`result` of ``ticket`` give an outcome (it is answered, or still in flight)?"""
        if ticket in self._answers:
            return True
        return ticket not in self._forgotten and any(p.ticket == ticket for p in self._inflight)

    def forget(self, tickets: Sequence[int]) -> None:
        """Drop the answers of ``tickets``, which will not be asked for (those still in flight when they come)."""
        for ticket in tickets:
            if self._answers.pop(ticket, None) is None:
                self._forgotten.add(ticket)

    def _read_next(self) -> None:
        """Read the answer of the oldest request in flight into ``_answers`` (or why there is none)."""
        head = self._inflight[0]
        items = list(self._inflight)
        begun = time.monotonic()
        try:
            message = self._read(min(self.limits.timeout, self.remaining), "running a check", slack=head.slack,
                                 since=max(head.sent, self._answered))
        except _ChildGoneError as gone:
            self._inflight = deque(items)  # what was in flight when the child went
            self._lose(gone)
            return
        except BaseException as error:  # interrupted (a caller's time limit, Ctrl-C): the child goes too
            self._interrupted(error)
            raise
        finally:
            self.spent += time.monotonic() - begun
        self._answered = self._arrived  # the child wrote it then or before, and went on to the next request
        self._inflight.popleft()
        if self._lowered == head.ticket:
            self._priority(0)
        self._keep(head, self._outcome(outcome_class(head.kind), message))

    def _keep(self, pending: _Pending, outcome: Any) -> None:
        if pending.ticket in self._forgotten:
            self._forgotten.discard(pending.ticket)
        else:
            self._answers[pending.ticket] = outcome

    def _lose(self, gone: _ChildGoneError) -> None:
        """The child went while requests were in flight: keep the answers it wrote last, give the request it
        was running the failure (when it is known), and lose the rest."""
        items = list(self._inflight)
        self._stop()
        for item, message in zip(items, gone.late):  # answered, written after the deadline
            self._keep(item, self._outcome(outcome_class(item.kind), message))
        running = len(gone.late)
        if running < len(items) and not (gone.unsure and running < len(items) - 1):
            self._keep(items[running], outcome_class(items[running].kind)(error=gone.failure))
        for item in items[running:]:
            self._forgotten.discard(item.ticket)

    def _before_requests(self, result: Any) -> Optional[Any]:
        """The outcome every request gets without running (time budget spent, import failed), else None
        (after starting the child if it is not running)."""
        if self.remaining <= 0:
            spent = f"the submission used up its time budget of {self.limits.budget:g} s"
            return result(error=Failure("Timeout", spent, "run"))
        if self._load is None or (self._cell.proc is None and self._load.failure is None):
            self._start()
        assert self._load is not None
        if self._load.failure is not None:
            failure = self._load.failure
            return result(error=Failure(failure.type, f"importing the submission: {failure.message}", "load"))
        return None

    def _interrupted(self, error: BaseException) -> None:
        where = None if isinstance(error, (KeyboardInterrupt, SystemExit)) else self._locate()
        self._stop()
        if where is not None:
            _raise_at(error, where, self._display)

    def _outcome(self, result: Any, message: Dict[str, Any]) -> Any:
        """The outcome of class ``result`` that the child's reply ``message`` carries (validated); an invalid
        reply is a Crash, and the child is stopped."""
        try:
            if "outcome" in message:
                return result.from_dict(message["outcome"])
            raised = message.get("raised")
            if isinstance(raised, dict):
                return result(error=Failure(cut(str(raised.get("type")), 100), cut(str(raised.get("message"))),
                                            "run"))
            raise ValueError(f"unexpected reply {cut(str(message), 200)}")
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            self._stop()
            return result(error=Failure("Crash", cut(f"the submission's process sent an invalid reply: {error}"),
                                        "run"))

    def _write_some(self) -> None:
        """Write as much of the outbox to the child as its pipe takes now (never waiting)."""
        try:
            while self._outbox:
                written = os.write(self._cell.send_fd, self._outbox[:_CHUNK])
                del self._outbox[:written]
        except BlockingIOError:
            pass
        except OSError as error:
            self._outbox.clear()
            raise _ChildGoneError(self._died("sending a check", error), unsure=True) from None

    def poll(self) -> None:
        """Take in the answers the child has written, and send it what is waiting, without waiting (for a
        caller busy with something else, so that the child need not wait for it)."""
        self._drain()
        self._mind_slow()

    def _mind_slow(self) -> None:
        """Lower the CPU priority of each child of this submission whose oldest request has gone unanswered
        for _SLOW of its time limit (it is most likely hung); raise it again once that request is answered."""
        now = time.monotonic()
        for member in self._account.members:
            member._check_slow(now)

    def _check_slow(self, now: float) -> None:
        head = self._inflight[0] if self._inflight and self._cell.proc is not None else None
        if self._lowered is not None and (head is None or head.ticket != self._lowered):
            self._priority(0)  # the slow request was answered (or its child went)
        if head is not None and self._lowered is None and now - max(head.sent, self._answered) > \
                self.limits.timeout * _SLOW:
            self._lowered = head.ticket
            self._priority(19)

    def _priority(self, nice: int) -> None:
        if nice == 0 and self._lowered is None:
            return
        pid = self._cell.python_pid()
        if pid is not None:
            with contextlib.suppress(OSError):  # gone, or (not root) not allowed to raise it again
                os.setpriority(os.PRIO_PROCESS, pid, nice)
        if nice == 0:
            self._lowered = None

    def _drain(self) -> None:
        """Take in what the child has written, without waiting (so that it need not wait for us to read),
        and send what is waiting in the outbox."""
        if self._cell.recv_fd < 0 or time.monotonic() - self._drained < _DRAIN_EVERY:
            return
        self._drained = time.monotonic()
        try:
            while len(self._buffer) - self._pos < _MAX_BUFFERED:
                ready, _, _ = select.select([self._cell.recv_fd], [], [], 0)
                if not ready:
                    break
                chunk = os.read(self._cell.recv_fd, 1 << 20)
                if not chunk:
                    break
                self._buffer += chunk
                self._arrived = time.monotonic()
            if self._outbox:
                self._write_some()
        except (OSError, _ChildGoneError):
            pass  # the next read says what happened

    def _next_line(self) -> Optional[bytes]:
        """The next complete line in the buffer, or None."""
        end = self._buffer.find(b"\n", self._pos)
        if end < 0:
            if len(self._buffer) - self._pos > _MAX_REPLY:
                raise _ChildGoneError(Failure("Crash", "the submission's process sent an oversized reply", "run"))
            return None
        line = bytes(self._buffer[self._pos:end])
        self._pos = end + 1
        if self._pos == len(self._buffer) or self._pos > _MAX_REPLY:
            del self._buffer[:self._pos]
            self._pos = 0
        return line

    def _read_line(self, deadline: float) -> Optional[bytes]:
        """The next line from the child, or None at ``deadline`` (after one look, however late it is).
        Raises _ChildGoneError if it died. Sends what is waiting in the outbox as the child takes it."""
        while True:
            line = self._next_line()
            if line is not None:
                return line
            left = deadline - time.monotonic()
            self._mind_slow()
            writing = [self._cell.send_fd] if self._outbox else []
            ready, writable, _ = select.select([self._cell.recv_fd], writing, [], max(0.0, min(_POLL, left)))
            if writable:
                self._write_some()
            if ready:
                chunk = os.read(self._cell.recv_fd, 1 << 20)
                if not chunk:
                    raise _ChildGoneError(self._died(self._doing), unsure=True)
                self._buffer += chunk
                self._arrived = time.monotonic()
            elif left <= 0:
                return None
            elif not writable and self._cell.proc is not None and self._cell.proc.poll() is not None:
                raise _ChildGoneError(self._died(self._doing), unsure=True)

    _doing = ""

    def _read(self, timeout: float, doing: str, slack: float = 0.0, since: Optional[float] = None) -> Dict[str, Any]:
        """The child's next reply, waiting at most ``timeout`` (plus ``slack``) seconds from ``since`` (default:
        now); else _ChildGoneError with a Timeout failure, after asking the child where it is (and keeping
        the answers it wrote first)."""
        self._doing = doing
        deadline = (time.monotonic() if since is None else since) + timeout + slack
        while True:
            line = self._read_line(deadline)
            if line is None:
                budget = self.remaining <= timeout + 1e-9 and timeout < self.limits.timeout
                what = (f"the submission used up its time budget of {self.limits.budget:g} s" if budget
                        else f"no answer within {timeout:g} s while {doing}")
                late: List[Dict[str, Any]] = []
                where = self._locate(late) if doing == "running a check" else None
                if where is not None:
                    what += f"; it was running {where}"
                self._stop()
                raise _ChildGoneError(Failure("Timeout", what, "run"), late=late)
            message = self._decode(line)
            if "where" not in message:  # a late answer to a where-are-you signal is not a reply
                return message

    def _decode(self, line: bytes) -> Dict[str, Any]:
        try:
            message = bounded(json.loads(line))
        except (ValueError, RecursionError) as error:
            why = cut(f"the submission's process sent invalid JSON: {error}", 300)
            raise _ChildGoneError(Failure("Crash", why, "run")) from None
        if not isinstance(message, dict):
            raise _ChildGoneError(Failure("Crash", "the submission's process sent an invalid reply", "run"))
        return self._relabel(message) if self._cell.inside.encode() in line else message

    def _relabel(self, data: Any) -> Any:
        """``data`` with the copy's path (as the child sees it) replaced by ``display``."""
        inside = self._cell.inside
        if isinstance(data, str):
            return data.replace(inside, self._display)
        if isinstance(data, list):
            return [self._relabel(x) for x in data]
        if isinstance(data, dict):
            return {k: self._relabel(v) for k, v in data.items()}
        return data

    def _locate(self, late: Optional[List[Dict[str, Any]]] = None) -> Optional[str]:
        """Ask the child where it is running ("engine.py:57 (relu)"), before it is killed; the answers it
        writes before saying so go to ``late``."""
        pid = self._cell.python_pid()
        if pid is None or self._cell.recv_fd < 0:
            return None
        try:
            os.kill(pid, signal.SIGUSR1)
        except OSError:
            return None
        deadline = time.monotonic() + _WHERE_WAIT
        try:
            while True:
                line = self._read_line(deadline)
                if line is None:
                    return None
                message = self._decode(line)
                if "where" in message:
                    return _where_text(message["where"])
                if late is not None:
                    late.append(message)
        except _ChildGoneError:
            return None

    def _died(self, doing: str, error: Optional[BaseException] = None) -> Failure:
        code = self._cell.exit_code(2.0)
        reason = exit_reason(code, bwrap=self.isolation.layer == "bwrap")
        if code is None and error is not None:
            reason = f"the process closed its pipe ({error})"
        self._stop()
        return Failure("Crash", f"{reason} while {doing}", "run")


def _raise_at(error: BaseException, where: str, display: str) -> None:
    """Raise ``error`` again from a frame that says where the child was (``engine.py:57 (relu)``), so a
    report that names the interrupted line names the student's, not this module's."""
    location, _, function = where.rpartition(" (")
    file, _, line = location.rpartition(":")
    try:
        number = max(1, min(int(line), 100_000))
    except ValueError:
        raise error from None
    code = compile("\n" * (number - 1) + "raise __error__", display + file, "exec")
    code = code.replace(co_name=function.rstrip(")") or "<module>")
    exec(code, {"__error__": error.with_traceback(None)})  # trusted code: one raise statement
