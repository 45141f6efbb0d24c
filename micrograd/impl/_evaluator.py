"""Evaluators: anything that turns a request (a Program, ...) into an outcome.

The spec talks to an implementation only through ``evaluate``, so the same
properties run in-process (:class:`LocalEvaluator`) or against a sandboxed
child process (the autograder's evaluator), where trusted code judges.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Optional, Protocol, runtime_checkable

from micrograd.impl._loader import load_implementation
from micrograd.impl._run import run_request
from micrograd.runner import DeepChain

__all__ = ["Children", "Evaluator", "LocalEvaluator"]


@runtime_checkable
class Evaluator(Protocol):
    """Evaluates requests; ``name`` says what it is in reports."""

    name: str

    def evaluate(self, request: Any) -> Any:
        """The outcome of one request (for a Program, an Outcome). Never raises for what
        the implementation does; its errors are part of the outcome."""


class Children(Protocol):
    """Runs requests in child processes (``micrograd.sandbox``'s plain child): what a LocalEvaluator hands its
    deep chains to."""

    def evaluate(self, request: Any) -> Any: ...

    def prefetch(self, request: Any) -> None: ...

    def cancel_prefetched(self) -> None: ...

    def close(self) -> None: ...


class LocalEvaluator:
    """Runs requests on an implementation loaded in this process (fast; for trusted code
    and for students checking their own work).

    ``children``: where a :class:`~micrograd.program.DeepChain` runs instead, so that a crash (a recursion
    past the C stack, after the code raised Python's recursion limit) is survivable; a student's code needs
    them (:func:`micrograd.sandbox.local_evaluator` gives an evaluator with the sandbox's plain child).
    Without them a deep chain runs here too: for trusted code (the reference). Python's recursion limit is
    restored after every request, so an implementation that raises it cannot make a later one crash.
    """

    def __init__(self, path: str | Path, children: Optional[Children] = None) -> None:
        self.impl = load_implementation(path)
        self.name = str(path)
        self._children = children

    def prefetch(self, request: Any) -> None:
        """Start a request that runs in a child process now, so it runs while other checks do;
        ``evaluate(request)`` then waits for it. Other requests are ignored."""
        if isinstance(request, DeepChain) and self._children is not None:
            self._children.prefetch(request)

    def cancel_prefetched(self) -> None:
        """Stop the child processes of prefetched requests that were never evaluated."""
        if self._children is not None:
            self._children.cancel_prefetched()

    def close(self) -> None:
        """Stop the child processes, if any were started (the evaluator stays usable)."""
        if self._children is not None:
            self._children.close()

    def evaluate(self, request: Any) -> Any:
        if isinstance(request, DeepChain) and self._children is not None:
            return self._children.evaluate(request)
        limit = sys.getrecursionlimit()
        try:
            return run_request(request, self.impl)
        finally:
            sys.setrecursionlimit(limit)
