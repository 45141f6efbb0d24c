"""A class folder (``--out``): ``class.json`` records every student's full result, so that a later run
can regrade some students and rebuild grades.csv and report.html from all of them.

``class.json`` holds, per student, their id, the submission graded (as a resolved path, to know the
same submission again) and the result as :func:`autograder.report.to_json` writes it (read back
with :meth:`SubmissionResult.from_dict`), and for the class the rubric's digest: results graded with
another rubric, kit or exam are never mixed into one class (autograder.grade decides).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Mapping, Optional, Sequence, Tuple

from autograder.report._results import SubmissionResult, _plain

if TYPE_CHECKING:
    from autograder.rubric import Rubric

__all__ = [
    "CLASS_FILE",
    "CLASS_FILES",
    "STUDENT_FILES",
    "ClassFolderError",
    "ClassRecord",
    "earlier_outputs",
    "read_class",
    "remove_outputs",
    "rubric_digest",
    "write_class",
]

#: the class's record in --out
CLASS_FILE = "class.json"
_FORMAT = "micrograd-class/1"
#: what a run writes beside the students' folders, and in each of them (a student's id is never one of these)
CLASS_FILES = ("grades.csv", "report.html", CLASS_FILE)
STUDENT_FILES = ("results.json", "feedback.md")


class ClassFolderError(OSError):
    """class.json cannot be read; the message says what to do."""


@dataclass(frozen=True)
class ClassRecord:
    """What class.json says: every student's result, in the class's order, the submission each was graded
    from (resolved), and the digest of the rubric they were graded with."""

    results: Tuple[SubmissionResult, ...]
    paths: Dict[str, str] = field(default_factory=dict)
    rubric: str = ""


def rubric_digest(rubric: Optional[Rubric]) -> str:
    """A digest of what a rubric grades (exercises, points, properties, examples, policy); "" for none."""
    if rubric is None:
        return ""
    text = json.dumps(rubric.to_dict(), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def write_class(out: Path, results: Sequence[SubmissionResult], paths: Optional[Mapping[str, str]] = None,
                rubric: Optional[Rubric] = None) -> None:
    """Write ``out/class.json`` (through a hidden file, so that it is never seen half written). JSON with
    every character escaped that is not ASCII, so any text can be written."""
    paths = paths or {}
    data = {
        "format": _FORMAT,
        "rubric": rubric_digest(rubric),
        "students": [{"student": r.student, "path": paths.get(r.student, ""), "result": _plain(r)} for r in results],
    }
    partial = out / f".{CLASS_FILE}.partial"
    partial.write_text(json.dumps(data, allow_nan=False) + "\n", encoding="ascii")
    os.replace(partial, out / CLASS_FILE)


def read_class(out: Path) -> Optional[ClassRecord]:
    """The record in ``out/class.json``; None when there is none. Raises ClassFolderError when it cannot be read."""
    path = out / CLASS_FILE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            raise ValueError(f"not a {_FORMAT} file")
        entries = data["students"]
        results = tuple(SubmissionResult.from_dict(entry["result"]) for entry in entries)
        paths = {str(entry["student"]): str(entry.get("path", "")) for entry in entries}
        return ClassRecord(results, paths, str(data.get("rubric", "")))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ClassFolderError(f"{path} cannot be read ({error}): grade the whole class again with --fresh, or "
                               "choose another --out") from None


def earlier_outputs(out: Path) -> List[Path]:
    """What an earlier run left in ``out``: the class's files and every folder holding a student's files
    (also from a kit that wrote no class.json)."""
    if not out.is_dir():
        return []
    found: List[Path] = []
    for entry in sorted(os.scandir(out), key=lambda e: e.name):
        path = Path(entry.path)
        if entry.name in CLASS_FILES and entry.is_file(follow_symlinks=False):
            found.append(path)
        elif entry.is_dir(follow_symlinks=False) and any((path / f).is_file() for f in STUDENT_FILES):
            found.append(path)
    return found


def remove_outputs(out: Path) -> List[Path]:
    """Remove what earlier runs wrote in ``out`` (:func:`earlier_outputs`: the class's files, the students'
    files and then their folders when nothing else is in them); returns what was left because something
    else is in it. Nothing that a run did not write is removed."""
    left: List[Path] = []
    for path in earlier_outputs(out):
        if path.is_file():
            path.unlink()
            continue
        for name in STUDENT_FILES:
            if (path / name).is_file():
                (path / name).unlink()
        try:
            path.rmdir()
        except OSError:
            left.append(path)
    for stale in out.glob(".*.partial"):
        stale.unlink()
    return left
