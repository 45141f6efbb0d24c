"""The one loop over the exercises: in dependency order, each property judged, every failure traced to its root.

Exercises run in EXERCISES order, a dependency order (``Exercise.needs``). A property whose needs (an
exercise it uses, directly or through the exercises that one needs) are not passing follows from their
failure: the first such exercise's *root cause* (the exercise that fails on its own) is its ``blocked_by``,
and it carries no hint of its own. So is a property that fails because a method of another exercise still
raises NotImplementedError. ``micrograd check`` does not run such a property (:data:`CHECK`); grading runs
every property (:data:`GRADE`), so scores do not depend on this, and marks the failures that follow.

An exercise is *failing* when one of its own properties fails (it is a root cause), *not started* when its
own method is a stub, *blocked* when all it got wrong follows from a root cause, *error* when a property
broke (a spec bug), *interrupted* when its process was killed from outside, *skipped* when nothing judged
it, *not run* when the run stopped first, else *passing*.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterator, List, Optional, Sequence

from micrograd.judge._results import ExerciseResult, PropertyResult
from micrograd.judge._status import PROBLEMS, ExerciseStatus, PropertyStatus
from micrograd.spec import Property
from micrograd.verdict import EXERCISES, exercise_of_method, stub_method

__all__ = ["CHECK", "GRADE", "Judgement", "Policy", "judge", "stub_of"]

#: an exercise whose status is one of these does not block those that need it
_OK = (ExerciseStatus.PASSING, ExerciseStatus.SKIPPED)
#: property statuses that did not judge the implementation
_NOT_JUDGED = (PropertyStatus.SKIPPED, PropertyStatus.NOT_RUN, PropertyStatus.BLOCKED)


@dataclass(frozen=True)
class Policy:
    """How the loop goes on. ``run_blocked``: run a property whose needs fail (its failure is then marked as a
    consequence); ``stop_at_stub``: the rest of an exercise does not run once one of its properties stops at
    its own stub (or the code cannot be loaded); ``stop_at_timeout``: nothing runs after a timeout (an
    infinite loop usually sits in code that every later exercise calls)."""

    run_blocked: bool
    stop_at_stub: bool
    stop_at_timeout: bool


#: ``micrograd check``: one bug is reported once, where it is, and the report leads with it
CHECK = Policy(run_blocked=False, stop_at_stub=True, stop_at_timeout=True)
#: grading: every property runs (the rubric scores them all), consequences are marked
GRADE = Policy(run_blocked=True, stop_at_stub=False, stop_at_timeout=False)


@dataclass
class Judgement:
    """Every property's result (in the order judged) and every exercise's verdict (in EXERCISES order)."""

    properties: List[PropertyResult] = field(default_factory=list)
    exercises: Dict[str, ExerciseResult] = field(default_factory=dict)

    def of(self, exercise: str) -> List[PropertyResult]:
        """The results of ``exercise``'s properties."""
        return [r for r in self.properties if r.exercise == exercise]

    @property
    def root_causes(self) -> List[ExerciseResult]:
        """The exercises that fail on their own (failing, not started, error, interrupted), in dependency order."""
        return [e for e in self.exercises.values() if e.status not in _OK and e.status is not ExerciseStatus.BLOCKED
                and e.status is not ExerciseStatus.NOT_RUN]

    def consequences(self, root: str) -> List[ExerciseResult]:
        """The exercises blocked by ``root``."""
        return [e for e in self.exercises.values() if e.blocked_by == root]


def stub_of(result: PropertyResult) -> Optional[str]:
    """The method whose NotImplementedError (or absence) made ``result`` fail, if that is why."""
    raised = result.raised
    if result.status is not PropertyStatus.FAILED or raised is None:
        return None
    if raised.type == "NotImplementedError":
        return stub_method(raised.message, raised.location)
    if result.summary.startswith("not implemented: "):
        return result.summary[len("not implemented: "):].split(" ", 1)[0]
    return None


def _blocker(result: PropertyResult, own: str) -> Optional[str]:
    """The other exercise whose stub (or missing method) made ``result`` fail, if that is why."""
    method = stub_of(result)
    owner = exercise_of_method(method) if method else None
    return owner if owner is not None and owner != own else None


def judge(properties: Sequence[Property], run: Callable[[Property], PropertyResult], policy: Policy, *,
          before: Optional[Callable[[Property], None]] = None,
          after: Optional[Callable[[ExerciseResult, List[PropertyResult]], None]] = None,
          cannot_run: Optional[Callable[[Property], Optional[str]]] = None,
          premise: Optional[str] = None,
          each: Optional[Callable[[PropertyResult], None]] = None) -> Judgement:
    """Judge ``properties`` with ``run`` (one property -> its result), exercise by exercise, under ``policy``.

    ``before(prop)`` is called before a property runs and ``after(verdict, results)`` after each exercise
    (progress). ``premise``: an exercise that failed before anything ran and that every other property is
    taken to need (the Value class itself does not work: exercise backward), so it is the root cause of
    whatever else fails.
    ``cannot_run(prop)``: why a property cannot run at all (files that do not load), or None. ``each(result)`` is
    called with each property's result as soon as it is final (before its exercise's verdict)."""
    by_exercise: Dict[str, List[Property]] = {}
    for prop in properties:
        by_exercise.setdefault(prop.exercise, []).append(prop)
    found = Judgement()
    roots: Dict[str, str] = {} if premise is None else {premise: premise}  # an exercise not OK -> its root cause
    stuck: Optional[str] = None
    for name in EXERCISES:
        props = by_exercise.get(name)
        if not props:
            continue
        waited: List[str] = []
        if premise is not None and name != premise:
            props = [dataclasses.replace(p, needs=(*p.needs, premise)) for p in props]
        results: List[PropertyResult] = []
        for result in _exercise(name, props, run, policy, roots, stuck, waited, before, cannot_run):
            results.append(result)
            if each is not None:
                each(result)
        verdict = _verdict(name, results, stuck, waited)
        found.properties.extend(results)
        found.exercises[name] = verdict
        if verdict.status not in _OK and (verdict.status is not ExerciseStatus.NOT_RUN or verdict.stopped_by):
            roots[name] = verdict.blocked_by or verdict.stopped_by or name  # (an exercise not judged is no root)
        if policy.stop_at_timeout and stuck is None and any(r.status is PropertyStatus.TIMEOUT for r in results):
            stuck = name
        if after is not None:
            after(verdict, results)
    return found


