"""The pipes to one sandboxed child: what is written to it, what it wrote back (bounded), and how it went.

:class:`Channel` is the part of :class:`~micrograd.sandbox._evaluator.SandboxEvaluator` that talks to
the child of its :class:`~micrograd.sandbox._cell.Cell`: it writes requests as the child takes them,
reads reply lines (each at most ``_MAX_REPLY`` bytes, at most ``_MAX_BUFFERED`` bytes kept unread),
asks a child that is over time where it is running, and says why a child is gone (its own doing, or
a kill from outside the submission: :mod:`micrograd.sandbox._exits`).
"""

from __future__ import annotations

import dataclasses
import json
import os
import select
import signal
import time
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from micrograd.program import Failure
from micrograd.sandbox._cell import Cell
from micrograd.sandbox._exits import exit_reason, outside_reason
from micrograd.sandbox._protocol import bounded, cut

__all__ = ["Channel", "ChildGoneError", "MAX_OUTPUT", "output_of", "raise_at"]

#: the longest reply line the parent reads
_MAX_REPLY = 8 * 1024 * 1024
_POLL = 0.05
#: the most bytes written to the child in one call
_CHUNK = 1 << 16
#: how often (seconds) :meth:`Channel._drain` takes in what the child wrote without waiting, and how much it keeps
#: unread at most
_DRAIN_EVERY = 0.002
_MAX_BUFFERED = 64 * 1024 * 1024
#: how long a child may take to say where it is running before it is killed anyway
_WHERE_WAIT = 0.5
#: the most characters of the student's printed output kept with an answer
MAX_OUTPUT = 1000


class ChildGoneError(Exception):
    """The child is gone (stopped, dead or hung). ``late``: the answers it wrote after the deadline, before
    saying where it was (in a batch, those of the requests before the one running); ``unsure``: it died
    without saying which request killed it (in a batch, any not yet answered may have); ``outside``: it was
    killed from outside the submission (its ``failure`` is then ``Interrupted``)."""

    def __init__(self, failure: Failure, late: Optional[List[Dict[str, Any]]] = None, unsure: bool = False,
                 outside: bool = False) -> None:
        super().__init__(str(failure))
        self.failure = failure
        self.late = late or []
        self.unsure = unsure
        self.outside = outside


def _where_text(where: Any) -> Optional[str]:
    if not isinstance(where, dict):
        return None
    file, line, function = where.get("file"), where.get("line"), where.get("function")
    if not (isinstance(file, str) and type(line) is int and isinstance(function, str)):
        return None
    return f"{cut(file, 200)}:{line} ({cut(function, 200)})"


def output_of(message: Dict[str, Any]) -> str:
    """The student's printed output a reply carries ("" for none), bounded."""
    output = message.get("output")
    return cut(output, MAX_OUTPUT) if isinstance(output, str) else ""


