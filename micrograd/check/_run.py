"""Run the spec on one implementation directory and sum it up per exercise, root causes first.

Rules that keep a student's check fast, readable and fair:

- before anything, the files must load and ``Value`` must work (``Value(1.5)`` has data 1.5 and
  grad 0, ``Value(data, (inputs), op)`` works): otherwise that one problem is reported, once,
  and nothing else runs; an nn.py that does not load stops only the nn exercises;
- exercises run in EXERCISES order, which is a dependency order (``Exercise.needs``). A
  property that needs an exercise that is not passing is *blocked* by it: it does not run, and
  its exercise shows "blocked by X" with no hint of its own. A property that fails because a
  method of another exercise still raises NotImplementedError (or is missing) is blocked by
  that exercise too. So one bug is reported once, where it is, and the report leads with it;
- an exercise is *not started* only when one of its own methods still raises
  NotImplementedError; its remaining properties are not run;
- a property that times out stops the whole check (an infinite loop usually sits in code that
  every later exercise calls): the exercises after it are *not run*;
- an exercise is *passing* when every property that ran passed (skips aside), *failing* when a
  property failed or timed out, *error* when a property broke without judging the
  implementation (a bug in the spec), *skipped* when every property was skipped.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Tuple

from hypothesis import Phase, settings

from micrograd import _paths
from micrograd.impl import ImplementationError
from micrograd.sandbox import IsolationError, student_evaluator
from micrograd.testing import (
    PROFILES,
    Property,
    PropertyResult,
    ReplayCache,
    SpecCollectionError,
    collect_properties,
    load_profile,
    run_property,
)
from micrograd.verdict import (
    DEEP_PROBE,
    EXERCISES,
    Exercise,
    SpecFailure,
    check_value_class,
    exercise_of_method,
    prerequisites,
    stub_method,
)

__all__ = [
    "DEFAULT_PROFILE",
    "DEFAULT_TIMEOUT",
    "EXERCISE_STATUSES",
    "CheckError",
    "CheckReport",
    "ExerciseResult",
    "choose_oracle",
    "make_evaluator",
    "resolve_path",
    "run_check",
]

#: derandomized (two checks of the same code agree), 30 examples per property; ``--profile`` or
#: $HYPOTHESIS_PROFILE choose another (``ci``: 100, as the spec's CI and ``micrograd mutants``)
DEFAULT_PROFILE = "student"
#: seconds one property may run; the reference's slowest takes well under one
DEFAULT_TIMEOUT = 30.0
#: an exercise's verdict (see the module docstring)
EXERCISE_STATUSES = ("passing", "failing", "not started", "blocked", "error", "not run", "skipped")
#: a property that did not run, in JSON
NOT_RUN = "not run"

_CHECK_PROFILE = "_micrograd_check"
_Before = Optional[Callable[[Property], None]]
_After = Optional[Callable[["ExerciseResult"], None]]


class CheckError(Exception):
    """The check cannot run: a bad path, an unknown or missing oracle, a broken spec."""


@dataclass
class ExerciseResult:
    """The verdict on one exercise: its properties' results, and those that did not run (and why)."""

    exercise: Exercise
    status: str
    results: List[PropertyResult] = field(default_factory=list)
    not_run: List[Property] = field(default_factory=list)
    #: for a "not run" exercise: the exercise whose timeout stopped the check
    stopped_by: Optional[str] = None
    #: for a "blocked" exercise: the first exercise it waits for
    blocked_by: Optional[str] = None
    #: why the properties in ``not_run`` did not run
    reason: str = ""

    @property
    def passed(self) -> int:
        return sum(r.status == "passed" for r in self.results)

    @property
    def total(self) -> int:
        return len(self.results) + len(self.not_run)

    @property
    def first_problem(self) -> Optional[PropertyResult]:
        """The first failure or timeout, else the first result neither passed nor skipped."""
        failed = (r for r in self.results if r.status in ("failed", "timeout"))
        other = (r for r in self.results if r.status not in ("passed", "skipped"))
        return next(failed, None) or next(other, None)

    @property
    def stub(self) -> Optional[str]:
        """For a not-started exercise, its own method that still raises NotImplementedError."""
        problem = self.first_problem
        return _stub_of(problem) if problem is not None else None

    def to_dict(self) -> Dict[str, Any]:
        return {
            "name": self.exercise.name,
            "title": self.exercise.title,
            "file": self.exercise.file,
            "functions": self.exercise.functions,
            "needs": list(self.exercise.needs),
            "status": self.status,
            "passed": self.passed,
            "total": self.total,
            "stub": self.stub if self.status == "not started" else None,
            "blocked_by": self.blocked_by,
            "stopped_by": self.stopped_by,
            "properties": [r.to_dict() for r in self.results]
            + [
                {"property": p.id, "name": p.name, "exercise": p.exercise, "status": NOT_RUN, "duration": 0.0,
                 "examples": None, "message": self.reason, "failure": None}
                for p in self.not_run
            ],
        }


