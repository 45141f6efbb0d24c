"""Evaluators: anything that turns a request (a Program, ...) into an outcome.

The spec talks to an implementation only through ``evaluate``, so the same
properties run in-process (:class:`LocalEvaluator`) or against a sandboxed
child process (the autograder's evaluator), where trusted code judges.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from micrograd.impl._loader import load_implementation
from micrograd.impl._run import run_request
from micrograd.program import DeepChain

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
    (a recursion past the C stack) is survivable: the sandbox's plain child (its ``none`` layer, started
    on first use, one child per request). Python's recursion limit is restored after every request, so an
    implementation that raises it cannot make this process crash.
    """

    def __init__(self, path: str | Path) -> None:
        self.impl = load_implementation(path)
        self.name = str(path)
        self._child: Any = None

    def _sandbox(self) -> Any:
        """The plain child that runs this implementation's deep chains (made on first use)."""
        if self._child is None:
            from micrograd.sandbox import Limits, SandboxEvaluator, choose_isolation

            limits = Limits(timeout=10.0**6, budget=float("inf"), startup=10.0)
            self._child = SandboxEvaluator(self.impl.path, limits, isolation=choose_isolation("none"))
        return self._child

    def prefetch(self, request: Any) -> None:
        """Start a request that runs in a child process now, so it runs while other checks do;
        ``evaluate(request)`` then waits for it. Other requests are ignored."""
        if isinstance(request, DeepChain):
            self._sandbox().prefetch(request)

    def cancel_prefetched(self) -> None:
        """Stop the child processes of prefetched requests that were never evaluated."""
        if self._child is not None:
            self._child.cancel_prefetched()

    def close(self) -> None:
        """Stop the child process, if one was started (the evaluator stays usable: it starts another)."""
        child, self._child = self._child, None
        if child is not None:
            child.close()

    def evaluate(self, request: Any) -> Any:
        if isinstance(request, DeepChain):
            return self._sandbox().evaluate(request)
        limit = sys.getrecursionlimit()
        try:
            return run_request(request, self.impl)
        finally:
            sys.setrecursionlimit(limit)
