"""Run one property against an implementation; never raises for what the implementation does.

With ``examples`` (an exam's), the property's body runs on each of them: the property passes iff every one
passes, whatever Hypothesis would draw. When one fails and the property shrinks, Hypothesis runs it with the
exam's seed and settings to find a smaller failure for the feedback (it meets the same failure first when it
draws as it did for the exam); when it does not reach a failure, the exam's example is reported as it is.
Without ``examples``, Hypothesis draws them (the pytest layer, the mutant catalogue, an exploration).

Nothing here prints: Hypothesis's report, what the implementation prints and the warnings raised are
captured into the result (warnings are recorded whatever the filters say, so ``-W error`` cannot turn a
spec's or a student's warning into a verdict).
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
import traceback
import warnings
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from hypothesis import settings
from hypothesis.errors import Flaky, UnsatisfiedAssumption
from hypothesis.reporting import with_reporter

from micrograd.impl import Evaluator
from micrograd.judge._hypothesis import hypothesis_test, run_example
from micrograd.judge._replay import Fresh, confirm, recording
from micrograd.judge._results import PropertyResult
from micrograd.judge._status import PropertyStatus
from micrograd.oracles import Oracle
from micrograd.program import Program
from micrograd.runner import ModuleRequest, PrintedCapture
from micrograd.spec import Property, PropertySkipped
from micrograd.verdict import SpecFailure

__all__ = ["PropertyTimeout", "missing_oracles", "run_property"]

#: what Hypothesis takes for a failing example; any other BaseException raised by a body goes straight through
_FAILURES = (Exception, SystemExit, GeneratorExit)
#: how much of the captured Hypothesis report and program output a result keeps
_KEEP_CHARS = 20_000


class PropertyTimeout(BaseException):  # a BaseException, like KeyboardInterrupt, so nothing swallows it
    """Raised in the main thread when a property exceeds its time limit."""


def run_property(prop: Property, impl: Evaluator, oracle: Optional[Oracle] = None, *,
                 examples: Optional[Sequence[Mapping[str, Any]]] = None, chosen: Optional[settings] = None,
                 seed: Optional[int] = None, timeout: Optional[float] = None,
                 shrink_stubs: bool = False, fresh: Optional[Fresh] = None) -> PropertyResult:
    """Run ``prop`` against ``impl`` (an Evaluator) and ``oracle``.

    ``examples``: run these (an exam's) and decide on them alone (see the module docstring); ``chosen`` and
    ``seed``: the Hypothesis settings and seed to draw with (to shrink a failure of ``examples``, or to draw
    them when there are none; without ``chosen`` a failing example is reported as it is). A failure at a
    stub (NotImplementedError) is not shrunk unless ``shrink_stubs``. ``timeout``: seconds, enforced with
    SIGALRM in the main thread on Unix (elsewhere the property runs unlimited). KeyboardInterrupt propagates.
    ``fresh``: makes an evaluator of the same code with nothing evaluated yet (a new child); with it, a failure
    is run again alone there, and when it depended on earlier calls (state kept between calls) the report
    replays them or says so (:mod:`micrograd.judge._replay`; only after a failure).
    """
    if timeout is not None and not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    if prop.skip is not None:
        return PropertyResult(prop.id, prop.exercise, PropertyStatus.SKIPPED, prop.skip)
    if prop.needs_oracle and oracle is None:
        return PropertyResult(prop.id, prop.exercise, PropertyStatus.ERROR, f"{prop.id} needs an oracle and none "
                                                                             "was given")
    if prop.needs_oracle and prop.oracles is not None and getattr(oracle, "name", None) not in prop.oracles:
        return PropertyResult(prop.id, prop.exercise, PropertyStatus.SKIPPED, missing_oracles(prop.oracles))
    history: List[Any] = []
    if fresh is not None:
        recorder = recording(impl)
        impl, history = recorder, recorder.history
    own = len(history)
    fixed = prop.arguments(impl, oracle)
    start = time.perf_counter()
    report: List[str] = []
    output = PrintedCapture()  # what in-process code prints: noted as the running example's too
    caught: List[warnings.WarningMessage] = []
    ran: Optional[int] = None
    outcome: Optional[BaseException] = None
    try:
        with contextlib.ExitStack() as stack:
            stack.enter_context(with_reporter(lambda value: report.append(str(value))))
            stack.enter_context(contextlib.redirect_stdout(output))
            stack.enter_context(contextlib.redirect_stderr(output))
            caught = stack.enter_context(warnings.catch_warnings(record=True))
            warnings.simplefilter("always")
            stack.enter_context(_time_limit(timeout))
            ran = _decide(prop, fixed, examples, chosen, seed, shrink_stubs)
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # noqa: BLE001 (anything a property raises is its result)
        outcome = error
    report.extend(f"{w.category.__name__}: {w.message}" for w in caught)
    if fresh is not None and outcome is not None:
        outcome = _confirmed(prop, oracle, outcome, history, own, fresh, timeout)
    return _result(prop, outcome, timeout, time.perf_counter() - start, ran, report, output.getvalue())


def _decide(prop: Property, fixed: Dict[str, Any], examples: Optional[Sequence[Mapping[str, Any]]],
            chosen: Optional[settings], seed: Optional[int], shrink_stubs: bool) -> int:
    """Run the examples (or draw them); return how many ran, or raise what the property raised."""
    if examples is None:
        if chosen is None:
            raise ValueError(f"{prop.id}: give its examples, or the settings to draw them with")
        drawn: List[Dict[str, Any]] = []
        hypothesis_test(prop, fixed, chosen, seed=seed, record=drawn)()
        return len(drawn) if prop.generated else 1
    ran, failed = _replay(prop, fixed, examples)
    if failed is None:
        return ran
    if chosen is None or not prop.generated or not prop.shrink or (_a_stub(failed) and not shrink_stubs):
        raise failed  # reported as it is, as Hypothesis would report an example it does not shrink
    try:
        hypothesis_test(prop, fixed, chosen, seed=seed)()
    except _FAILURES as shrunk:
        if _first_spec_failure(shrunk) is not None:
            raise
    raise failed  # Hypothesis did not meet a failure: the exam's example, as it is


def _replay(prop: Property, fixed: Dict[str, Any], examples: Sequence[Mapping[str, Any]]
            ) -> Tuple[int, Optional[BaseException]]:
    """Run the body on each example, in order: (how many ran, None) if all passed, else (..., the failure).
    An example rejected by ``assume`` counts as passed; any other BaseException propagates."""
    body = prop.body
    ran = 0
    impl = fixed.get("impl")
    try:
        for drawn in examples:
            try:
                run_example(body, fixed, drawn)  # what it raises notes the example (what was running, printed)
            except UnsatisfiedAssumption:
                pass
            except _FAILURES as error:
                return ran, error
            ran += 1
            if ran == 1:
                _send_ahead(impl, examples)
    finally:
        drop = getattr(impl, "drop_ahead", None)
        if callable(drop):
            drop()
    return ran, None


def _confirmed(prop: Property, oracle: Optional[Oracle], error: BaseException, history: Sequence[Any], own: int,
               fresh: Fresh, timeout: Optional[float]) -> BaseException:
    """``error``, or the SpecFailure to report instead when its failure depended on earlier calls (see
    :func:`micrograd.judge._replay.confirm`). Not for a stub, a timeout or a crash; given up after ``timeout``."""
    failure = _first_spec_failure(error)
    drawn = getattr(failure, "failing_example", None)
    if failure is None or not isinstance(drawn, dict) or _a_stub(failure):
        return error
    if failure.failure is not None and failure.failure.type in ("Timeout", "Crash", "Interrupted"):
        return error

    def rerun(evaluator: Evaluator) -> Optional[SpecFailure]:
        try:
            prop.body(**prop.arguments(evaluator, oracle), **drawn)
        except UnsatisfiedAssumption:
            return None
        except _FAILURES as again:
            return _first_spec_failure(again)
        return None

    try:
        with _time_limit(timeout):
            instead = confirm(failure, rerun, list(history), fresh, own=own)
    except PropertyTimeout:
        return error
    return error if instead is None else instead


def _request_of(drawn: Mapping[str, Any]) -> Any:
    """The one request (a program) an example holds, else None."""
    requests = [value for value in drawn.values() if isinstance(value, (Program, ModuleRequest))]
    return requests[0] if len(requests) == 1 else None


def _send_ahead(impl: Any, examples: Sequence[Mapping[str, Any]]) -> None:
    """A property that evaluated its first example's request as it is (``impl.last_request``) will evaluate the
    others' so: an evaluator that can (``impl.ahead``) gets them all now, without a round trip each. What the
    property does not ask for is dropped when it ends (see ``drop_ahead``)."""
    ahead = getattr(impl, "ahead", None)
    first = _request_of(examples[0])
    if not callable(ahead) or first is None or getattr(impl, "last_request", None) is not first:
        return
    rest = [_request_of(drawn) for drawn in examples[1:]]
    if rest and all(request is not None for request in rest):
        ahead(rest)


def _result(prop: Property, error: Optional[BaseException], timeout: Optional[float], seconds: float,
            ran: Optional[int], report: List[str], output: str) -> PropertyResult:
    kept: Dict[str, Any] = {"seconds": seconds, "examples": ran, "output": output[:_KEEP_CHARS]}
    if error is None:
        return PropertyResult(prop.id, prop.exercise, PropertyStatus.PASSED, report="\n".join(report)[:_KEEP_CHARS],
                              **kept)
    if isinstance(error, PropertyTimeout):
        printed = getattr(error, "output", "")  # what the student's child printed (the sandbox keeps it)
        if isinstance(printed, str) and printed:
            kept["output"] = (output + printed)[-_KEEP_CHARS:]
        return PropertyResult(prop.id, prop.exercise, PropertyStatus.TIMEOUT,
                              f"took longer than {timeout:g} s (an infinite loop?){_where(error)}",
                              code=_running_code(error), **kept)
    if isinstance(error, PropertySkipped):
        return PropertyResult(prop.id, prop.exercise, PropertyStatus.SKIPPED, str(error),
                              **kept)
    report.extend(str(note) for e in [error, *_flatten(error)] for note in getattr(e, "__notes__", ()))
    text = "\n".join(report)[:_KEEP_CHARS]
    flaky = isinstance(error, Flaky)
    failure = _first_spec_failure(error)
    if failure is not None and failure.failure is not None and failure.failure.type == "Interrupted":
        return PropertyResult(prop.id, prop.exercise, PropertyStatus.INTERRUPTED, str(failure.failure),
                              raised=failure.failure, report=text, **kept)
    if failure is not None:
        printed = getattr(failure, "printed", "")  # what the failing example printed, not the others (bounded)
        kept["output"] = printed if isinstance(printed, str) else ""
        return PropertyResult.of_failure(prop.id, prop.exercise, failure, report=text, flaky=flaky,
                                         **kept)
    return PropertyResult(prop.id, prop.exercise, PropertyStatus.ERROR, _describe(error), report=text, flaky=flaky,
                          **kept)


def missing_oracles(names: Sequence[str]) -> str:
    """Why a property only ``names`` may judge was skipped, with the command that installs one."""
    from micrograd.oracles import ORACLE_NAMES, oracle_skip_reason

    only = " or ".join(names)
    reasons = [oracle_skip_reason(n) for n in names if n in ORACLE_NAMES]
    why = next((r for r in reasons if r), "none installed")
    return f"only the {only} oracle can judge it ({why})"


def _a_stub(error: BaseException) -> bool:
    """Is ``error`` a SpecFailure because the implementation raised NotImplementedError (a stub)?"""
    raised = error.failure if isinstance(error, SpecFailure) else None
    return raised is not None and raised.type == "NotImplementedError"


@contextlib.contextmanager
def _time_limit(seconds: Optional[float]) -> Iterator[None]:
    """Raise PropertyTimeout in this (main) thread after ``seconds``; restores any outer timer."""
    if seconds is None or not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise PropertyTimeout

    started = time.monotonic()
    previous_handler = signal.signal(signal.SIGALRM, expire)
    previous_delay, previous_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_delay > 0:  # someone else's timer was running: give it back what is left
            left = max(previous_delay - (time.monotonic() - started), 1e-3)
            signal.setitimer(signal.ITIMER_REAL, left, previous_interval)


def _running_code(stopped: BaseException) -> str:
    """The program that was running when the time limit hit, as code ("" when not known)."""
    drawn = getattr(stopped, "running_example", None)
    if not isinstance(drawn, dict):
        return ""
    for value in drawn.values():
        to_python = getattr(value, "to_python", None)
        if callable(to_python):
            try:
                return str(to_python())
            except Exception:  # noqa: BLE001 (only the report's snippet is lost)
                return ""
    return ""


def _where(stopped: BaseException) -> str:
    """'; it was running engine.py:57 (relu)': the frame the time limit interrupted."""
    frames = traceback.extract_tb(stopped.__traceback__)
    own = str(Path(__file__))
    running = [f for f in frames if f.filename != own]
    if not running:
        return ""
    frame = running[-1]
    return f"; it was running {Path(frame.filename).name}:{frame.lineno} ({frame.name})"


def _flatten(error: BaseException) -> List[BaseException]:
    inner = getattr(error, "exceptions", None)
    if isinstance(inner, (list, tuple)):
        return [leaf for e in inner for leaf in _flatten(e)]
    return [error]


def _first_spec_failure(error: BaseException) -> Optional[SpecFailure]:
    """The SpecFailure raised, also from inside an exception group (several bugs, or a flaky one), or what a
    Flaky error was raised from (older Hypothesis releases chain it instead of grouping it)."""
    for leaf in _flatten(error):
        if isinstance(leaf, SpecFailure):
            return leaf
    if isinstance(error, Flaky):
        for cause in (error.__cause__, error.__context__):
            found = None if cause is None else _first_spec_failure(cause)
            if found is not None:
                return found
    return None


def _describe(error: BaseException) -> str:
    leaves = _flatten(error)
    text = "; ".join(f"{type(e).__name__}: {e}".rstrip(": ") for e in leaves[:3])
    return text.splitlines()[0][:500] if text else type(error).__name__
