"""Statuses of a property, an exercise and a graded submission: ``str`` enums, so JSON and comparisons with
plain strings keep working (``PropertyStatus.PASSED == "passed"``)."""

from __future__ import annotations

import enum
from typing import Any, Type, TypeVar

__all__ = ["PROBLEMS", "ExerciseStatus", "PropertyStatus", "SubmissionStatus", "status_of"]

E = TypeVar("E", bound=enum.Enum)


class PropertyStatus(str, enum.Enum):
    """What running one property came to.

    ``failed``: the implementation is wrong (a counterexample); ``error``: the property broke without judging
    it (a spec bug); ``timeout``/``crash``: the implementation hung or its process died; ``skipped``: nothing
    here can judge it (an oracle that is not installed); ``not_run``: the run stopped before it (an earlier
    timeout, a stub of its own exercise, the time budget); ``blocked``: not run because an exercise it needs
    fails; ``interrupted``: its process was killed from outside, twice (not the student's doing).
    """

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    TIMEOUT = "timeout"
    CRASH = "crash"
    SKIPPED = "skipped"
    NOT_RUN = "not_run"
    BLOCKED = "blocked"
    INTERRUPTED = "interrupted"

    def __str__(self) -> str:
        return self.value


#: what a property that found something wrong with the implementation comes to (its exercise fails: a problem
#: of its own unless it follows from another exercise's)
PROBLEMS = (PropertyStatus.FAILED, PropertyStatus.TIMEOUT, PropertyStatus.CRASH)


class ExerciseStatus(str, enum.Enum):
    """An exercise's verdict: ``passing`` (every property that ran passed), ``failing`` (a root cause: one of
    its own properties fails), ``not_started`` (its own method still raises NotImplementedError), ``blocked``
    (it fails, or did not run, because an exercise it needs fails: ``blocked_by`` names the root cause),
    ``error`` (a property broke: a spec bug), ``not_run``, ``skipped`` (nothing here can judge it),
    ``interrupted`` (killed from outside: regrade)."""

    PASSING = "passing"
    FAILING = "failing"
    NOT_STARTED = "not_started"
    BLOCKED = "blocked"
    ERROR = "error"
    NOT_RUN = "not_run"
    SKIPPED = "skipped"
    INTERRUPTED = "interrupted"

    def __str__(self) -> str:
        return self.value


class SubmissionStatus(str, enum.Enum):
    """A graded submission's status in grades.csv: ``graded``, ``timeout``, ``crashed``, ``invalid`` (its files
    cannot be graded: a policy violation, a broken upload), ``needs_regrade`` (killed from outside: the
    student is not blamed; grade it again)."""

    GRADED = "graded"
    TIMEOUT = "timeout"
    CRASHED = "crashed"
    INVALID = "invalid"
    NEEDS_REGRADE = "needs_regrade"

    def __str__(self) -> str:
        return self.value


def status_of(kind: Type[E], value: Any, what: str = "status") -> E:
    """``value`` (a member or its string) as a member of ``kind``; a ValueError naming the valid ones."""
    if isinstance(value, kind):
        return value
    try:
        return kind(value)
    except ValueError:
        valid = ", ".join(str(m.value) for m in kind)
        raise ValueError(f"unknown {what} {value!r}; expected one of {valid}") from None
