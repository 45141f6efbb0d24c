"""Evaluators: anything that turns a request (a Program, ...) into an outcome.

The spec talks to an implementation only through ``evaluate``, so the same
properties run in-process (:class:`LocalEvaluator`) or against a sandboxed
child process (the autograder's evaluator), where trusted code judges.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Dict, Protocol, runtime_checkable

from micrograd.impl._loader import load_implementation
from micrograd.impl._run import run_request
from micrograd.runner import DeepChain

__all__ = ["Evaluator", "LocalEvaluator"]


@runtime_checkable
class Evaluator(Protocol):
    """Evaluates requests; ``name`` says what it is in reports."""

    name: str

    def evaluate(self, request: Any) -> Any:
        """The outcome of one request (for a Program, an Outcome). Never raises for what
        the implementation does; its errors are part of the outcome."""


class LocalEvaluator:
    """Runs requests on an implementation loaded in this process (fast; for trusted code
    and for students checking their own work).

    A :class:`~micrograd.program.DeepChain` runs in a child process instead, where a crash
    (a recursion past the C stack) is survivable. Python's recursion limit is restored after
    every request, so an implementation that raises it cannot make this process crash.
    """

    def __init__(self, path: str | Path) -> None:
        self.impl = load_implementation(path)
        self.name = str(path)
        self._started: Dict[Any, Any] = {}

    def prefetch(self, request: Any) -> None:
        """Start a request that runs in a child process now, so it runs while other checks do;
        ``evaluate(request)`` then waits for it. Other requests are ignored."""
        if isinstance(request, DeepChain) and request not in self._started:
            from micrograd.impl._isolated import Isolated

            self._started[request] = Isolated(self.impl.path, request)

    def cancel_prefetched(self) -> None:
        """Stop the child processes of prefetched requests that were never evaluated."""
        while self._started:
            _, started = self._started.popitem()
            started.cancel()

    def evaluate(self, request: Any) -> Any:
        if isinstance(request, DeepChain):
            from micrograd.impl._isolated import Isolated

            started = self._started.pop(request, None) or Isolated(self.impl.path, request)
            return started.result()
        limit = sys.getrecursionlimit()
        try:
            return run_request(request, self.impl)
        finally:
            sys.setrecursionlimit(limit)
