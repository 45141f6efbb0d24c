"""What crosses between the grader, a Dask worker and the worker's grading process, as data.

A result comes back as the JSON of :class:`autograder.report.SubmissionResult` (never a pickle of
anything a submission touched) and is rebuilt here field by field, each checked against the
dataclass's own type hints, so a field added to the result model needs no change here. A
submission goes to a worker as the Python files the grader prepared from it (a bounded copy, see
:func:`autograder.grade.prepare`), so a worker needs no view of the grader's files.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import math
import os
import struct
import sys
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Dict, Optional

from autograder.report import SubmissionResult

__all__ = ["MAX_RESULT_BYTES", "Job", "WireError", "read_frame", "read_result", "submission_files", "write_files",
           "write_frame"]

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
    """A SubmissionResult from its JSON, every field checked; raises WireError naming what is wrong."""
    if not isinstance(text, str) or len(text) > MAX_RESULT_BYTES:
        raise WireError(f"a result must be a JSON text of at most {MAX_RESULT_BYTES} characters")
    try:
        data = json.loads(text)
    except ValueError as error:
        raise WireError(f"a result is not JSON: {error}") from None
    return typing.cast(SubmissionResult, _build(SubmissionResult, data, "result"))


def _build(kind: Any, value: Any, where: str) -> Any:
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin is typing.Union:
        if value is None and type(None) in args:
            return None
        return _build(next(a for a in args if a is not type(None)), value, where)
    if origin is tuple:
        if not isinstance(value, list):
            raise WireError(f"{where}: expected a list, got {type(value).__name__}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_build(args[0], v, f"{where}[{i}]") for i, v in enumerate(value))
        if len(args) != len(value):
            raise WireError(f"{where}: expected {len(args)} items, got {len(value)}")
        return tuple(_build(a, v, f"{where}[{i}]") for i, (a, v) in enumerate(zip(args, value)))
    if dataclasses.is_dataclass(kind):
        return _build_dataclass(kind, value, where)
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        try:
            return kind(value)
        except ValueError:
            raise WireError(f"{where}: {value!r} is not a {kind.__name__}") from None
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise WireError(f"{where}: expected a finite number, got {value!r}")
        return float(value)
    if kind in (str, int, bool) and isinstance(value, kind) and (kind is bool or not isinstance(value, bool)):
        return value
    raise WireError(f"{where}: expected {getattr(kind, '__name__', kind)}, got {type(value).__name__}")


def _build_dataclass(kind: Any, value: Any, where: str) -> Any:
    if not isinstance(value, dict):
        raise WireError(f"{where}: expected an object, got {type(value).__name__}")
    hints = typing.get_type_hints(kind, vars(sys.modules[kind.__module__]))
    fields = {f.name: f for f in dataclasses.fields(kind) if f.init}
    unknown = sorted(set(value) - set(fields))
    if unknown:
        raise WireError(f"{where}: unknown field {unknown[0]!r}")
    built: Dict[str, Any] = {}
    for name, f in fields.items():
        if name in value:
            built[name] = _build(hints[name], value[name], f"{where}.{name}")
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise WireError(f"{where}: missing field {name!r}")
    try:
        return kind(**built)
    except (TypeError, ValueError) as error:
        raise WireError(f"{where}: {error}") from None


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
