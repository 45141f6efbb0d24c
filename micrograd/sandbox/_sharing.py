"""Children of one submission side by side: a request computed ahead in a second child, and the priority of a
child that seems hung (a mixin of :class:`~micrograd.sandbox._evaluator.SandboxEvaluator`)."""

from __future__ import annotations

import contextlib
import os
import time
from typing import Any, Callable, List, Optional

__all__ = ["Sharing"]

#: after this share of its time limit without an answer, a request's child runs at the lowest CPU priority
#: (most likely hung: its busy loop should not slow the grading of others) until it answers
_SLOW = 0.5


class Sharing:
    """Prefetching (:meth:`prefetch`) and priorities (:meth:`poll`) for the evaluators of one submission."""

    _prefetched: List[Any]
    _lowered: Optional[int]
    _account: Any
    _inflight: Any
    _cell: Any
    _answered: float
    _source: Any
    _display: str
    limits: Any
    isolation: Any

    _drain: Callable[[], None]  # the channel's

    def prefetch(self, request: Any) -> None:
        """Start computing ``request`` now, in a second child of the same code beside this one (sharing its
        budget): a long request (the chain of 100,000 nodes) then runs on another core while this child
        answers the others. :meth:`evaluate` of an equal request takes its answer."""
        make: Any = type(self)
        side = make(self._source, self.limits, isolation=self.isolation, display=self._display,
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
