"""Collect the spec's properties and run them one by one, without pytest.

``micrograd check`` and the autograder both run the spec outside pytest: they
import ``tests/spec/test_*.py`` by file path, pick the module-level ``test_*``
functions marked ``@pytest.mark.exercise(name)``, and call each one directly
with an evaluator (and an oracle), as the property contract allows. Nothing here
prints: Hypothesis's own report and anything the implementation prints are
captured into the result, and so are warnings (recorded whatever the warning
filters say, so ``-W error`` cannot turn a spec's or a student's warning into a
verdict).

Hypothesis settings are fixed when a property's ``@settings`` decorator runs, so
load the profile (:func:`micrograd.testing.load_profile`) before collecting.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import inspect
import io
import itertools
import signal
import sys
import threading
import time
import traceback
import types
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple

import pytest
from hypothesis import Phase
from hypothesis.errors import Flaky
from hypothesis.reporting import with_reporter
from hypothesis.statistics import collector

from micrograd import _paths
from micrograd.testing._replay import ReplayCache
from micrograd.verdict import EXERCISES, SpecFailure, exercise

__all__ = [
    "STATUSES",
    "Property",
    "PropertyResult",
    "SpecCollectionError",
    "collect_properties",
    "run_property",
]

#: what running a property can come to
STATUSES = ("passed", "failed", "error", "timeout", "skipped")

#: the arguments a property may take besides Hypothesis's own (the property contract)
_ALLOWED_ARGUMENTS = ("impl", "oracle")
#: how much of the captured Hypothesis report and program output a result keeps
_KEEP_CHARS = 20_000

_counter = itertools.count()


class SpecCollectionError(Exception):
    """The spec cannot be collected: a directory, a file or a property breaks the contract."""


@dataclass(frozen=True)
class Property:
    """One spec property: ``function(impl=..., oracle=...)`` runs it under Hypothesis.

    ``module`` is the spec file's stem (``test_add``); ``skip`` is the reason from a
    ``skip``/``skipif`` mark whose condition holds, else None; ``oracles`` names the
    only oracles that may judge it (from ``@pytest.mark.parametrize("oracle", [...],
    indirect=True)``, e.g. relu'(0), which finite differences cannot see), else None.
    ``needs`` names the exercises whose methods it uses: its ``@pytest.mark.needs(...)`` mark
    (``needs()`` for a property that judges its exercise on its own), else its exercise's needs.
    """

    name: str
    exercise: str
    module: str
    function: Callable[..., Any] = field(repr=False, compare=False)
    needs_oracle: bool
    skip: Optional[str] = None
    oracles: Optional[Tuple[str, ...]] = None
    needs: Tuple[str, ...] = ()

    @property
    def id(self) -> str:
        """``test_add::test_add_gradients``: the file stem and the function name."""
        return f"{self.module}::{self.name}"


@dataclass
class PropertyResult:
    """What running one property came to.

    ``status`` is one of STATUSES. ``failure`` is the SpecFailure when ``failed``;
    ``message`` says what happened otherwise (the error, the time limit, the skip
    reason). ``examples`` is how many test cases Hypothesis generated (None if
    unknown); ``report`` is Hypothesis's own captured report; ``output`` is what the
    implementation printed; ``flaky``: Hypothesis found that the same example gave different
    results when run again (it raised Flaky).
    """

    prop: Property
    status: str
    duration: float
    failure: Optional[SpecFailure] = None
    message: str = ""
    examples: Optional[int] = None
    report: str = ""
    output: str = ""
    flaky: bool = False

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}; expected one of {', '.join(STATUSES)}")

    @property
    def raised(self) -> Optional[str]:
        """The type of the exception the implementation raised, when that is why the property failed."""
        if self.failure is None or self.failure.failure is None:
            return None
        return self.failure.failure.type

    @property
    def not_implemented(self) -> bool:
        """True if the property failed because the implementation raised NotImplementedError (a stub)."""
        return self.raised == "NotImplementedError"

    @property
    def load_error(self) -> bool:
        """True if the property failed because the implementation's files could not be loaded."""
        return self.raised == "ImplementationError"

    def to_dict(self) -> Dict[str, Any]:
        """Plain JSON-ready data; Hypothesis's report only for an error (where it helps debug the spec)."""
        return {
            "property": self.prop.id,
            "name": self.prop.name,
            "exercise": self.prop.exercise,
            "status": self.status,
            "duration": round(self.duration, 4),
            "examples": self.examples,
            "message": self.message,
            "failure": None if self.failure is None else self.failure.to_dict(),
            "report": self.report[:4000] if self.status == "error" else "",
        }


# ----------------------------------------------------------------------------- collecting


def collect_properties(
    spec_dir: Optional[Path | str] = None, *, exercises: Optional[Iterable[str]] = None
) -> List[Property]:
    """Every property in ``spec_dir`` (default: the kit's spec), in EXERCISES order.

    Imports each ``test_*.py`` by file path under a fresh module name (a second call
    imports them again, so settings from a newly loaded profile apply). Within an
    exercise, properties keep file order, then definition order. ``exercises``
    keeps only those exercises (names are checked). Raises SpecCollectionError for
    a missing directory, a file that fails to import, or a property whose
    arguments or marker break the contract; a file that calls ``pytest.skip`` or
    ``pytest.importorskip`` at import is left out.
    """
    wanted = None if exercises is None else [exercise(name).name for name in exercises]
    directory = Path(spec_dir) if spec_dir is not None else _paths.spec_dir()
    if not directory.is_dir():
        raise SpecCollectionError(f"spec directory {directory} does not exist: give one holding test_*.py files")
    package = _spec_package(directory)
    found: List[Property] = []
    loaded = set(sys.modules)
    try:
        for file in sorted(directory.glob("test_*.py")):
            module = _import_spec_file(file, package)
            if module is not None:
                found.extend(_properties_of(module, file))
    finally:
        _forget_helpers(directory, loaded)
    order = {name: i for i, name in enumerate(EXERCISES)}
    found.sort(key=lambda p: order[p.exercise])  # stable: keeps file and definition order
    if wanted is not None:
        found = [p for p in found if p.exercise in wanted]
    return found


def _spec_package(directory: Path) -> str:
    """A fresh synthetic package over ``directory``, so spec files may import each other relatively."""
    name = f"_micrograd_spec_{next(_counter)}"
    package = types.ModuleType(name)
    package.__path__ = [str(directory)]
    package.__file__ = None
    sys.modules[name] = package
    return name


def _forget_helpers(directory: Path, loaded: Set[str]) -> None:
    """Drop the top-level modules the spec files imported from ``directory`` (``from _helpers import x``).

    The properties keep them alive; forgetting them lets the next collection import them
    afresh, so another spec directory's helper of the same name is not mistaken for them.
    """
    root = directory.resolve()
    for name in set(sys.modules) - loaded:
        file = getattr(sys.modules[name], "__file__", None)
        if file and "." not in name and root in Path(file).resolve().parents:
            del sys.modules[name]


@contextlib.contextmanager
def _on_sys_path(directory: Path) -> Iterator[None]:
    """Put ``directory`` first on sys.path, as pytest's default import mode does for a test file."""
    entry = str(directory)
    sys.path.insert(0, entry)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(entry)


def _import_spec_file(file: Path, package: str) -> Optional[types.ModuleType]:
    qualname = f"{package}.{file.stem}"
    spec = importlib.util.spec_from_file_location(qualname, file)
    if spec is None or spec.loader is None:  # pragma: no cover (only for non-.py paths)
        raise SpecCollectionError(f"cannot import {file}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[qualname] = module
    try:
        with _on_sys_path(file.parent):
            spec.loader.exec_module(module)
    except pytest.skip.Exception:
        del sys.modules[qualname]
        return None
    except Exception as error:
        del sys.modules[qualname]
        raise SpecCollectionError(f"importing {file} failed: {type(error).__name__}: {error}") from error
    return module


def _marks(obj: Any) -> List[Any]:
    marks = getattr(obj, "pytestmark", [])
    return list(marks) if isinstance(marks, (list, tuple)) else [marks]


def _properties_of(module: types.ModuleType, file: Path) -> List[Property]:
    module_marks = [getattr(m, "mark", m) for m in _marks(module)]
    found = []
    for name, function in vars(module).items():
        if not name.startswith("test_") or not callable(function):
            continue
        if getattr(function, "__module__", None) != module.__name__:
            continue  # imported from elsewhere, as pytest would also collect it there
        marks = [getattr(m, "mark", m) for m in _marks(function)] + module_marks
        names = [m.args[0] for m in marks if m.name == "exercise" and m.args]
        if not names:
            continue
        where = f"{file}::{name}"
        if len(set(names)) > 1:
            raise SpecCollectionError(f"{where} has several exercise marks {names}; give it one")
        try:
            needs = _needs(marks, exercise(names[0]).needs)
        except (ValueError, TypeError) as error:
            raise SpecCollectionError(f"{where}: {error}") from None
        arguments = _arguments(function)
        extra = [a for a in arguments if a not in _ALLOWED_ARGUMENTS]
        if extra or "impl" not in arguments:
            raise SpecCollectionError(
                f"{where} takes {', '.join(arguments) or 'no arguments'} besides its @given ones; "
                "a property takes exactly `impl` and optionally `oracle`"
            )
        found.append(
            Property(
                name=name,
                exercise=names[0],
                module=file.stem,
                function=function,
                needs_oracle="oracle" in arguments,
                skip=_skip_reason(marks),
                oracles=_oracle_names(marks),
                needs=needs,
            )
        )
    return found


def _needs(marks: Sequence[Any], default: Tuple[str, ...]) -> Tuple[str, ...]:
    """The exercises of a ``needs(...)`` mark (each checked), else ``default``."""
    for mark in marks:
        if mark.name == "needs":
            return tuple(exercise(name).name for name in mark.args)
    return default


def _arguments(function: Callable[..., Any]) -> Tuple[str, ...]:
    """The arguments left to supply after @given (Hypothesis rewrites the signature)."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return ()
    return tuple(p.name for p in parameters if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD))


def _oracle_names(marks: Sequence[Any]) -> Optional[Tuple[str, ...]]:
    """The oracle names of a ``parametrize("oracle", [...])`` mark, if there is one."""
    for mark in marks:
        if mark.name == "parametrize" and len(mark.args) >= 2 and mark.args[0] in ("oracle", ("oracle",), ["oracle"]):
            values = [getattr(v, "values", (v,))[0] for v in mark.args[1]]  # a pytest.param keeps them in .values
            return tuple(str(v) for v in values)
    return None


def _skip_reason(marks: Sequence[Any]) -> Optional[str]:
    for mark in marks:
        if mark.name == "skip":
            return str(mark.kwargs.get("reason", mark.args[0] if mark.args else "unconditional skip"))
        if mark.name == "skipif":
            conditions = mark.args or (mark.kwargs.get("condition", False),)
            if any(c for c in conditions if not isinstance(c, str)):
                return str(mark.kwargs.get("reason", "skipif condition holds"))
    return None


# ----------------------------------------------------------------------------- running


#: what Hypothesis takes for a failing example (``hypothesis.core.failure_exceptions_to_catch``); any other
#: BaseException raised by a property's body goes straight through it, and through a replay
_FAILURES = (Exception, SystemExit, GeneratorExit, pytest.fail.Exception)


class PropertyTimeout(BaseException):  # a BaseException, like KeyboardInterrupt, so nothing swallows it
    """Raised in the main thread when a property exceeds its time limit."""


def run_property(prop: Property, impl: Any, oracle: Any = None, *, timeout: Optional[float] = None,
                 replay: Optional[ReplayCache] = None, shrink_stubs: bool = False) -> PropertyResult:
    """Run ``prop`` against ``impl`` (an Evaluator) and ``oracle``; never raises for what they do.

    ``failed`` carries the SpecFailure the property raised (the first, if Hypothesis
    found several); ``error`` means the property broke in another way (a spec bug,
    Hypothesis giving up); ``timeout`` that it ran longer than ``timeout`` seconds.
    The limit uses SIGALRM, so it applies only in the main thread on Unix; elsewhere
    the property runs unlimited. KeyboardInterrupt propagates.

    With ``replay``, the examples recorded by an earlier passing run (under the same
    derandomized profile) run first, without Hypothesis; only if one fails does Hypothesis
    run, to find and shrink the failure (for a property that is not shrunk, the failing example is reported
    as it is, as Hypothesis would). A passing Hypothesis run is recorded there. A recorded
    example that stops at a stub (NotImplementedError) is reported at once, unshrunk, unless
    ``shrink_stubs``: then Hypothesis shrinks it like any failure (the counterexample is the one
    a run without ``replay`` gives).
    """
    if timeout is not None and not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    start = time.perf_counter()
    if prop.skip is not None:
        return PropertyResult(prop, "skipped", 0.0, message=prop.skip)
    if prop.needs_oracle and oracle is None:
        return PropertyResult(prop, "error", 0.0, message=f"{prop.id} needs an oracle and none was given")
    if prop.needs_oracle and prop.oracles is not None and getattr(oracle, "name", None) not in prop.oracles:
        return PropertyResult(prop, "skipped", 0.0, message=_missing_oracles(prop.oracles))
    kwargs = {"impl": impl, "oracle": oracle} if prop.needs_oracle else {"impl": impl}
    report: List[str] = []
    stats: List[Dict[str, Any]] = []
    output = io.StringIO()
    caught: List[warnings.WarningMessage] = []
    status, failure, message = "passed", None, ""
    flaky = False
    examples_run: Optional[int] = None
    try:
        with contextlib.ExitStack() as stack:
            stack.enter_context(with_reporter(lambda value: report.append(str(value))))
            stack.enter_context(collector.with_value(stats.append))  # type: ignore[arg-type]  # typed as None-only
            stack.enter_context(contextlib.redirect_stdout(output))
            stack.enter_context(contextlib.redirect_stderr(output))
            caught = stack.enter_context(warnings.catch_warnings(record=True))
            warnings.simplefilter("always")
            stack.enter_context(_time_limit(timeout))
            replayed, replay_error = _replay(prop, kwargs, replay)
            if replayed is not None:
                examples_run = replayed
            elif replay_error is not None and not shrink_stubs and _a_stub(replay_error):  # all stop at the stub:
                raise replay_error  # shrinking would show nothing more
            elif replay_error is not None and not _shrinks(prop):  # Hypothesis would stop at this very example
                raise replay_error  # and report it as it is
            else:
                examples_run = _run_recording(prop, kwargs, replay if replay_error is None else None)
                if replay_error is not None:  # Hypothesis did not meet the failing example again: report it
                    raise replay_error
    except PropertyTimeout as stopped:
        status, message = "timeout", f"took longer than {timeout:g} s (an infinite loop?){_where(stopped)}"
    except pytest.skip.Exception as skipped:
        status, message = "skipped", str(skipped.msg) if hasattr(skipped, "msg") else str(skipped)
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # noqa: BLE001 (anything a property raises is its result)
        flaky = isinstance(error, Flaky)
        report.extend(str(note) for e in [error, *_flatten(error)] for note in getattr(e, "__notes__", ()))
        failure = _first_spec_failure(error)
        if failure is not None:
            status, message = "failed", failure.summary
        else:
            status, message = "error", _describe(error)
    report.extend(f"{w.category.__name__}: {w.message}" for w in caught)
    return PropertyResult(
        prop,
        status,
        time.perf_counter() - start,
        failure=failure,
        message=message,
        examples=examples_run if examples_run is not None else _examples(stats),
        report="\n".join(report)[:_KEEP_CHARS],
        output=output.getvalue()[:_KEEP_CHARS],
        flaky=flaky,
    )


def _missing_oracles(names: Sequence[str]) -> str:
    """Why a property only ``names`` may judge was skipped, with the command that installs one."""
    from micrograd.oracles import ORACLE_NAMES, oracle_skip_reason

    only = " or ".join(names)
    reasons = [oracle_skip_reason(n) for n in names if n in ORACLE_NAMES]
    why = next((r for r in reasons if r), "none installed")
    return f"only the {only} oracle can judge it ({why})"


def _replay(prop: Property, kwargs: Dict[str, Any],
            replay: Optional[ReplayCache]) -> Tuple[Optional[int], Optional[BaseException]]:
    """Run the recorded examples of ``prop``: (how many, None) if all passed; (None, None) if there
    are none; (None, the failure) if one failed (Hypothesis must then run: it reaches the same
    failure first and shrinks it)."""
    hypothesis_test = getattr(prop.function, "hypothesis", None)
    recorded = replay.get(prop) if replay is not None and hypothesis_test is not None else None
    if recorded is None or hypothesis_test is None:
        return None, None
    inner = hypothesis_test.inner_test
    try:
        for example in recorded:
            inner(**kwargs, **example)
    except _FAILURES as error:  # a failure: Hypothesis runs and reports it properly
        return None, error
    return len(recorded), None  # anything else (a time limit, a skip, an abort) propagates, as through Hypothesis


def _shrinks(prop: Property) -> bool:
    """Does Hypothesis shrink a failure of ``prop``? Not when its settings leave out the shrink phase: then it
    reports the first failing example it generates as it is (with ``replay``, the first recorded one that fails)."""
    current = getattr(prop.function, "_hypothesis_internal_use_settings", None)
    return current is None or Phase.shrink in current.phases


def _a_stub(error: Optional[BaseException]) -> bool:
    """Is ``error`` a SpecFailure because the implementation raised NotImplementedError (a stub)?"""
    raised = getattr(error, "failure", None) if isinstance(error, SpecFailure) else None
    return raised is not None and raised.type == "NotImplementedError"


def _run_recording(prop: Property, kwargs: Dict[str, Any], replay: Optional[ReplayCache]) -> Optional[int]:
    """Run ``prop`` under Hypothesis; if it passes, record the examples it ran in ``replay`` and return how
    many (what a replay of them runs, so that a run and its replay report the same count; Hypothesis's own
    statistics leave out some of the runs), else None."""
    hypothesis_test = getattr(prop.function, "hypothesis", None)
    if replay is None or not replay.usable or hypothesis_test is None:
        prop.function(**kwargs)
        return None
    inner = hypothesis_test.inner_test
    examples: List[Dict[str, Any]] = []

    # Hypothesis seeds a derandomized run from the digest of the inner test (its source and signature):
    # the wrapper must have inner's, or the examples recorded would not be those a plain run generates
    @functools.wraps(inner)
    def recording(*args: Any, **given: Any) -> Any:
        result = inner(*args, **given)
        examples.append({k: v for k, v in given.items() if k not in kwargs})
        return result

    hypothesis_test.inner_test = recording
    try:
        prop.function(**kwargs)
    finally:
        hypothesis_test.inner_test = inner
    replay.put(prop, examples)
    return len(examples)


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
    """The SpecFailure raised, also from inside an exception group (several bugs, or a flaky one)."""
    for leaf in _flatten(error):
        if isinstance(leaf, SpecFailure):
            return leaf
    return None


def _describe(error: BaseException) -> str:
    leaves = _flatten(error)
    text = "; ".join(f"{type(e).__name__}: {e}".rstrip(": ") for e in leaves[:3])
    return text.splitlines()[0][:500] if text else type(error).__name__


def _examples(stats: List[Dict[str, Any]]) -> Optional[int]:
    """Test cases Hypothesis ran before shrinking (explicit, reuse and generate phases)."""
    if not stats:
        return None
    phases = ("explicit-phase", "reuse-phase", "generate-phase")
    try:
        return sum(len(s.get(p, {}).get("test-cases", ())) for s in stats for p in phases)
    except (AttributeError, TypeError):
        return None
