"""THE seam between the app and the implementation it trains: where a StepRequest is evaluated.

The reference runs in this process. A student's directory runs in the autograder's
sandboxed child process (as in grading), so that an exception, a crash or a hang in
their code becomes a StepOutcome with an ``error`` and never takes the page down.
This is the only module of the app that knows how the child process is started:
re-point :func:`open_backend` here when the sandbox moves.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Protocol, Union

from micrograd.app._wire import StepFailure, StepOutcome, StepRequest

__all__ = ["Backend", "BackendError", "ChildBackend", "InProcessBackend", "open_backend"]

#: wall seconds one evaluation may take in the child before it is killed and the page says so
DEFAULT_TIMEOUT = 10.0


class BackendError(ValueError):
    """The implementation directory cannot be used (it names the directory and what to do)."""


class Backend(Protocol):
    """Evaluates StepRequests on one implementation; ``name`` says which, ``isolated`` whether in a child."""

    name: str
    isolated: bool

    def evaluate(self, request: StepRequest) -> StepOutcome:
        """The outcome; failures of the implementation are in ``outcome.error``, never raised."""

    def close(self) -> None:
        """Stop any child process."""


@dataclass
class InProcessBackend:
    """Runs requests on an implementation loaded into this process (the trusted reference)."""

    impl: Any
    name: str = "the reference"
    isolated: bool = False

    def evaluate(self, request: StepRequest) -> StepOutcome:
        return request.run_on_implementation(self.impl)

    def close(self) -> None:
        pass


class ChildBackend:
    """Runs requests on a student's directory in the sandboxed child process ``micrograd check`` uses
    (no time budget: the app plays for as long as the user likes; ``timeout`` bounds one step)."""

    isolated = True

    def __init__(self, path: Path, timeout: float = DEFAULT_TIMEOUT) -> None:
        from micrograd.sandbox import student_evaluator

        self.path = path
        self.name = str(path)
        self._evaluator = student_evaluator(path, timeout=timeout)

    def evaluate(self, request: StepRequest) -> StepOutcome:
        outcome = self._evaluator.evaluate(request)
        if not isinstance(outcome, StepOutcome):  # pragma: no cover (the protocol rebuilds our own class)
            return StepOutcome(error=StepFailure("Crash", f"unexpected reply {type(outcome).__name__}", "run"))
        return outcome

    def close(self) -> None:
        self._evaluator.close()


def reference_backend() -> InProcessBackend:
    """The reference engine and MLP, in this process."""
    from micrograd.impl import load_implementation, reference_dir

    return InProcessBackend(load_implementation(reference_dir()))


def open_backend(impl: Optional[Union[str, Path]] = None, timeout: float = DEFAULT_TIMEOUT) -> Backend:
    """The reference (``impl`` None) in this process, or the directory ``impl`` in a sandboxed child."""
    if impl is None:
        return reference_backend()
    path = Path(impl).expanduser()
    if not path.is_dir():
        raise BackendError(f"--impl {impl}: no such directory; give a directory holding engine.py and nn.py")
    for name in ("engine.py", "nn.py"):
        if not (path / name).is_file():
            raise BackendError(f"--impl {impl}: {name} is missing; an implementation is a directory holding "
                               "engine.py and nn.py (such as exercises/)")
    if not (isinstance(timeout, (int, float)) and timeout > 0):
        raise BackendError(f"the timeout must be a positive number of seconds, got {timeout!r}")
    return ChildBackend(path.resolve(), float(timeout))
