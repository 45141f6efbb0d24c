"""Run the spec on one implementation directory and sum it up per exercise, root causes first.

A thin user of :mod:`micrograd.judge`: the check judges the kit's exam (the examples grading judges, so a
check and a grade agree, and a passing check draws nothing) under the judge's :data:`~micrograd.judge.CHECK`
policy. Rules that keep a student's check fast, readable and fair:

- before anything, the files must load and ``Value`` must work (``Value(1.5)`` has data 1.5 and
  grad 0, ``Value(data, (inputs), op)`` works): otherwise that one problem is reported, once,
  and nothing else runs; an nn.py that does not load stops only the nn exercises;
- exercises run in dependency order; a property that needs an exercise that is not passing is *blocked*
  by its root cause and does not run (no hint of its own); so is one that stops at another exercise's stub;
- an exercise is *not started* only when one of its own methods still raises NotImplementedError;
  its remaining properties are not run;
- a property that times out stops the whole check: the exercises after it are *not run*;
- with ``explore``, a property that passes the exam also runs on examples Hypothesis draws afresh (the
  profile's count, a new seed every run): a bug the exam misses can still show, and is said to be one.
"""

from __future__ import annotations

import dataclasses
import os
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple, Union

from hypothesis import settings

from micrograd.check._basics import DEFAULT_PROFILE, DEFAULT_TIMEOUT, CheckError, resolve_path
from micrograd.check._early import EarlyChild, confirmed, import_meanwhile
from micrograd.impl import Evaluator, ImplementationError
from micrograd.judge import (
    CHECK,
    PROBLEMS,
    PROFILES,
    Exam,
    ExamError,
    ExerciseResult,
    ExerciseStatus,
    FirstFailures,
    PropertyResult,
    PropertyStatus,
    Spare,
    cached_exam,
    judge,
    keep_hypothesis_out_of_the_folder,
    register_profiles,
    run_property,
    settings_for,
)
from micrograd.oracles import Oracle
from micrograd.sandbox import (
    IsolationError,
    SandboxEvaluator,
    student_evaluator,
)
from micrograd.spec import Property, Spec, SpecError, load_spec
from micrograd.verdict import COURSE, DEEP_PROBE, EXERCISES, SpecFailure, check_value_class, prerequisites

__all__ = [
    "DEFAULT_PROFILE",
    "DEFAULT_TIMEOUT",
    "EXERCISE_STATUSES",
    "CheckError",
    "CheckReport",
    "choose_oracle",
    "make_evaluator",
    "resolve_path",
    "run_check",
]

#: an exercise's verdict (see the module docstring)
EXERCISE_STATUSES = tuple(ExerciseStatus)

_Before = Optional[Callable[[Property], None]]
_After = Optional[Callable[[ExerciseResult, List[PropertyResult]], None]]


