"""Evaluators: anything that turns a request (a Program, ...) into an outcome.

The spec talks to an implementation only through ``evaluate``, so the same
properties run in-process (:class:`LocalEvaluator`) or against a sandboxed
child process (the autograder's evaluator), where trusted code judges.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from micrograd.impl._loader import Implementation, ImplementationError, load_implementation
from micrograd.program import Failure, Outcome, Program, run_on_value_class

__all__ = ["Evaluator", "LocalEvaluator", "run_request"]


@runtime_checkable
class Evaluator(Protocol):
    """Evaluates requests; ``name`` says what it is in reports."""

    name: str

    def evaluate(self, request: Any) -> Any:
        """The outcome of one request (for a Program, an Outcome). Never raises for what
        the implementation does; its errors are part of the outcome."""


def run_request(request: Any, impl: Implementation) -> Any:
    """Run one request on an implementation, in this process."""
    if isinstance(request, Program):
        try:
            value = impl.Value
        except ImplementationError as error:
            return Outcome(error=Failure("ImplementationError", str(error), "load"))
        return run_on_value_class(request, value, files=impl.files)
    run_module = getattr(request, "run_on_implementation", None)
    if run_module is None:
        raise TypeError(f"cannot evaluate a {type(request).__name__}")
    return run_module(impl)


class LocalEvaluator:
    """Runs requests on an implementation loaded in this process (fast; for trusted code
    and for students checking their own work)."""

    def __init__(self, path: str | Path) -> None:
        self.impl = load_implementation(path)
        self.name = str(path)

    def evaluate(self, request: Any) -> Any:
        return run_request(request, self.impl)
