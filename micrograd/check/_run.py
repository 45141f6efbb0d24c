"""Run the spec on one implementation directory and sum it up per exercise.

Rules that keep a student's check fast and readable:

- an exercise whose property fails because the implementation raised
  NotImplementedError (a stub), or because its files cannot be loaded (a syntax
  error, a missing nn.py), stops there: its remaining properties would fail the
  same way, so they are reported as not run;
- a property that times out stops the whole check: the exercises after it are
  reported as not run. An infinite loop usually sits in code every later exercise
  calls (backward, an operation the random graphs use), so going on would cost
  one time limit per exercise; this way it costs one, and the student fixes the
  loop first;
- an exercise is *passing* when every property that ran passed (skips aside), *not
  started* when nothing passed and every failure is a stub's NotImplementedError,
  *failing* when a property failed or timed out, and *error* when a property broke
  without judging the implementation (a bug in the spec, not the student's).
"""

from __future__ import annotations

import contextlib
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional

from hypothesis import Phase, settings

from micrograd import _paths
from micrograd.impl import ImplementationError
from micrograd.sandbox import IsolationError, student_evaluator
from micrograd.testing import (
    PROFILES,
    Property,
    PropertyResult,
    SpecCollectionError,
    collect_properties,
    load_profile,
    run_property,
)
from micrograd.verdict import EXERCISES, Exercise

__all__ = [
    "DEFAULT_PROFILE",
    "DEFAULT_TIMEOUT",
    "EXERCISE_STATUSES",
    "CheckError",
    "CheckReport",
    "ExerciseResult",
    "choose_oracle",
    "run_check",
]

#: derandomized, so two checks of the same code agree
DEFAULT_PROFILE = "ci"
#: seconds one property may run; the reference's slowest takes a few seconds
DEFAULT_TIMEOUT = 30.0
#: an exercise's verdict: "error" when a property broke without judging the implementation
#: (a bug in the spec), "not run" after a timeout stopped the check, "skipped" when every
#: property was skipped (e.g. no oracle)
EXERCISE_STATUSES = ("passing", "failing", "not started", "error", "not run", "skipped")

_CHECK_PROFILE = "_micrograd_check"
_Before = Optional[Callable[[Property], None]]
_STUB_NAME = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*:")


class CheckError(Exception):
    """The check cannot run: a bad path, an unknown or missing oracle, a broken spec."""


