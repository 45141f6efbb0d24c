"""THE seam between the app and the implementation it trains: where a StepRequest is run.

The reference runs in this process, with the kit's losses. A student's directory runs in the
autograder's sandboxed child process (as in grading), with nothing of the kit's but the
request's plain data: their engine, MLP, ``cross_entropy``, ``AdamW`` and ``zero_grad``. An
exception, a crash or a hang in their code becomes a StepOutcome with an ``error`` and never
takes the page down. This is the only module of the app that knows how the child process is
started: re-point :func:`open_backend` here when the sandbox moves.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Optional, Protocol, Union

from micrograd.app._outcome import StepFailure, StepOutcome
from micrograd.app._wire import StepRequest, run_step

__all__ = ["Backend", "BackendError", "ChildBackend", "InProcessBackend", "open_backend"]

#: wall seconds one evaluation may take in the child before it is killed and the page says so
DEFAULT_TIMEOUT = 10.0


class BackendError(ValueError):
    """The implementation directory cannot be used (it names the directory and what to do)."""


class Backend(Protocol):
    """Runs StepRequests on one implementation; ``name`` says which, ``isolated`` whether in a child."""

    name: str
    isolated: bool

    def evaluate(self, request: StepRequest, loss: str = "cross_entropy") -> StepOutcome:
        """The outcome with the loss ``loss`` (see micrograd.app._config.LOSSES); failures of the
        implementation are in ``outcome.error``, never raised."""

    def close(self) -> None:
        """Stop any child process."""


def _hinge(logits: Any, target: int) -> Any:
    """The multiclass hinge (SVM) loss: the sum over the wrong classes j of relu(1 + s_j - s_target)."""
    terms = [(1 + s - logits[target]).relu() for j, s in enumerate(logits) if j != target]
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def _kit_losses() -> Dict[str, Optional[Callable[[Any, int], Any]]]:
    from micrograd.training import published_cross_entropy

    return {"cross_entropy": None, "module_cross_entropy": published_cross_entropy, "svm": _hinge}


@dataclass
class InProcessBackend:
    """Runs requests on an implementation loaded into this process (the trusted reference), with the
    kit's losses."""

    impl: Any
    name: str = "the reference"
    isolated: bool = False

    def evaluate(self, request: StepRequest, loss: str = "cross_entropy") -> StepOutcome:
        losses = _kit_losses()
        if loss not in losses:
            raise ValueError(f"unknown loss {loss!r}; the app knows {', '.join(losses)}")
        return run_step(request, self.impl, losses[loss])

    def close(self) -> None:
        pass


class ChildBackend:
    """Runs requests on a student's directory in the sandboxed child process ``micrograd check`` uses
    (no time budget: the app plays for as long as the user likes; ``timeout`` bounds one step).
    The child computes with the student's own ``nn.cross_entropy``: the kit's losses never go there.

    Everything that may start the child runs in one thread of this backend's own, which lives as
    long as the backend: the sandbox's child dies with the thread that started it (bubblewrap's
    ``--die-with-parent``), and Streamlit runs the page in a thread that ends between runs.
    """

    isolated = True

    def __init__(self, path: Path, timeout: float = DEFAULT_TIMEOUT) -> None:
        from micrograd.sandbox import student_evaluator

        self.path = path
        self.name = str(path)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="micrograd-child")
        try:
            self._evaluator = self._thread.submit(student_evaluator, path, timeout=timeout).result()
        except BaseException:
            self._thread.shutdown(wait=False)
            raise

    def submit(self, request: StepRequest, loss: str = "cross_entropy") -> Future[StepOutcome]:
        """Start evaluating ``request``: its outcome comes from the Future (the caller computes meanwhile)."""
        if loss != "cross_entropy":
            done: Future[StepOutcome] = Future()
            done.set_result(StepOutcome(error=StepFailure(
                "ValueError", f"the {loss} loss is the kit's, not yours: with --impl the app trains with your own "
                "nn.cross_entropy", "load")))
            return done
        return self._thread.submit(self._evaluate, request)

    def _evaluate(self, request: StepRequest) -> StepOutcome:
        outcome = self._evaluator.evaluate(request)
        if not isinstance(outcome, StepOutcome):  # pragma: no cover (the protocol rebuilds our own class)
            return StepOutcome(error=StepFailure("Crash", f"unexpected reply {type(outcome).__name__}", "run"))
        return outcome

    def evaluate(self, request: StepRequest, loss: str = "cross_entropy") -> StepOutcome:
        return self.submit(request, loss).result()

    def close(self) -> None:
        try:
            self._thread.submit(self._evaluator.close).result()
        finally:
            self._thread.shutdown(wait=False)


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