@dataclass
class CheckReport:
    """Everything ``micrograd check`` found, in EXERCISES order."""

    path: Path
    spec_dir: Path
    oracle: Optional[str]
    profile: str
    timeout: Optional[float]
    exercises: List[ExerciseResult]
    duration: float
    #: why this path was checked (when no path was given)
    why: str = ""
    #: the implementation could not be loaded or its Value does not work: the one problem to show
    load_failure: Optional[SpecFailure] = None
    #: nn.py could not be loaded (the nn exercises did not run)
    nn_failure: Optional[SpecFailure] = None
    #: the status of every exercise checked, those checked only because a chosen one needs them too
    checked: Dict[str, str] = field(default_factory=dict)

    @property
    def counted(self) -> List[ExerciseResult]:
        """The exercises that count towards the summary: all but the fully skipped."""
        return [e for e in self.exercises if e.status != "skipped"]

    @property
    def passing(self) -> List[ExerciseResult]:
        return [e for e in self.exercises if e.status == "passing"]

    @property
    def ok(self) -> bool:
        """True iff every counted exercise passes (the exit status is 0 iff ok)."""
        return self.load_failure is None and all(e.status == "passing" for e in self.counted)

    @property
    def root_causes(self) -> List[ExerciseResult]:
        """The failing exercises (and those with a spec error), in dependency order: what to fix first."""
        return [e for e in self.exercises if e.status in ("failing", "error")]

    def blocked_by(self, name: str) -> List[ExerciseResult]:
        """The exercises blocked, directly or not, by exercise ``name``."""
        found: List[ExerciseResult] = []
        names = {name}
        for e in self.exercises:
            if e.status == "blocked" and e.blocked_by in names:
                found.append(e)
                names.add(e.exercise.name)
        return found

    def to_dict(self) -> Dict[str, Any]:
        return {
            "path": str(self.path),
            "why": self.why,
            "spec": str(self.spec_dir),
            "oracle": self.oracle,
            "profile": self.profile,
            "timeout": self.timeout,
            "ok": self.ok,
            "passing": len(self.passing),
            "total": len(self.counted),
            "duration": round(self.duration, 3),
            "load_failure": None if self.load_failure is None else self.load_failure.to_dict(),
            "nn_failure": None if self.nn_failure is None else self.nn_failure.to_dict(),
            "exercises": [e.to_dict() for e in self.exercises],
        }


def choose_oracle(name: Optional[str] = None) -> Any:
    """The oracle called ``name``, or the best one installed (the exact oracle: always)."""
    from micrograd.oracles import ORACLE_NAMES, get_oracle, oracle_skip_reason

    if name is not None:
        if name not in ORACLE_NAMES:
            raise CheckError(f"unknown oracle {name!r}; choose one of {', '.join(ORACLE_NAMES)}")
        reason = oracle_skip_reason(name)
        if reason is not None:
            raise CheckError(f"oracle {name!r} is not available: {reason}")
        return get_oracle(name)
    for candidate in ORACLE_NAMES:
        if oracle_skip_reason(candidate) is None:
            return get_oracle(candidate)
    raise CheckError(f"no oracle is available (tried {', '.join(ORACLE_NAMES)})")  # pragma: no cover