@dataclass
class ExerciseResult:
    """The verdict on one exercise: its properties' results, and those not run after a stop."""

    exercise: Exercise
    status: str
    results: List[PropertyResult] = field(default_factory=list)
    not_run: List[Property] = field(default_factory=list)
    #: for a "not run" exercise: the exercise whose timeout stopped the check
    stopped_by: Optional[str] = None

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
        """For a not-started exercise, the stub that raised (``Value.__add__``), if it says."""
        problem = self.first_problem
        if problem is None or not problem.not_implemented:
            return None
        raised = problem.failure.failure if problem.failure is not None else None
        match = _STUB_NAME.match(raised.message) if raised is not None else None
        return match.group(1) if match else None

    def to_dict(self) -> Dict[str, Any]:
        return {
            "name": self.exercise.name,
            "title": self.exercise.title,
            "file": self.exercise.file,
            "functions": self.exercise.functions,
            "status": self.status,
            "passed": self.passed,
            "total": self.total,
            "stub": self.stub,
            "stopped_by": self.stopped_by,
            "properties": [r.to_dict() for r in self.results]
            + [
                {"property": p.id, "name": p.name, "exercise": p.exercise, "status": "not_run", "failure": None}
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
        return all(e.status == "passing" for e in self.counted)

    def to_dict(self) -> Dict[str, Any]:
        return {
            "path": str(self.path),
            "spec": str(self.spec_dir),
            "oracle": self.oracle,
            "profile": self.profile,
            "timeout": self.timeout,
            "ok": self.ok,
            "passing": len(self.passing),
            "total": len(self.counted),
            "duration": round(self.duration, 3),
            "exercises": [e.to_dict() for e in self.exercises],
        }


def choose_oracle(name: Optional[str] = None) -> Any:
    """The oracle called ``name``, or the best one installed (torch, else jax, else fd)."""
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
    raise CheckError(f"no oracle is available (tried {', '.join(ORACLE_NAMES)})")  # pragma: no cover (fd needs numpy)


def run_check(
    path: Optional[Path | str] = None,
    *,
    spec_dir: Optional[Path | str] = None,
    exercises: Optional[Iterable[str]] = None,
    oracle: Any = None,
    profile: str = DEFAULT_PROFILE,
    timeout: Optional[float] = DEFAULT_TIMEOUT,
    before: _Before = None,
    evaluator: Any = None,
) -> CheckReport:
    """Check the implementation in ``path`` (default: exercises/) against the spec.

    ``oracle`` is an oracle object, a name from ORACLE_NAMES, or None for the best
    installed. ``before(prop)`` is called before each property runs (progress
    display). ``evaluator`` replaces the in-process LocalEvaluator of ``path`` (e.g. a
    sandboxed one); ``path`` then only names the code in the report and snippets.
    Raises CheckError when the check cannot start.
    """
    start = time.perf_counter()
    directory = Path(path) if path is not None else _paths.exercises_dir()
    spec = Path(spec_dir) if spec_dir is not None else _paths.spec_dir()
    if profile not in PROFILES:
        raise CheckError(f"unknown Hypothesis profile {profile!r}; choose one of {', '.join(PROFILES)}")
    if timeout is not None and not timeout > 0:
        raise CheckError(f"--timeout must be a positive number of seconds, got {timeout!r}")
    try:  # the student's code runs in a sandboxed child, as when it is graded
        impl = evaluator if evaluator is not None else student_evaluator(directory, timeout=timeout)
    except (ImplementationError, IsolationError) as error:
        raise CheckError(str(error)) from None
    chosen_exercises = None if exercises is None else list(exercises)
    with _profile_without_explain(profile):
        try:  # after loading the profile: @settings decorators read it when they run
            properties = collect_properties(spec, exercises=chosen_exercises)
        except (SpecCollectionError, ValueError) as error:
            raise CheckError(str(error)) from None
        if not properties:
            only = f" for {', '.join(chosen_exercises)}" if chosen_exercises is not None else ""
            raise CheckError(f"{spec} has no properties{only}: is the spec installed?")
        chosen = oracle if oracle is None or not isinstance(oracle, str) else choose_oracle(oracle)
        if chosen is None and any(p.needs_oracle for p in properties):
            chosen = choose_oracle()
        try:
            verdicts = _check_exercises(properties, impl, _Oracles(chosen), timeout, before)
        finally:
            if evaluator is None:
                impl.close()
    return CheckReport(
        path=directory,
        spec_dir=spec,
        oracle=getattr(chosen, "name", None),
        profile=profile,
        timeout=timeout,
        exercises=verdicts,
        duration=time.perf_counter() - start,
    )


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


def _check_exercises(
    properties: List[Property], impl: Any, oracles: _Oracles, timeout: Optional[float], before: _Before
) -> List[ExerciseResult]:
    """Every exercise with properties, in EXERCISES order; after a timeout the rest are not run."""
    by_exercise: Dict[str, List[Property]] = {}
    for prop in properties:
        by_exercise.setdefault(prop.exercise, []).append(prop)
    verdicts: List[ExerciseResult] = []
    stuck: Optional[str] = None
    for name, exercise in EXERCISES.items():
        if name not in by_exercise:
            continue
        if stuck is not None:
            verdicts.append(ExerciseResult(exercise, "not run", [], by_exercise[name], stopped_by=stuck))
            continue
        verdict = _check_exercise(exercise, by_exercise[name], impl, oracles, timeout, before)
        verdicts.append(verdict)
        if any(r.status == "timeout" for r in verdict.results):
            stuck = name
    return verdicts


def _check_exercise(
    exercise: Exercise,
    properties: List[Property],
    impl: Any,
    oracles: _Oracles,
    timeout: Optional[float],
    before: _Before,
) -> ExerciseResult:
    results: List[PropertyResult] = []
    not_run: List[Property] = []
    for i, prop in enumerate(properties):
        if before is not None:
            before(prop)
        result = run_property(prop, impl, oracles.for_property(prop), timeout=timeout)
        results.append(result)
        if result.not_implemented or result.load_error or result.status == "timeout":
            not_run = properties[i + 1 :]
            break
    return ExerciseResult(exercise, _status(results), results, not_run)


def _status(results: List[PropertyResult]) -> str:
    ran = [r for r in results if r.status != "skipped"]
    if not ran:
        return "skipped"
    problems = [r for r in ran if r.status != "passed"]
    if not problems:
        return "passing"
    if len(problems) == len(ran) and all(r.not_implemented for r in problems):
        return "not started"
    if any(r.status in ("failed", "timeout") for r in problems):
        return "failing"
    return "error"