class Channel:
    """Reading and writing the pipes of ``cell``'s child; ``display`` replaces the copy's path in messages."""

    _doing = ""
    limits: Any  # the evaluator's: its Limits, and (below) the seconds left of its budget

    if TYPE_CHECKING:
        @property
        def remaining(self) -> float: ...

    def __init__(self, cell: Cell, display: str) -> None:
        self._cell = cell
        self._display = display
        self._buffer = bytearray()  # what the child wrote; replies not yet read start at _pos
        self._pos = 0
        self._outbox = bytearray()  # what is still to be written to the child
        self._arrived = 0.0  # when the child last wrote something we took in
        self._drained = 0.0
        self._own_signal: Optional[int] = None  # the signal the child said it sends itself
        self._last_size = 0  # bytes of the last reply read

    def _fresh(self) -> None:
        """A new child: nothing read from it or written to it yet."""
        self._buffer, self._pos, self._outbox, self._own_signal = bytearray(), 0, bytearray(), None

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
            raise self._gone("sending a check", error) from None

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
        except (OSError, ChildGoneError):
            pass  # the next read says what happened

    def _next_line(self) -> Optional[bytes]:
        """The next complete line in the buffer, or None."""
        end = self._buffer.find(b"\n", self._pos)
        if end < 0:
            if len(self._buffer) - self._pos > _MAX_REPLY:
                raise ChildGoneError(Failure("Crash", "the submission's process sent an oversized reply", "run"))
            return None
        line = bytes(self._buffer[self._pos:end])
        self._pos = end + 1
        if self._pos == len(self._buffer) or self._pos > _MAX_REPLY:
            del self._buffer[:self._pos]
            self._pos = 0
        return line

    def _mind_slow(self) -> None:
        """Hook: called while waiting for the child (the evaluator lowers the priority of hung children)."""

    def _read_line(self, deadline: float) -> Optional[bytes]:
        """The next line from the child, or None at ``deadline`` (after one look, however late it is).
        Raises ChildGoneError if it died. Sends what is waiting in the outbox as the child takes it."""
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
                    raise self._gone(self._doing)
                self._buffer += chunk
                self._arrived = time.monotonic()
            elif left <= 0:
                return None
            elif not writable and self._cell.proc is not None and self._cell.proc.poll() is not None:
                raise self._gone(self._doing)

    def _read(self, timeout: float, doing: str, slack: float = 0.0, since: Optional[float] = None) -> Dict[str, Any]:
        """The child's next reply, waiting at most ``timeout`` (plus ``slack``) seconds from ``since`` (default:
        now); else ChildGoneError with a Timeout failure, after asking the child where it is (and keeping
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
                where, output = self._locate(late) if doing == "running a check" else (None, "")
                if where is not None:
                    what += f"; it was running {where}"
                self._stop()
                raise ChildGoneError(Failure("Timeout", what, "run", output=output), late=late)
            message = self._decode(line)
            if message is not None and "where" not in message:  # a late answer to a where-are-you signal is no reply
                return message

    def _stop(self) -> None:  # pragma: no cover (the evaluator's)
        raise NotImplementedError

    def _decode(self, line: bytes) -> Optional[Dict[str, Any]]:
        """The reply ``line`` as plain, bounded JSON; None for the child's note that it is about to signal itself."""
        self._last_size = len(line)
        try:
            message = bounded(json.loads(line))
        except (ValueError, RecursionError) as error:
            why = cut(f"the submission's process sent invalid JSON: {error}", 300)
            raise ChildGoneError(Failure("Crash", why, "run")) from None
        if not isinstance(message, dict):
            raise ChildGoneError(Failure("Crash", "the submission's process sent an invalid reply", "run"))
        if "own_signal" in message:
            number = message["own_signal"]
            self._own_signal = number if type(number) is int else None
            return None
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

    def _locate(self, late: Optional[List[Dict[str, Any]]] = None, most: int = 1 << 20) -> Tuple[Optional[str], str]:
        """Ask the child where it is running ("engine.py:57 (relu)") and what the request running has printed,
        before it is killed; the answers it writes before saying so go to ``late`` (at most ``most`` of them)."""
        pid = self._cell.python_pid()
        if pid is None or self._cell.recv_fd < 0:
            return None, ""
        try:
            os.kill(pid, signal.SIGUSR1)
        except OSError:
            return None, ""
        deadline = time.monotonic() + _WHERE_WAIT
        try:
            while True:
                line = self._read_line(deadline)
                if line is None:
                    return None, ""
                message = self._decode(line)
                if message is None:
                    continue
                if "where" in message:
                    return _where_text(message["where"]), output_of(message)
                if late is not None:
                    if len(late) >= most:
                        return None, ""
                    late.append(message)
        except ChildGoneError:
            return None, ""

    def _outcome(self, result: Any, message: Dict[str, Any]) -> Any:
        """The outcome of class ``result`` that the child's reply ``message`` carries (validated, with what the
        submission printed: its ``output``, and its failure's); an invalid reply is a Crash, and the child is
        stopped."""
        try:
            if "outcome" in message:
                outcome = result.from_dict(message["outcome"])
            elif isinstance(message.get("raised"), dict):
                raised = message["raised"]
                outcome = result(error=Failure(cut(str(raised.get("type")), 100), cut(str(raised.get("message"))),
                                               "run"))
            else:
                raise ValueError(f"unexpected reply {cut(str(message), 200)}")
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            self._stop()
            return result(error=Failure("Crash", cut(f"the submission's process sent an invalid reply: {error}"),
                                        "run"))
        output = output_of(message)
        if output:  # what the request printed: with its outcome, and with its failure if it failed
            failure = getattr(outcome, "error", None)
            if isinstance(failure, Failure):
                outcome = dataclasses.replace(outcome, error=dataclasses.replace(failure, output=output))
            if "output" in getattr(outcome, "__dataclass_fields__", ()):
                outcome = dataclasses.replace(outcome, output=output)
        return outcome

    def _gone(self, doing: str, error: Optional[BaseException] = None) -> ChildGoneError:
        """Why the child is gone (it closed its pipe or died), as the error to raise; the child is stopped."""
        cell = self._cell
        code = cell.exit_code(2.0)
        bwrap = cell.isolation.layer == "bwrap"
        reason = exit_reason(code, bwrap=bwrap)
        if code is None and error is not None:
            reason = f"the process closed its pipe ({error})"
        outside = None
        if code is not None:
            ran_for = time.monotonic() - cell.started
            outside = outside_reason(code, bwrap=bwrap, started=cell.ran, own_signal=self._own_signal,
                                     cpu_spent=ran_for >= cell.cpu_seconds - 0.5, oom_before=cell.oom_before)
        self._stop()
        if outside is None:
            return ChildGoneError(Failure("Crash", f"{reason} while {doing}", "run"), unsure=True)
        why = (f"{reason} while {doing}: it was killed from outside the submission, by {outside}; this is not the "
               "submission's doing: grade it again")
        return ChildGoneError(Failure("Interrupted", why, "run"), unsure=True, outside=True)


def raise_at(error: BaseException, where: str, display: str) -> None:
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
