"""What grading produced, as dataclasses; one JSON serializer for all of them, one validating reader.

A property's and an exercise's results are the judge's (:class:`micrograd.judge.PropertyResult`,
:class:`micrograd.judge.ExerciseResult`): ``micrograd check`` and grading share them.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import micrograd
from micrograd.judge import ExerciseResult, PropertyResult, ResultError, SubmissionStatus, status_of

__all__ = [
    "STATUSES",
    "VISIBILITIES",
    "ExerciseResult",
    "GradescopeResults",
    "GradescopeTest",
    "PropertyResult",
    "ResultError",
    "SubmissionResult",
    "to_json",
    "write_json",
]

#: a submission's status in grades.csv
STATUSES = tuple(str(s) for s in SubmissionStatus)
#: who sees a Gradescope test (https://gradescope-autograders.readthedocs.io/en/latest/specs/)
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")


@dataclass(frozen=True)
class SubmissionResult:
    """A student's grade: status (:class:`~micrograd.judge.SubmissionStatus`) with a reason, and the details.

    ``student`` is the id (the student's folder in the outputs); ``name`` who it is, as handed in;
    ``submission`` the path graded; ``layout`` how the student runs a counterexample: ``folder``
    (next to their engine.py) or ``notebook`` (in a new cell of their notebook).
    ``isolation``: the sandbox layer the submission ran in (bwrap, uid or none; see micrograd.sandbox).
    ``kit_version`` and ``exam`` (the exam's digest) say what graded it: runs that differ in either are not
    comparable, and ``micrograd grade --update`` keeps a class graded by one kit and one exam.
    """

    student: str
    status: SubmissionStatus
    reason: str
    score: float
    max_score: float
    exercises: Tuple[ExerciseResult, ...] = ()
    properties: Tuple[PropertyResult, ...] = ()
    seconds: float = 0.0
    name: str = ""
    submission: str = ""
    layout: str = "folder"
    isolation: str = ""
    kit_version: str = micrograd.__version__
    exam: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", status_of(SubmissionStatus, self.status, "submission status"))

    @property
    def display_name(self) -> str:
        return self.name or self.student

    def to_dict(self) -> Dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data.update(status=str(self.status), exercises=[e.to_dict() for e in self.exercises],
                    properties=[p.to_dict() for p in self.properties])
        return data

    @classmethod
    def from_dict(cls, data: Any) -> SubmissionResult:
        """The result :meth:`to_dict` gave; ResultError, naming the field, for anything else."""
        if not isinstance(data, dict):
            raise ResultError(f"a submission result must be a JSON object, got {type(data).__name__}")
        known = [f.name for f in dataclasses.fields(cls)]
        unknown = sorted(k for k in data if k not in known)
        if unknown:
            raise ResultError(f"submission result: unknown field {unknown[0]!r}")
        for key in ("student", "reason", "name", "submission", "layout", "isolation", "kit_version", "exam"):
            if key in data and type(data[key]) is not str:
                raise ResultError(f"submission result: {key} must be a string")
        for key in ("score", "max_score", "seconds"):
            if key in data and (type(data[key]) not in (int, float) or not math.isfinite(data[key])):
                raise ResultError(f"submission result: {key} must be a finite number")
        for key in ("exercises", "properties"):
            if not isinstance(data.get(key, []), list):
                raise ResultError(f"submission result: {key} must be a list")
        for key in ("student", "status", "reason", "score", "max_score"):
            if key not in data:
                raise ResultError(f"submission result: field {key!r} is missing")
        try:
            status = status_of(SubmissionStatus, data["status"], "submission status")
        except ValueError as error:
            raise ResultError(f"submission result: {error}") from None
        text = {k: data[k] for k in ("name", "submission", "layout", "isolation", "kit_version", "exam") if k in data}
        return cls(data["student"], status, data["reason"], float(data["score"]), float(data["max_score"]),
                   tuple(ExerciseResult.from_dict(e) for e in data.get("exercises", [])),
                   tuple(PropertyResult.from_dict(p) for p in data.get("properties", [])),
                   float(data.get("seconds", 0.0)), **text)

    @classmethod
    def from_json(cls, text: str, max_chars: Optional[int] = None) -> SubmissionResult:
        """:meth:`from_dict` of the JSON ``text`` (at most ``max_chars`` characters when given: a reader of
        results that crossed a process or a network bounds what it parses)."""
        if not isinstance(text, str):
            raise ResultError(f"a submission result must be a JSON text, got {type(text).__name__}")
        if max_chars is not None and len(text) > max_chars:
            raise ResultError(f"a submission result must be a JSON text of at most {max_chars} characters, got "
                              f"{len(text)}")
        try:
            data = json.loads(text)
        except ValueError as error:
            raise ResultError(f"not JSON: {error}") from None
        return cls.from_dict(data)


@dataclass(frozen=True)
class GradescopeTest:
    """One entry of ``tests`` in Gradescope's results.json."""

    name: str
    score: float
    max_score: float
    output: str
    visibility: str = "visible"
    status: str = "passed"


@dataclass(frozen=True)
class GradescopeResults:
    """Gradescope's results.json (https://gradescope-autograders.readthedocs.io/en/latest/specs/)."""

    score: float
    tests: List[GradescopeTest] = field(default_factory=list)
    output: str = ""
    visibility: str = "visible"
    stdout_visibility: str = "hidden"
    execution_time: Optional[float] = None
    #: Gradescope stores it with the submission: the grading status, the isolation layer, the kit and exam
    extra_data: Dict[str, Any] = field(default_factory=dict)


def _plain(obj: Any) -> Any:
    if isinstance(obj, (SubmissionResult, ExerciseResult, PropertyResult)):
        return obj.to_dict()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)
                if getattr(obj, f.name) is not None or f.name != "execution_time"}
    if isinstance(obj, (list, tuple)):
        return [_plain(x) for x in obj]
    return obj


def to_json(obj: Any) -> str:
    """The one serializer: any of these dataclasses as indented JSON (strict: no NaN)."""
    return json.dumps(_plain(obj), indent=2, allow_nan=False) + "\n"


def write_json(obj: Any, path: Path) -> None:
    path.write_text(to_json(obj), encoding="utf-8")
