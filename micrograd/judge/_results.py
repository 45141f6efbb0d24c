"""The one result model: what a property and an exercise came to, for ``micrograd check`` and for grading.

Both are frozen dataclasses with a plain-JSON form (``to_dict``) and a validating reader (``from_dict``)
that rejects malformed data with a :class:`ResultError` naming the field.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Tuple, cast

from micrograd.judge._status import ExerciseStatus, PropertyStatus, status_of
from micrograd.program import Failure
from micrograd.verdict import EXERCISES, Exercise, SpecFailure

__all__ = ["OUTPUT_LINES", "OUTPUT_WIDTH", "ExerciseResult", "PropertyResult", "ResultError", "Row", "shown_output"]

#: one line of an expected-vs-got table: (what, expected, got)
Row = Tuple[str, str, str]
#: the most lines, and characters per line, of the student's printed output shown with a failure
OUTPUT_LINES = 12
OUTPUT_WIDTH = 200


def shown_output(output: str) -> List[str]:
    """What a report shows of ``output`` (what the student's code printed while the failing example ran): a
    heading, then its last OUTPUT_LINES lines, each cut to OUTPUT_WIDTH characters; [] for nothing."""
    lines = output.strip("\n").splitlines()
    if not lines:
        return []
    shown = lines[-OUTPUT_LINES:]
    more = f" (the last {len(shown)} lines)" if len(lines) > len(shown) else ""
    return [f"Your code printed{more}:", *(line[:OUTPUT_WIDTH] for line in shown)]


class ResultError(ValueError):
    """Result data that cannot be read back: the message names the field and what it expected."""


@dataclass(frozen=True)
class PropertyResult:
    """One property run against one implementation.

    ``summary`` says what happened (a failure's one line, with the exception the implementation raised; else
    the reason: the time limit, the error, why it did not run); ``code`` is the counterexample (it imports
    the reference: :func:`micrograd.impl.student_snippet` makes it load the student's code), ``rows`` expected
    vs got, ``hint`` the likely misconception. ``raised``: the implementation's exception, when that is why it
    failed; ``failure_exercise``: the exercise the failure names. ``blocked_by``: the root cause, an exercise
    whose failure this one follows from (then it carries no hint). ``examples``: how many examples ran;
    ``report``: Hypothesis's report (kept for errors); ``output``: what the implementation printed (for a
    failure: while the failing example ran, bounded; see :func:`shown_output`);
    ``flaky``: the same example gave different results when run again.
    """

    id: str
    exercise: str
    status: PropertyStatus
    summary: str = ""
    code: str = ""
    rows: Tuple[Row, ...] = ()
    hint: str = ""
    raised: Optional[Failure] = None
    failure_exercise: str = ""
    blocked_by: Optional[str] = None
    seconds: float = 0.0
    examples: Optional[int] = None
    report: str = ""
    output: str = ""
    flaky: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", status_of(PropertyStatus, self.status, "property status"))
        object.__setattr__(self, "rows", tuple(tuple(str(x) for x in row) for row in self.rows))

    @classmethod
    def of_failure(cls, prop_id: str, exercise: str, failure: SpecFailure, **fields: Any) -> PropertyResult:
        """A ``failed`` result from the SpecFailure a property raised (the exception it reports, in the summary)."""
        summary = failure.summary
        if failure.failure is not None and str(failure.failure) not in summary:
            summary = f"{summary} ({failure.failure})"
        return cls(prop_id, exercise, PropertyStatus.FAILED, summary, failure.code,
                   tuple((str(a), str(b), str(c)) for a, b, c in failure.rows), failure.hint, failure.failure,
                   failure.exercise, **fields)

    @property
    def name(self) -> str:
        """The property's function name (the id without its group)."""
        return self.id.split("::", 1)[-1]

    @property
    def passed(self) -> bool:
        return self.status is PropertyStatus.PASSED

    @property
    def failure(self) -> Optional[SpecFailure]:
        """The failure as the property raised it (None unless ``failed``)."""
        if self.status is not PropertyStatus.FAILED:
            return None
        return SpecFailure(self.failure_exercise or self.exercise, self.summary, self.code, list(self.rows),
                           self.hint, self.raised)

    @property
    def not_implemented(self) -> bool:
        """Did it fail because the implementation raised NotImplementedError (a stub)?"""
        return self.raised is not None and self.raised.type == "NotImplementedError"

    @property
    def load_error(self) -> bool:
        """Did it fail because the implementation's files could not be loaded?"""
        return self.raised is not None and self.raised.type == "ImplementationError"

    def consequence_of(self, root: str) -> PropertyResult:
        """This result as a consequence of exercise ``root``'s failure: blocked by it, without a hint of its own."""
        return dataclasses.replace(self, blocked_by=root, hint="")

    def to_dict(self) -> Dict[str, Any]:
        return {
            "id": self.id, "exercise": self.exercise, "status": self.status.value, "summary": self.summary,
            "code": self.code, "rows": [list(r) for r in self.rows], "hint": self.hint,
            "raised": None if self.raised is None else dataclasses.asdict(self.raised),
            "failure_exercise": self.failure_exercise, "blocked_by": self.blocked_by,
            "seconds": round(self.seconds, 4), "examples": self.examples, "report": self.report,
            "output": self.output, "flaky": self.flaky,
        }

    @classmethod
    def from_dict(cls, data: Any) -> PropertyResult:
        """The result ``to_dict`` gave (fields left out take their defaults); ResultError for anything else."""
        where = "property result"
        fields = _fields(data, cls, where)
        try:
            return cls(
                _str(fields, "id", where), _str(fields, "exercise", where),
                status_of(PropertyStatus, _get(fields, "status", where), f"{where} status"),
                _str(fields, "summary", where, ""), _str(fields, "code", where, ""), _rows(fields, where),
                _str(fields, "hint", where, ""), _failure(fields.get("raised"), where),
                _str(fields, "failure_exercise", where, ""), _optional_exercise(fields, "blocked_by", where),
                _number(fields, "seconds", where, 0.0), _optional_int(fields, "examples", where),
                _str(fields, "report", where, ""), _str(fields, "output", where, ""),
                _bool(fields, "flaky", where, False),
            )
        except ValueError as error:
            raise ResultError(str(error)) from None


#: ExerciseResult's default status: derived from the counts (passing when every property passed, else failing)
_FROM_COUNTS = cast(ExerciseStatus, None)


@dataclass(frozen=True)
class ExerciseResult:
    """An exercise's verdict: ``passed`` of ``total`` properties, its status, and for grading the rubric's
    ``points`` and the ``score`` earned. ``blocked_by``: the root cause of a blocked exercise; ``stub``: the
    method of a not-started one that still raises NotImplementedError; ``reason``: why properties did not run;
    ``stopped_by``: for a ``not_run`` exercise, the exercise whose timeout stopped the run.
    ``status`` defaults to passing when every property passed, else failing."""

    exercise: str
    title: str = ""
    points: float = 0.0
    score: float = 0.0
    passed: int = 0
    total: int = 0
    status: ExerciseStatus = _FROM_COUNTS
    blocked_by: Optional[str] = None
    stub: Optional[str] = None
    reason: str = ""
    stopped_by: Optional[str] = None

    def __post_init__(self) -> None:
        status: Optional[ExerciseStatus] = self.status
        if status is None:
            status = ExerciseStatus.PASSING if self.passed == self.total else ExerciseStatus.FAILING
        object.__setattr__(self, "status", status_of(ExerciseStatus, status, "exercise status"))
        if not self.title and self.exercise in EXERCISES:
            object.__setattr__(self, "title", EXERCISES[self.exercise].title)

    @property
    def info(self) -> Exercise:
        """The exercise's declaration (file, functions, needs)."""
        return EXERCISES[self.exercise]

    def to_dict(self) -> Dict[str, Any]:
        return {
            "exercise": self.exercise, "title": self.title, "points": self.points, "score": self.score,
            "passed": self.passed, "total": self.total, "status": str(self.status), "blocked_by": self.blocked_by,
            "stub": self.stub, "reason": self.reason, "stopped_by": self.stopped_by,
        }

    @classmethod
    def from_dict(cls, data: Any) -> ExerciseResult:
        where = "exercise result"
        fields = _fields(data, cls, where)
        try:
            return cls(
                _str(fields, "exercise", where), _str(fields, "title", where, ""),
                _number(fields, "points", where, 0.0), _number(fields, "score", where, 0.0),
                _int(fields, "passed", where, 0), _int(fields, "total", where, 0),
                status_of(ExerciseStatus, fields["status"], f"{where} status") if fields.get("status")
                else _FROM_COUNTS,
                _optional_exercise(fields, "blocked_by", where), _optional_str(fields, "stub", where),
                _str(fields, "reason", where, ""), _optional_exercise(fields, "stopped_by", where),
            )
        except ValueError as error:
            raise ResultError(str(error)) from None


# ----------------------------------------------------------------------------- validating readers

_MISSING = object()


def _fields(data: Any, cls: type, where: str) -> Mapping[str, Any]:
    if not isinstance(data, dict):
        raise ResultError(f"a {where} must be a JSON object, got {type(data).__name__}")
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(k for k in data if k not in known)
    if unknown:
        raise ResultError(f"{where}: unknown field {unknown[0]!r}; expected {', '.join(sorted(known))}")
    return data


def _get(data: Mapping[str, Any], key: str, where: str, default: Any = _MISSING) -> Any:
    value = data.get(key, default)
    if value is _MISSING:
        raise ResultError(f"{where}: field {key!r} is missing")
    return value


def _str(data: Mapping[str, Any], key: str, where: str, default: Any = _MISSING) -> str:
    value = _get(data, key, where, default)
    if type(value) is not str:
        raise ResultError(f"{where}: {key} must be a string, got {type(value).__name__}")
    return value


def _optional_str(data: Mapping[str, Any], key: str, where: str) -> Optional[str]:
    return None if data.get(key) is None else _str(data, key, where)


def _optional_exercise(data: Mapping[str, Any], key: str, where: str) -> Optional[str]:
    value = _optional_str(data, key, where)
    if value is not None and value not in EXERCISES:
        raise ResultError(f"{where}: {key} {value!r} is not an exercise")
    return value


def _number(data: Mapping[str, Any], key: str, where: str, default: float) -> float:
    value = data.get(key, default)
    if type(value) not in (int, float) or not math.isfinite(value):
        raise ResultError(f"{where}: {key} must be a finite number, got {value!r}")
    return float(value)


def _int(data: Mapping[str, Any], key: str, where: str, default: int) -> int:
    value = data.get(key, default)
    if type(value) is not int or value < 0:
        raise ResultError(f"{where}: {key} must be a whole number >= 0, got {value!r}")
    return value


def _optional_int(data: Mapping[str, Any], key: str, where: str) -> Optional[int]:
    return None if data.get(key) is None else _int(data, key, where, 0)


def _bool(data: Mapping[str, Any], key: str, where: str, default: bool) -> bool:
    value = data.get(key, default)
    if type(value) is not bool:
        raise ResultError(f"{where}: {key} must be true or false, got {value!r}")
    return value


def _rows(data: Mapping[str, Any], where: str) -> Tuple[Row, ...]:
    rows = data.get("rows", [])
    if not isinstance(rows, list) or not all(isinstance(r, list) and len(r) == 3 and all(type(x) is str for x in r)
                                             for r in rows):
        raise ResultError(f"{where}: rows must be a list of [what, expected, got] strings")
    return tuple((r[0], r[1], r[2]) for r in rows)


def _failure(value: Any, where: str) -> Optional[Failure]:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ResultError(f"{where}: raised must be an object (type, message, phase, node, location)")
    node = value.get("node")
    if not (type(value.get("type")) is str and type(value.get("message")) is str and type(value.get("phase")) is str
            and (node is None or type(node) is int) and type(value.get("location", "")) is str
            and type(value.get("output", "")) is str) \
            or set(value) - {"type", "message", "phase", "node", "location", "output"}:
        raise ResultError(f"{where}: raised must hold type, message, phase (strings), node (a number or null), "
                          "location and output")
    return Failure(value["type"], value["message"], value["phase"], node, value.get("location", ""),
                   value.get("output", ""))