def _exercise(name: str, props: List[Property], run: Callable[[Property], PropertyResult], policy: Policy,
              roots: Dict[str, str], stuck: Optional[str], waited: List[str],
              before: Optional[Callable[[Property], None]],
              cannot_run: Optional[Callable[[Property], Optional[str]]]) -> Iterator[PropertyResult]:
    stopped = ""
    for prop in props:
        if stuck is not None or stopped:
            why = stopped or f"the check stopped after the timeout in {stuck}"
            yield PropertyResult(prop.id, prop.exercise, PropertyStatus.NOT_RUN, why)
            continue
        reason = cannot_run(prop) if cannot_run is not None else None
        if reason is not None:
            yield PropertyResult(prop.id, prop.exercise, PropertyStatus.NOT_RUN, reason)
            continue
        waiting = next((roots[n] for n in EXERCISES if n in prop.needs and n in roots), None)
        if waiting is not None and prop.skip is None and not policy.run_blocked:
            waited.append(waiting)
            yield PropertyResult(prop.id, prop.exercise, PropertyStatus.BLOCKED, f"blocked by {waiting}",
                                 blocked_by=waiting)
            continue
        if before is not None:
            before(prop)
        result = run(prop)
        other = _blocker(result, name)
        if waiting is None and other is not None:
            waiting = roots.get(other, other)
        if waiting is not None and prop.skip is None and result.status is not PropertyStatus.NOT_RUN:
            waited.append(waiting)
        if waiting is not None and result.status not in (PropertyStatus.PASSED, *_NOT_JUDGED):
            result = result.consequence_of(waiting)
            if not policy.run_blocked:  # another exercise's stub: this one waits for it
                yield dataclasses.replace(result, status=PropertyStatus.BLOCKED, summary=f"blocked by {waiting}")
                stopped = f"blocked by {waiting}"
                continue
        yield result
        if policy.stop_at_stub and result.blocked_by is None and (stub_of(result) is not None or result.load_error):
            stopped = "an earlier property stopped at a stub" if not result.load_error else "the code cannot be loaded"
        elif policy.stop_at_timeout and result.status is PropertyStatus.TIMEOUT:
            stopped = "an earlier property timed out"


def _verdict(name: str, results: List[PropertyResult], stuck: Optional[str], waited: List[str]) -> ExerciseResult:
    """The exercise's verdict. Blocked: nothing wrong of its own, and a property needs a root cause (grading ran
    it and it may have passed: the exercise is still reported as waiting for that root cause, as the check,
    which does not run it, reports it)."""
    own = [r for r in results if r.blocked_by is None and r.status not in (*_NOT_JUDGED, PropertyStatus.PASSED)]
    stubs = [r for r in own if stub_of(r) is not None]
    failing = [r for r in own if r.status in PROBLEMS
               and stub_of(r) is None]
    blocked = [r.blocked_by for r in results if r.blocked_by is not None] + waited
    passed = sum(r.status is PropertyStatus.PASSED for r in results)
    total = sum(r.status is not PropertyStatus.SKIPPED for r in results)
    stub: Optional[str] = None
    blocked_by: Optional[str] = None
    stopped_by: Optional[str] = None
    if failing:
        status = ExerciseStatus.FAILING
    elif any(r.status is PropertyStatus.INTERRUPTED for r in own):
        status = ExerciseStatus.INTERRUPTED
    elif any(r.status is PropertyStatus.ERROR for r in own):
        status = ExerciseStatus.ERROR
    elif stubs:
        status, stub = ExerciseStatus.NOT_STARTED, stub_of(stubs[0])
    elif blocked:
        status, blocked_by = ExerciseStatus.BLOCKED, blocked[0]
    elif all(r.status is PropertyStatus.SKIPPED for r in results):
        status = ExerciseStatus.SKIPPED
    elif any(r.status is PropertyStatus.NOT_RUN for r in results):
        status, stopped_by = ExerciseStatus.NOT_RUN, stuck
    else:
        status = ExerciseStatus.PASSING
    reason = next((r.summary for r in results if r.status in (PropertyStatus.NOT_RUN, PropertyStatus.BLOCKED)), "")
    return ExerciseResult(name, EXERCISES[name].title, passed=passed, total=total, status=status,
                          blocked_by=blocked_by, stub=stub, reason=reason, stopped_by=stopped_by)