def resolve_path(path: Optional[Path | str], cwd: Optional[Path] = None) -> Tuple[Path, str]:
    """The directory to check and why: ``path`` if given, else ``./exercises`` if there is one,
    else the current directory if it holds engine.py. CheckError otherwise, saying what to do."""
    if path is not None:
        return Path(path), ""
    here = Path.cwd() if cwd is None else cwd
    if (here / "exercises").is_dir():
        return here / "exercises", "no PATH given: the exercises/ folder in the current directory"
    if (here / "engine.py").is_file():
        return here, "no PATH given: the current directory holds engine.py"
    raise CheckError(
        f"no PATH given, and there is no exercises/ folder and no engine.py in {here}: give the folder "
        "holding your engine.py and nn.py (micrograd check PATH), or write fresh exercises there with "
        "`micrograd assign --out exercises`"
    )


def make_evaluator(directory: Path, *, timeout: Optional[float] = None) -> Any:
    """The evaluator ``micrograd check`` runs the spec against: the implementation in ``directory``,
    in a sandboxed child process as when it is graded (so a segfault, ``os._exit`` or a recursion
    crash is a failure with its reason, not the end of the check); ``timeout`` bounds one request."""
    return student_evaluator(directory, timeout=timeout)


def run_check(
    path: Optional[Path | str] = None,
    *,
    spec_dir: Optional[Path | str] = None,
    exercises: Optional[Iterable[str]] = None,
    oracle: Any = None,
    profile: Optional[str] = None,
    timeout: Optional[float] = DEFAULT_TIMEOUT,
    before: _Before = None,
    after: _After = None,
    evaluator: Any = None,
) -> CheckReport:
    """Check the implementation in ``path`` (default: see :func:`resolve_path`) against the spec.

    ``exercises`` limits the report to those (the exercises they need are checked too, to tell
    whether they are blocked). ``oracle`` is an oracle object, a name from ORACLE_NAMES, or None
    for the best installed. ``profile`` is a Hypothesis profile (None: $HYPOTHESIS_PROFILE, else
    DEFAULT_PROFILE). ``before(prop)`` is called before each property runs and ``after(result)``
    after each exercise (progress display). ``evaluator`` replaces :func:`make_evaluator`'s
    (e.g. a sandboxed one); ``path`` then only names the code in the report and snippets.
    Raises CheckError when the check cannot start.
    """
    start = time.perf_counter()
    directory, why = resolve_path(path)
    spec = Path(spec_dir) if spec_dir is not None else _paths.spec_dir()
    profile = profile or os.environ.get("HYPOTHESIS_PROFILE") or DEFAULT_PROFILE
    if profile not in PROFILES:
        raise CheckError(f"unknown Hypothesis profile {profile!r}; choose one of {', '.join(PROFILES)}")
    if timeout is not None and not timeout > 0:
        raise CheckError(f"--timeout must be a positive number of seconds, got {timeout!r}")
    try:  # the student's code runs in a sandboxed child, as when it is graded
        impl = evaluator if evaluator is not None else make_evaluator(directory, timeout=timeout)
    except (ImplementationError, IsolationError) as error:
        raise CheckError(str(error)) from None
    chosen = None if exercises is None else [e for e in EXERCISES if e in set(exercises)]
    if exercises is not None:
        unknown = sorted(set(exercises) - set(EXERCISES))
        if unknown:
            raise CheckError(f"unknown exercise {unknown[0]!r}; expected one of {', '.join(EXERCISES)}")
    needed = None if chosen is None else sorted({n for c in chosen for n in (c, *prerequisites(c))},
                                                 key=list(EXERCISES).index)
    with _profile_without_explain(profile):
        try:  # after loading the profile: @settings decorators read it when they run
            properties = collect_properties(spec, exercises=needed)
        except (SpecCollectionError, ValueError) as error:
            raise CheckError(str(error)) from None
        if not properties or (chosen is not None and not any(p.exercise in chosen for p in properties)):
            only = f" for {', '.join(chosen)}" if chosen is not None else ""
            raise CheckError(f"{spec} has no properties{only}: is the spec installed?")
        judge = oracle if oracle is None or not isinstance(oracle, str) else choose_oracle(oracle)
        if judge is None and any(p.needs_oracle for p in properties):
            judge = choose_oracle()
        report = CheckReport(directory, spec, getattr(judge, "name", None), profile, timeout, [], 0.0, why)
        report.load_failure = _load_failure(impl, "engine")
        if report.load_failure is None:
            report.load_failure = check_value_class(impl)
        if report.load_failure is None:
            report.nn_failure = _load_failure(impl, "nn")
        replay = ReplayCache.for_spec(spec, profile)
        prefetch = getattr(impl, "prefetch", None)
        if callable(prefetch) and report.load_failure is None and any(p.exercise == "deep" for p in properties):
            prefetch(DEEP_PROBE)  # 100,000 nodes in a child process: it runs while the other checks do
        try:
            shown = _check_exercises(properties, impl, _Oracles(judge), timeout, before, report,
                                     lambda verdict: chosen is None or verdict.exercise.name in chosen, after, replay)
        finally:
            replay.save()
            cancel = getattr(impl, "cancel_prefetched", None)
            if callable(cancel):
                cancel()
            if evaluator is None:
                impl.close()
    report.exercises = shown
    report.duration = time.perf_counter() - start
    return report