@dataclass
class CheckReport:
    """Everything ``micrograd check`` found: the exercises shown (in EXERCISES order) and their properties."""

    path: Path
    spec: str
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
    #: the status of every exercise checked, those checked only because a shown one needs them too
    checked: Dict[str, str] = field(default_factory=dict)
    #: every property's result, the shown exercises' and those they needed
    properties: List[PropertyResult] = field(default_factory=list)
    #: the digest of the exam judged, and whether fresh examples were drawn beyond it
    exam: str = ""
    explored: bool = False
    #: what the check has to say besides its verdicts (an exam it could not use)
    notes: List[str] = field(default_factory=list)

    def results_of(self, exercise: str) -> List[PropertyResult]:
        return [r for r in self.properties if r.exercise == exercise]

    def first_problem(self, exercise: str) -> Optional[PropertyResult]:
        """The exercise's first own failure or timeout, else its first result neither passed nor skipped."""
        return first_problem(self.results_of(exercise))

    @property
    def counted(self) -> List[ExerciseResult]:
        """The exercises that count towards the summary: all but the fully skipped."""
        return [e for e in self.exercises if e.status is not ExerciseStatus.SKIPPED]

    @property
    def passing(self) -> List[ExerciseResult]:
        return [e for e in self.exercises if e.status is ExerciseStatus.PASSING]

    @property
    def ok(self) -> bool:
        """True iff every counted exercise passes (the exit status is 0 iff ok)."""
        return self.load_failure is None and all(e.status is ExerciseStatus.PASSING for e in self.counted)

    @property
    def root_causes(self) -> List[ExerciseResult]:
        """The failing exercises (and those with a spec error or killed from outside), in dependency order."""
        roots = (ExerciseStatus.FAILING, ExerciseStatus.ERROR, ExerciseStatus.INTERRUPTED)
        return [e for e in self.exercises if e.status in roots]

    def blocked_by(self, name: str) -> List[ExerciseResult]:
        """The exercises blocked by root cause ``name``."""
        return [e for e in self.exercises if e.status is ExerciseStatus.BLOCKED and e.blocked_by == name]

    def to_dict(self) -> Dict[str, Any]:
        return {
            "path": str(self.path), "why": self.why, "spec": self.spec, "oracle": self.oracle,
            "profile": self.profile, "timeout": self.timeout, "exam": self.exam, "explored": self.explored,
            "ok": self.ok, "passing": len(self.passing), "total": len(self.counted),
            "duration": round(self.duration, 3), "notes": list(self.notes),
            "load_failure": None if self.load_failure is None else self.load_failure.to_dict(),
            "nn_failure": None if self.nn_failure is None else self.nn_failure.to_dict(),
            "exercises": [{"name": e.exercise, "file": e.info.file, "functions": e.info.functions,
                           "needs": list(e.info.needs), **e.to_dict(),
                           "properties": [r.to_dict() for r in self.results_of(e.exercise)]}
                          for e in self.exercises],
        }


def first_problem(results: List[PropertyResult]) -> Optional[PropertyResult]:
    """The first own failure or timeout of ``results``, else the first result neither passed nor skipped."""
    problems = [r for r in results if r.status not in (PropertyStatus.PASSED, PropertyStatus.SKIPPED)]
    own = (r for r in problems if r.blocked_by is None and r.status in PROBLEMS)
    return next(own, None) or next(iter(problems), None)


def choose_oracle(name: Optional[str] = None) -> Oracle:
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


def make_evaluator(directory: Path, *, timeout: Optional[float] = None,
                   started: Optional[SandboxEvaluator] = None) -> Evaluator:
    """The evaluator ``micrograd check`` runs the spec against: the implementation in ``directory``,
    in a sandboxed child process as when it is graded (so a segfault, ``os._exit`` or a recursion
    crash is a failure with its reason, not the end of the check); ``timeout`` bounds one request.
    ``started``: its child, started early in a layer not yet probed (see :func:`confirmed`)."""
    if started is None:
        return student_evaluator(directory, timeout=timeout)
    return confirmed(started, directory, timeout)


