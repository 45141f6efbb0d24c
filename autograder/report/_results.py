"""What grading produced, as dataclasses; one JSON serializer for all of them."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

__all__ = [
    "STATUSES",
    "VISIBILITIES",
    "ExerciseResult",
    "GradescopeResults",
    "GradescopeTest",
    "PropertyResult",
    "SubmissionResult",
    "to_json",
    "write_json",
]

#: a submission's status in grades.csv
STATUSES = ("graded", "timeout", "crashed", "invalid")
#: who sees a Gradescope test (https://gradescope-autograders.readthedocs.io/en/latest/specs/)
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")


@dataclass(frozen=True)
class PropertyResult:
    """One property run against one submission.

    ``status``: passed, failed, timeout, crash, error (the property itself broke) or skipped.
    ``report`` is the student-facing text (SpecFailure's rendering, or a reason);
    ``summary``/``code``/``rows``/``hint`` its parts, when the property raised a SpecFailure.
    """

    id: str
    exercise: str
    status: str
    summary: str = ""
    code: str = ""
    rows: Tuple[Tuple[str, str, str], ...] = ()
    hint: str = ""

    @property
    def passed(self) -> bool:
        return self.status == "passed"


@dataclass(frozen=True)
class ExerciseResult:
    exercise: str
    title: str
    points: float
    score: float
    passed: int
    total: int


@dataclass(frozen=True)
class SubmissionResult:
    """A student's grade: status (graded/timeout/crashed/invalid) with a reason, and the details.

    ``student`` is the id (the student's folder in the outputs); ``name`` who it is, as handed in;
    ``submission`` the path graded; ``layout`` how the student runs a counterexample: ``folder``
    (next to their engine.py) or ``notebook`` (in a new cell of their notebook).
    ``isolation``: the sandbox layer the submission ran in (bwrap, uid or none; see micrograd.sandbox).
    ``kit_version``: the kit that graded it; ``exam``: the digest of the examples it was graded on
    ("" until grading runs a frozen exam). ``micrograd grade --update`` keeps a class graded by one
    kit and one exam.
    """

    student: str
    status: str
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
    kit_version: str = ""
    exam: str = ""

    @property
    def display_name(self) -> str:
        return self.name or self.student

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SubmissionResult:
        """The result that :func:`to_json` wrote (a ValueError names what is wrong); unknown keys are ignored."""
        try:
            exercises = tuple(ExerciseResult(**_known(ExerciseResult, e)) for e in data.get("exercises", ()))
            properties = tuple(
                PropertyResult(**{**_known(PropertyResult, p), "rows": tuple(tuple(r) for r in p.get("rows", ()))})
                for p in data.get("properties", ()))
            fields = _known(cls, data)
            return cls(**{**fields, "exercises": exercises, "properties": properties})
        except (TypeError, AttributeError) as error:
            raise ValueError(f"not a grading result: {error}") from None

    @classmethod
    def from_json(cls, text: str) -> SubmissionResult:
        return cls.from_dict(json.loads(text))


def _known(cls: Any, data: Mapping[str, Any]) -> Dict[str, Any]:
    if not isinstance(data, Mapping):
        raise TypeError(f"expected an object, got {type(data).__name__}")
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in data.items() if k in names}


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