def _load_failure(impl: Any, which: str) -> Optional[SpecFailure]:
    """The SpecFailure saying that the implementation's ``which``.py cannot be loaded, or None."""
    from micrograd.program import Failure

    load_report = getattr(impl, "load_report", None)
    if callable(load_report):  # a sandbox: the child says what importing the files gave
        loaded = load_report()
        if loaded.failure is not None:  # the child died or hung while importing
            failure: Optional[Failure] = loaded.failure
            message: Optional[str] = str(loaded.failure)
        else:
            message = loaded.engine if which == "engine" else loaded.nn
            failure = None if message is None else Failure("ImplementationError", message, "load")
    else:
        inner = getattr(impl, "impl", None)
        if inner is None:  # another evaluator reports load errors through its outcomes
            return None
        try:
            getattr(inner, "Value" if which == "engine" else "nn")
        except ImplementationError as error:
            message, failure = str(error), Failure("ImplementationError", str(error), "load")
        else:
            message, failure = None, None
    if message is None or failure is None:
        return None
    return SpecFailure("backward" if which == "engine" else "neuron", f"your code cannot be loaded: {message}",
                       failure=failure)


@contextlib.contextmanager
def _profile_without_explain(name: str) -> Iterator[None]:
    """Load profile ``name`` minus Hypothesis's explain phase, then restore the profile loaded before.

    The explain phase only annotates Hypothesis's own report, which the check does not
    show, and it takes most of the time of a failing property (hundreds of extra runs).
    Generation and shrinking are untouched, so verdicts and counterexamples are the same.
    """
    try:
        previous: Optional[str] = settings.get_current_profile_name()
    except AssertionError:  # pragma: no cover (Hypothesis always loads "default" at import)
        previous = None
    load_profile(name)
    base = settings.get_profile(name)
    settings.register_profile(
        _CHECK_PROFILE, parent=base, phases=[phase for phase in base.phases if phase is not Phase.explain]
    )
    settings.load_profile(_CHECK_PROFILE)
    try:
        yield
    finally:
        if previous is not None and previous != _CHECK_PROFILE:
            settings.load_profile(previous)


class _Oracles:
    """The chosen oracle, and for a property only some oracles may judge, the first of those installed."""

    def __init__(self, chosen: Any) -> None:
        self.chosen = chosen
        self._made: Dict[str, Any] = {}

    def for_property(self, prop: Property) -> Any:
        if prop.oracles is None or getattr(self.chosen, "name", None) in prop.oracles:
            return self.chosen
        from micrograd.oracles import ORACLE_NAMES, get_oracle, oracle_skip_reason

        for name in prop.oracles:
            if name not in self._made and name in ORACLE_NAMES and oracle_skip_reason(name) is None:
                self._made[name] = get_oracle(name)
            if name in self._made:
                return self._made[name]
        return self.chosen  # none installed: run_property reports the property as skipped


def _stub_of(result: PropertyResult) -> Optional[str]:
    """The method whose NotImplementedError (or absence) made ``result`` fail, if that is why."""
    failure = result.failure
    if failure is None or failure.failure is None:
        return None
    raised = failure.failure
    if raised.type == "NotImplementedError":
        return stub_method(raised.message, raised.location)
    if failure.summary.startswith("not implemented: "):
        return failure.summary[len("not implemented: "):].split(" ", 1)[0]
    return None


