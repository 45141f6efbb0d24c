"""Children of one submission side by side: a request computed ahead in a second child, requests sent ahead to
the same child without waiting for answers, and the priority of a child that seems hung (a mixin of
:class:`~micrograd.sandbox._evaluator.SandboxEvaluator`)."""

from __future__ import annotations

import contextlib
import os
import time
from collections import deque
from typing import Any, Callable, Deque, List, Optional, Sequence, Tuple

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
    submit: Callable[[Sequence[Any]], List[int]]
    result: Callable[[int], Optional[Any]]
    forget: Callable[[Sequence[int]], None]
    pending: Callable[[int], bool]
    _answers: Any
    _stop: Callable[[], None]
    #: the request :meth:`evaluate` was last given (a judge sends the others ahead if it is an example's own)
    last_request: Any = None

    def ahead(self, requests: Sequence[Any]) -> None:
        """Send ``requests`` to the child now, without waiting for answers (no round trip each): :meth:`evaluate`
        of the same objects, in this order, takes their answers. Each is a message of its own, so the child
        sends each answer as soon as it has it (an answer of a batch waits for the batch: behind a request
        that hangs, it would never come). :meth:`drop_ahead` ends it."""
        self.drop_ahead()
        if requests:
            self.__dict__["_ahead"] = deque((r, self.submit([r])[0]) for r in requests)

    def drop_ahead(self) -> None:
        """Forget what :meth:`ahead` sent and nobody asked for. A child still computing it is stopped (the next
        request starts a fresh one): no answer nobody wants, and no time limit, is charged to what comes next."""
        waiting: Deque[Tuple[Any, int]] = self.__dict__.pop("_ahead", deque())
        tickets = [ticket for _, ticket in waiting]
        running = any(ticket not in self._answers and self.pending(ticket) for ticket in tickets)
        self.forget(tickets)
        if running:
            self._stop()

    def _take_ahead(self, request: Any) -> Optional[Any]:
        """The answer :meth:`ahead` asked for ``request`` if it is the next one sent ahead; None otherwise, or if
        it was not run (a request before it stopped the child: the caller sends it again)."""
        waiting: Optional[Deque[Tuple[Any, int]]] = self.__dict__.get("_ahead")
        if not waiting or waiting[0][0] is not request:
            return None
        return self.result(waiting.popleft()[1])

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
