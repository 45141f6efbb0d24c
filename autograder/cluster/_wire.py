"""What crosses between the grader, a Dask worker and the worker's grading process, as data.

A result comes back as the JSON of :class:`autograder.report.SubmissionResult` (never a pickle of
anything a submission touched) and is read back by the judge's one validating reader
(:meth:`SubmissionResult.from_json`), as class.json and every other result. Between a worker and its
grading process everything is JSON too (the rubric, the limits, the layer, the exam and the plan as
data): no pickle crosses anything a worker or a child could have written. A submission goes to a
worker as the Python files the grader prepared from it (a bounded copy, see
:func:`autograder.grade.prepare`), so a worker needs no view of the grader's files.
"""

from __future__ import annotations

import dataclasses
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Dict, Optional

from autograder.report import ResultError, SubmissionResult
from autograder.rubric import ExerciseRule, Rubric

__all__ = ["MAX_RESULT_BYTES", "Job", "WireError", "plain_from_data", "read_frame", "read_result", "rubric_data",
           "rubric_from_data", "submission_files", "write_files", "write_frame"]

#: the largest result JSON the grader reads (a result is capped at 512 KiB of JSON: autograder.grade.CAPS)
MAX_RESULT_BYTES = 4 * 1024 * 1024


class WireError(ValueError):
    """What came back is not a valid result (the message says which field)."""


@dataclass(frozen=True)
class Job:
    """One submission for a worker: ``index`` in the batch, and either its Python files (relative path ->
    bytes, as :func:`submission_files` read them) or ``error``, why it cannot be graded (it is then
    graded ``invalid`` with that reason, as the local pool does)."""

    index: int
    files: Dict[str, bytes] = field(default_factory=dict)
    error: str = ""


def submission_files(directory: Path) -> Dict[str, bytes]:
    """The files of a prepared submission (its Python files only, already bounded by preparation)."""
    found: Dict[str, bytes] = {}
    for folder, dirs, files in os.walk(directory):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder, name)
            if path.is_file() and not path.is_symlink():
                found[path.relative_to(directory).as_posix()] = path.read_bytes()
    return found


def write_files(files: Dict[str, bytes], directory: Path) -> None:
    """Write ``files`` under ``directory``; a path that would leave it is refused (WireError)."""
    for name, data in files.items():
        target = (directory / name).resolve()
        if directory.resolve() not in target.parents:
            raise WireError(f"a submission file's path leaves its folder: {name!r}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def read_result(text: str) -> SubmissionResult:
    """A SubmissionResult from the JSON a worker sent: the judge's one validating reader
    (:meth:`SubmissionResult.from_json`), bounded to :data:`MAX_RESULT_BYTES`; WireError naming what is wrong."""
    try:
        return SubmissionResult.from_json(text, max_chars=MAX_RESULT_BYTES)
    except ResultError as error:
        raise WireError(f"a result that is not the result model: {error}") from None


def rubric_data(rubric: Rubric) -> Dict[str, Any]:
    """``rubric`` as plain data (:func:`rubric_from_data` reads it back the same)."""
    return dataclasses.asdict(rubric)


def rubric_from_data(data: Any) -> Rubric:
    """The rubric :func:`rubric_data` wrote; WireError for anything else."""
    try:
        rules = tuple(ExerciseRule(str(r["exercise"]), float(r["points"]), tuple(str(p) for p in r["properties"]),
                                   str(r["visibility"])) for r in data["rules"])
        examples = data["max_examples"]
        return Rubric(rules, None if data["spec"] is None else str(data["spec"]),
                      None if examples is None else int(examples), tuple(str(m) for m in data["forbid_imports"]),
                      str(data["source"]))
    except (KeyError, TypeError, ValueError) as error:
        raise WireError(f"not a rubric: {type(error).__name__}: {error}") from None


def plain_from_data(kind: Any, data: Any) -> Any:
    """A dataclass of plain fields (Limits, Isolation) from :func:`dataclasses.asdict`'s data; WireError if bad."""
    try:
        return kind(**{f.name: data[f.name] for f in dataclasses.fields(kind) if f.name in data})
    except (TypeError, ValueError) as error:
        raise WireError(f"not a {kind.__name__}: {error}") from None


_LENGTH = struct.Struct("!Q")


def write_frame(stream: BinaryIO, data: bytes) -> None:
    """One message on a pipe: its length, then its bytes."""
    stream.write(_LENGTH.pack(len(data)) + data)
    stream.flush()


def read_frame(stream: BinaryIO, limit: int = 1 << 31) -> Optional[bytes]:
    """The next message of :func:`write_frame` (None at the end of the stream)."""
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        return None
    (size,) = _LENGTH.unpack(head)
    if size > limit:
        raise WireError(f"a message of {size} bytes is over the limit of {limit}")
    data = stream.read(size)
    return data if len(data) == size else None