def run_check(
    path: Optional[Path | str] = None,
    *,
    spec_dir: Optional[Path | str] = None,
    exercises: Optional[Iterable[str]] = None,
    oracle: Union[str, Oracle, None] = None,
    profile: Optional[str] = None,
    timeout: Optional[float] = DEFAULT_TIMEOUT,
    before: _Before = None,
    after: _After = None,
    evaluator: Optional[Evaluator] = None,
    explore: bool = False,
    optional: bool = False,
    early: Optional[EarlyChild] = None,
    each: Optional[Callable[[PropertyResult], None]] = None,
) -> CheckReport:
    """Check the implementation in ``path`` (default: see :func:`resolve_path`) against the spec's exam.

    ``exercises`` limits the report to those, and to the root causes of their failures (the exercises
    they need are checked too); None: the default course's, plus the optional exercises (sigmoid) with
    ``optional``. ``oracle`` is an oracle object, a name from ORACLE_NAMES, or None for the
    best installed. ``profile``: the Hypothesis profile of ``explore`` (None: $HYPOTHESIS_PROFILE, else
    DEFAULT_PROFILE). ``before(prop)`` is called before each property runs and ``after(verdict, results)``
    after each exercise (progress display); ``each(result)`` with each property's result once it is final (a
    failure printed before the rest of its exercise runs). ``evaluator`` replaces :func:`make_evaluator`'s;
    ``path`` then only names the code in the report and snippets. ``early``: the child :func:`make_evaluator`
    takes if it was started for this check (the caller releases it). Raises CheckError when the check cannot
    start.
    """
    start = time.perf_counter()
    keep_hypothesis_out_of_the_folder()
    directory, why = resolve_path(path)
    profile = profile or os.environ.get("HYPOTHESIS_PROFILE") or DEFAULT_PROFILE
    if profile not in PROFILES:
        raise CheckError(f"unknown Hypothesis profile {profile!r}; choose one of {', '.join(PROFILES)}")
    if timeout is not None and not timeout > 0:
        raise CheckError(f"--timeout must be a positive number of seconds, got {timeout!r}")
    chosen = None if exercises is None else [e for e in EXERCISES if e in set(exercises)]
    if exercises is not None:
        unknown = sorted(set(exercises) - set(EXERCISES))
        if unknown:
            raise CheckError(f"unknown exercise {unknown[0]!r}; expected one of {', '.join(EXERCISES)}")
    if chosen is None:  # the optional exercises only when asked for (by name, or all of them)
        needed: Optional[List[str]] = None if optional else list(COURSE)
    else:
        needed = sorted({n for c in chosen for n in (c, *prerequisites(c))}, key=list(EXERCISES).index)
    try:
        spec = load_spec(spec_dir)
    except SpecError as error:
        raise CheckError(str(error)) from None
    properties = spec.select(needed)
    if not properties or (chosen is not None and not any(p.exercise in chosen for p in properties)):
        only = f" for {', '.join(chosen)}" if chosen is not None else ""
        raise CheckError(f"{spec.source} has no properties{only}")
    notes: List[str] = []
    try:
        exam = cached_exam(spec, properties, notes=notes)
    except ExamError as error:
        raise CheckError(str(error)) from None
    try:  # the student's code runs in a sandboxed child, as when it is graded
        started = early.take(directory, timeout) if early is not None and evaluator is None else None
        impl = evaluator if evaluator is not None else make_evaluator(directory, timeout=timeout, started=started)
    except (ImplementationError, IsolationError) as error:
        raise CheckError(str(error)) from None
    judge_oracle = oracle if oracle is None or not isinstance(oracle, str) else choose_oracle(oracle)
    if judge_oracle is None and any(p.needs_oracle for p in properties):
        judge_oracle = choose_oracle()
    fresh: Optional[Spare] = None
    report = CheckReport(directory, spec.source, getattr(judge_oracle, "name", None), profile, timeout, [], 0.0, why,
                         exam=exam.digest, explored=explore, notes=notes)
    try:
        report.load_failure = _load_failure(impl, "engine") or check_value_class(impl)
        if report.load_failure is None:
            report.nn_failure = _load_failure(impl, "nn")
        prefetch = getattr(impl, "prefetch", None)
        deep = (callable(prefetch) and report.load_failure is None and any(p.exercise == "deep" for p in properties)
                and not (started is impl and early is not None and early.prefetched))

        def starting(prop: Property) -> None:
            nonlocal deep
            # not started early (_early): a second child for the chain of 100,000 nodes once an exercise passed
            if deep and callable(prefetch) and str(ExerciseStatus.PASSING) in report.checked.values():
                deep = False
                prefetch(DEEP_PROBE)
            if before is not None:
                before(prop)

        if any(EXERCISES[p.exercise].file == "nn.py" for p in properties):  # the module oracle's, meanwhile
            import_meanwhile("numpy")
        if evaluator is None and isinstance(impl, SandboxEvaluator):  # a fresh child kept ahead: a failure alone?
            fresh = Spare(lambda: student_evaluator(directory, timeout=timeout, isolation=impl.isolation, wait=False))
            fresh.start()
        _judge(report, spec, exam, properties, impl, _Oracles(judge_oracle), starting, after, chosen, explore, each,
               fresh)
    finally:
        if fresh is not None:
            fresh.close()
        if early is not None:
            early.settle()
        for stop in ("cancel_prefetched", "close" if evaluator is None else ""):  # our own child: gone
            method = getattr(impl, stop, None) if stop else None
            if callable(method):
                method()
    report.duration = time.perf_counter() - start
    return report


