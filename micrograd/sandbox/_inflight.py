"""What a sandbox evaluator keeps about its child: the import's report, requests in flight, the time spent."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, List, Optional

from micrograd.program import Failure

__all__ = ["Account", "LoadReport", "Message", "Pending"]


@dataclass(frozen=True)
class LoadReport:
    """What happened when the child imported the submission.

    ``engine``/``nn``: the ImplementationError message for that file, or None if it loaded;
    ``failure``: set when the child itself died or hung while importing (then nothing loaded);
    ``output``: what the submission printed while it was imported, when that failed (bounded).
    """

    engine: Optional[str] = None
    nn: Optional[str] = None
    failure: Optional[Failure] = None
    output: str = ""

    @property
    def engine_ok(self) -> bool:
        return self.failure is None and self.engine is None


@dataclass
class Account:
    """Seconds spent waiting for one submission, and the evaluators running it side by side."""

    spent: float = 0.0
    members: List[Any] = field(default_factory=list)


@dataclass(frozen=True)
class Pending:
    """A request sent and not yet answered: its ticket, outcome kind, when it was sent, how much longer than the
    time limit its answer may take to arrive (answers of a batch are written a few at a time), and the message
    that carried it. ``drop``: sent again with its message after a restart, though answered before (its second
    answer is read and dropped)."""

    ticket: int
    kind: str
    sent: float
    slack: float
    message: int
    drop: bool = False


@dataclass
class Message:
    """A message sent to the child, kept until every request it carries is answered (so that it can be sent
    again to a fresh child if this one is killed from outside): its bytes, and the tickets and kinds of its
    requests, in order."""

    data: bytes
    tickets: List[int]
    kinds: List[str]
    slack: float
    left: int