def _blocker(result: PropertyResult, own: str) -> Optional[str]:
    """The other exercise whose stub (or missing method) made ``result`` fail, if that is why."""
    method = _stub_of(result)
    owner = exercise_of_method(method) if method else None
    return owner if owner is not None and owner != own else None


def _check_exercises(properties: List[Property], impl: Any, oracles: _Oracles, timeout: Optional[float],
                     before: _Before, report: CheckReport, wanted: Callable[[ExerciseResult], bool],
                     after: _After, replay: Optional[ReplayCache] = None) -> List[ExerciseResult]:
    """Every exercise with properties, in EXERCISES order (a dependency order); those ``wanted``
    are returned, and given to ``after`` as soon as each is done."""
    by_exercise: Dict[str, List[Property]] = {}
    for prop in properties:
        by_exercise.setdefault(prop.exercise, []).append(prop)
    verdicts: Dict[str, ExerciseResult] = {}
    shown: List[ExerciseResult] = []
    stuck: Optional[str] = None
    for name, exercise in EXERCISES.items():
        props = by_exercise.get(name)
        if not props:
            continue
        if stuck is not None:
            verdict = ExerciseResult(exercise, "not run", [], props, stopped_by=stuck,
                                     reason=f"the check stopped after the timeout in {stuck}")
        elif report.load_failure is not None or (exercise.file == "nn.py" and report.nn_failure is not None):
            which = "engine.py" if report.load_failure is not None else "nn.py"
            verdict = ExerciseResult(exercise, "not run", [], props, reason=f"{which} cannot be used")
        else:
            verdict = _check_exercise(exercise, props, impl, oracles, timeout, before, verdicts, replay)
            if any(r.status == "timeout" for r in verdict.results):
                stuck = name
        verdicts[name] = verdict
        report.checked[name] = verdict.status
        if wanted(verdict):
            shown.append(verdict)
            if after is not None:
                after(verdict)
    return shown


def _check_exercise(exercise: Exercise, properties: List[Property], impl: Any, oracles: _Oracles,
                    timeout: Optional[float], before: _Before, done: Dict[str, ExerciseResult],
                    replay: Optional[ReplayCache] = None) -> ExerciseResult:
    results: List[PropertyResult] = []
    not_run: List[Property] = []
    blocked_by: Optional[str] = None
    reason = ""
    for i, prop in enumerate(properties):
        waiting = [n for n in prop.needs if n in done and done[n].status not in ("passing", "skipped")]
        if waiting and prop.skip is None:  # a property skipped anyway says why (run_property does)
            blocked_by = blocked_by or waiting[0]
            not_run.append(prop)
            reason = f"blocked by {blocked_by}"
            continue
        if before is not None:
            before(prop)
        result = run_property(prop, impl, oracles.for_property(prop), timeout=timeout, replay=replay)
        other = _blocker(result, exercise.name) if result.status == "failed" else None
        if other is not None:  # another exercise's stub: this one waits for it
            blocked_by = blocked_by or other
            not_run.extend(properties[i:])
            reason = f"blocked by {other}"
            break
        results.append(result)
        if _is_stub(result) or result.load_error or result.status == "timeout":
            not_run.extend(properties[i + 1:])
            reason = "an earlier property stopped at a stub" if _is_stub(result) else \
                "an earlier property timed out" if result.status == "timeout" else "the code cannot be loaded"
            break
    status = _status(results, blocked_by, exercise.name)
    return ExerciseResult(exercise, status, results, not_run, blocked_by=blocked_by if status == "blocked" else None,
                          reason=reason)


def _is_stub(result: PropertyResult) -> bool:
    """Did ``result`` fail only because a method still raises NotImplementedError, or is missing?"""
    return result.status == "failed" and (result.not_implemented or _stub_of(result) is not None)


def _status(results: List[PropertyResult], blocked_by: Optional[str], own: str) -> str:
    ran = [r for r in results if r.status != "skipped"]
    problems = [r for r in ran if r.status != "passed"]
    if any(r.status in ("failed", "timeout") and not _is_stub(r) for r in problems):
        return "failing"
    if any(r.status == "error" for r in problems):
        return "error"
    if any(_is_stub(r) for r in problems):
        return "not started"
    if blocked_by is not None:
        return "blocked"
    if not ran:
        return "skipped"
    return "passing"