def _judge(report: CheckReport, spec: Spec, exam: Exam, properties: List[Property], impl: Evaluator, oracles: _Oracles,
           before: _Before, after: _After, chosen: Optional[List[str]], explore: bool,
           each: Optional[Callable[[PropertyResult], None]],
           fresh: Optional[Callable[[], Evaluator]] = None) -> None:
    explorer = _explorer(report.profile) if explore else None
    first = FirstFailures(fresh)

    def run(prop: Property) -> PropertyResult:
        entry = exam.entry(prop)
        judge_oracle = oracles.for_property(prop)
        result = run_property(prop, impl, judge_oracle, examples=entry.examples, timeout=report.timeout,
                              chosen=settings_for(prop, exam.max_examples), seed=entry.seed,
                              fresh=first.for_property(prop))
        first.saw(result)
        if explorer is None or result.status is not PropertyStatus.PASSED or not prop.generated:
            return result
        found = run_property(prop, impl, judge_oracle, chosen=explorer(prop), seed=random.getrandbits(48),
                             timeout=report.timeout, fresh=first.for_property(prop))
        first.saw(found)
        if found.status is PropertyStatus.FAILED:
            return dataclasses.replace(found, summary=f"beyond the exam (grades judge the exam alone): {found.summary}")
        return dataclasses.replace(result, examples=(result.examples or 0) + (found.examples or 0))

    def cannot_run(prop: Property) -> Optional[str]:
        if report.load_failure is not None:
            return "engine.py cannot be used"
        if EXERCISES[prop.exercise].file == "nn.py" and report.nn_failure is not None:
            return "nn.py cannot be used"
        return None

    judged: Dict[str, Tuple[ExerciseResult, List[PropertyResult]]] = {}

    def show(verdict: ExerciseResult, results: List[PropertyResult]) -> None:
        report.exercises.append(verdict)
        if after is not None:
            after(verdict, results)

    def done(verdict: ExerciseResult, results: List[PropertyResult]) -> None:
        report.checked[verdict.exercise] = str(verdict.status)
        judged[verdict.exercise] = (verdict, results)
        if chosen is not None and verdict.exercise not in chosen:
            return
        root = verdict.blocked_by or verdict.stopped_by
        if root is not None and root in judged and all(e.exercise != root for e in report.exercises):
            show(*judged[root])  # --exercise: the root cause it waits for, with its counterexample, first
        show(verdict, results)

    shown = (lambda result: each(result) if chosen is None or result.exercise in chosen else None) if each else None
    report.properties = judge(properties, run, CHECK, before=before, after=done, cannot_run=cannot_run,
                              each=shown).properties


def _explorer(profile: str) -> Callable[[Property], settings]:
    register_profiles()
    base = settings.get_profile(profile)
    return lambda prop: settings_for(prop, base.max_examples)


def _load_failure(impl: Evaluator, which: str) -> Optional[SpecFailure]:
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


class _Oracles:
    """The chosen oracle, and for a property only some oracles may judge, the first of those installed."""

    def __init__(self, chosen: Optional[Oracle]) -> None:
        self.chosen = chosen
        self._made: Dict[str, Oracle] = {}

    def for_property(self, prop: Property) -> Optional[Oracle]:
        if prop.oracles is None or getattr(self.chosen, "name", None) in prop.oracles:
            return self.chosen
        from micrograd.oracles import ORACLE_NAMES, get_oracle, oracle_skip_reason

        for name in prop.oracles:
            if name not in self._made and name in ORACLE_NAMES and oracle_skip_reason(name) is None:
                self._made[name] = get_oracle(name)
            if name in self._made:
                return self._made[name]
        return self.chosen  # none installed: run_property reports the property as skipped
