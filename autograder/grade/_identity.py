"""Who handed in a submission: the student's id (a folder name in ``--out``), their name as
given, and how they run a counterexample (next to their engine.py, or in their notebook).

Three layouts are recognized, whatever the path's depth:

- nbgrader: ``.../submitted/STUDENT/ASSIGNMENT/...`` (or ``autograded/``): the student is STUDENT;
- a Gradescope export: a folder ``submission_NNN`` beside the export's ``submission_metadata.yml``:
  the student is the submitters' names from that file;
- anything else: the file or folder name, without ``.zip`` / ``.ipynb``.

Names are data: they keep their Unicode, a name that is not valid UTF-8 (any bytes a folder may
have) is shown with its bytes escaped, and the id only replaces what cannot be in a folder name.
Two submissions that would get the same id (compared without case: ``Alice`` and ``alice`` are one
folder on macOS and Windows) are told apart by their parent folder when that differs, else by
``-2``, ``-3``; an id that is the name of an output (``grades.csv``, ``report.html``...) becomes
``student-grades.csv``; either way :func:`identify_all` returns a note saying which is which.
"""

from __future__ import annotations

import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Set, Tuple

from autograder.report._class import CLASS_FILES, STUDENT_FILES
from autograder.report._text import writable

__all__ = [
    "GRADESCOPE_METADATA",
    "OUTPUT_NAMES",
    "Identity",
    "IdentityError",
    "collect_submissions",
    "identify",
    "identify_all",
    "layout",
    "safe_id",
    "student_id",
]

#: the file a Gradescope "Export Submissions" zip holds beside its submission_NNN folders
GRADESCOPE_METADATA = "submission_metadata.yml"
#: the names of the outputs beside and inside the students' folders: never a student's id
OUTPUT_NAMES = (*CLASS_FILES, *STUDENT_FILES, "exam.json")
_OUTPUT_LIKE = re.compile(r"exam[\w.-]*\.json")  # the exam's files, whatever their version
_NBGRADER_STEPS = ("submitted", "autograded")
_SUFFIXES = (".zip", ".ipynb")
_UNSAFE = re.compile(r"[^\w.-]+")  # \w is Unicode-aware: letters and digits of every script stay
#: an id's length in UTF-8 bytes: a folder name may have 255 on every common file system
_ID_BYTES = 120
#: what a class folder's listing holds beside the submissions, left out with a note
_NOT_SUBMISSIONS = {"__MACOSX": "macOS's archive metadata", ".DS_Store": "macOS's folder metadata",
                    "Thumbs.db": "Windows's thumbnails", "desktop.ini": "Windows's folder settings",
                    GRADESCOPE_METADATA: "the Gradescope export's list of submitters"}


class IdentityError(ValueError):
    """A Gradescope export's submission_metadata.yml cannot be read (the message says why)."""


@dataclass(frozen=True)
class Identity:
    """``student``: the id, also the name of the student's folder in the outputs; ``name``: who it
    is, as handed in (Unicode kept); ``submission``: the path graded; ``layout``: ``folder`` (the
    student runs a counterexample next to their engine.py) or ``notebook`` (in a new cell of it)."""

    student: str
    name: str
    submission: str
    layout: str = "folder"


def safe_id(name: str) -> str:
    """``name`` as a folder name: letters and digits of any script, ``.``, ``-`` and ``_`` kept,
    everything else (spaces, slashes, quotes, escaped bytes) turned into ``_``; never empty, never
    hidden, at most 120 bytes in UTF-8 (a folder name may have 255)."""
    cleaned = _UNSAFE.sub("_", unicodedata.normalize("NFC", writable(name))).strip("._")
    while len(cleaned.encode("utf-8")) > _ID_BYTES:
        cleaned = cleaned[:-1]
    return cleaned.rstrip("._") or "student"


def _name_of(text: str) -> str:
    """A name as handed in, writable: a file name that is not UTF-8 shows its bytes (``caf\\xe9``)."""
    return unicodedata.normalize("NFC", writable(text))


def _plain_name(path: Path) -> str:
    name = path.name
    if name == "engine.py":
        name = path.resolve().parent.name
    for suffix in _SUFFIXES:
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    return _name_of(name)


def student_id(path: Path) -> str:
    """The id of one submission on its own: the file or folder name without .zip/.ipynb, made a
    safe folder name (Unicode letters kept)."""
    return safe_id(_plain_name(Path(path)))


def layout(path: Path) -> str:
    """``notebook`` when the submission is a notebook (a .ipynb, or a folder or zip holding a
    notebook and no engine.py), else ``folder``."""
    from autograder.grade._submission import LIMITS, SubmissionError, zip_entries

    path = Path(path)
    if path.suffix.lower() == ".ipynb":
        return "notebook"
    names: List[str] = []
    try:
        if path.is_dir():
            names = _names_below(path, int(LIMITS["walked_entries"]))
        elif path.suffix.lower() == ".zip":
            # read in the grading process: bounded as preparing the submission is, before anything is parsed
            if path.stat().st_size > LIMITS["archive_bytes"] or zip_entries(path) > LIMITS["archive_entries"]:
                return "folder"
            with zipfile.ZipFile(path) as z:
                names = [Path(n).name for n in z.namelist() if "__MACOSX" not in n]
    except (OSError, zipfile.BadZipFile, SubmissionError, ValueError):
        return "folder"
    if "engine.py" not in names and any(n.lower().endswith(".ipynb") for n in names):
        return "notebook"
    return "folder"


def _names_below(directory: Path, limit: int) -> List[str]:
    """The names of the files below ``directory`` (no link followed), at most ``limit`` entries looked at."""
    names: List[str] = []
    seen = 0
    for _folder, dirs, files in os.walk(directory):
        dirs[:] = [d for d in dirs if d not in ("__MACOSX", ".ipynb_checkpoints")]
        seen += len(dirs) + len(files)
        names += files
        if seen > limit:
            break
    return names


def _nbgrader_student(path: Path) -> Optional[str]:
    parts = path.resolve().parts
    for i in range(len(parts) - 2, -1, -1):
        if parts[i] in _NBGRADER_STEPS and i + 1 < len(parts):
            return parts[i + 1]
    return None


def _gradescope_export(path: Path, cache: Dict[Path, Dict[str, str]]) -> Optional[str]:
    """The submitters' names of a folder of a Gradescope export, if ``path`` lies in one."""
    resolved = path.resolve()
    for depth, folder in enumerate(resolved.parents):
        if depth > 3:
            break
        metadata = folder / GRADESCOPE_METADATA
        if metadata.is_file():
            if folder not in cache:
                cache[folder] = _read_gradescope_metadata(metadata)
            top = resolved.relative_to(folder).parts[0]
            return cache[folder].get(top)
    return None


def _read_gradescope_metadata(path: Path) -> Dict[str, str]:
    """``{"submission_NNN": "Name One, Name Two"}`` from a Gradescope export's metadata."""
    try:
        import yaml
    except ImportError:
        raise IdentityError(f"{path} names the students, and reading it needs PyYAML: "
                            "pip install pyyaml (or pip install 'micrograd-kit[grading]')") from None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise IdentityError(f"cannot read {path}: {error}") from None
    if not isinstance(data, dict):
        raise IdentityError(f"{path} is not a Gradescope export's metadata (expected one entry per folder)")
    names: Dict[str, str] = {}
    for folder, entry in data.items():
        submitters = entry.get(":submitters") if isinstance(entry, dict) else None
        if not isinstance(submitters, list):
            continue
        found = [str(s.get(":name") or s.get(":sid") or s.get(":email") or "").strip()
                 for s in submitters if isinstance(s, dict)]
        found = [_name_of(n) for n in found if n]
        if found:
            names[str(folder)] = ", ".join(found)
    return names


def identify(path: Path, _cache: Optional[Dict[Path, Dict[str, str]]] = None) -> Identity:
    """The identity of one submission (nbgrader layout, Gradescope export, or its own name)."""
    path = Path(path)
    name = _gradescope_export(path, {} if _cache is None else _cache) or _nbgrader_student(path) or _plain_name(path)
    return Identity(safe_id(name), name, writable(str(path)), layout(path))


def _is_output_name(student: str) -> bool:
    folded = student.casefold()
    return folded in OUTPUT_NAMES or bool(_OUTPUT_LIKE.fullmatch(folded))


def identify_all(paths: Sequence[Path]) -> Tuple[List[Identity], List[str]]:
    """One identity per path, with distinct ids (without case), none the name of an output, and a
    note for every id changed, naming each submission and the id it is graded as.

    Raises IdentityError when a Gradescope export's metadata cannot be read.
    """
    cache: Dict[Path, Dict[str, str]] = {}
    found = [identify(Path(p), cache) for p in paths]
    notes: List[str] = []
    for i, identity in enumerate(found):
        if _is_output_name(identity.student):
            found[i] = _renamed(identity, f"student-{identity.student}")
            notes.append(f"{identity.submission} would be {identity.student!r}, the name of an output: "
                         f"it is graded as {found[i].student!r}")
    groups: Dict[str, List[int]] = {}
    for i, identity in enumerate(found):
        groups.setdefault(identity.student.casefold(), []).append(i)
    for members in groups.values():
        if len(members) < 2:
            continue
        student = found[members[0]].student
        parents = [safe_id(Path(found[i].submission).resolve().parent.name) for i in members]
        if len({p.casefold() for p in parents}) == len(parents) and not any(p == "student" for p in parents):
            for i, parent in zip(members, parents):
                found[i] = _renamed(found[i], safe_id(f"{parent}-{found[i].student}"))
            shown = ", ".join(f"{found[i].submission} is {found[i].student!r}" for i in members)
            notes.append(f"{len(members)} submissions are named {student!r}; told apart by their folder: {shown}")
    used: Set[str] = set()
    numbered: Dict[int, List[int]] = {}  # the first of an id -> those numbered after it
    for i, identity in enumerate(found):
        if identity.student.casefold() in used:
            later = {f.student.casefold() for f in found[i + 1:]}
            count = 2
            while f"{identity.student}-{count}".casefold() in used | later:
                count += 1
            first = next(j for j, f in enumerate(found[:i]) if f.student.casefold() == identity.student.casefold())
            numbered.setdefault(first, []).append(i)
            found[i] = _renamed(identity, f"{identity.student}-{count}")
        used.add(found[i].student.casefold())
    for first, members in numbered.items():
        shown = ", ".join(f"{found[i].submission} as {found[i].student!r}" for i in members)
        notes.append(f"{len(members) + 1} submissions would be {found[first].student!r}: "
                     f"{found[first].submission} is graded as {found[first].student!r}, {shown}")
    return found, notes


def _renamed(identity: Identity, student: str) -> Identity:
    return Identity(student, identity.name, identity.submission, identity.layout)


def _number(path: Path) -> Tuple[str, int, str]:
    """Sort key: ``submission_9`` before ``submission_10``."""
    match = re.fullmatch(r"(.*?)(\d+)", path.name)
    return (match.group(1), int(match.group(2)), "") if match else (path.name, -1, path.name)


def collect_submissions(paths: Sequence[Path]) -> Tuple[List[Path], List[str]]:
    """The submissions among ``paths``, with a note for everything left out.

    A Gradescope export's folder (it holds ``submission_metadata.yml``) stands for its
    ``submission_NNN`` folders, in their order; the export's other files, its metadata file given on
    its own (as ``export/submission_*`` matches it) and what operating systems leave in a folder
    (``__MACOSX``, ``.DS_Store``, hidden files) are not submissions: left out, with a note.
    """
    found: List[Path] = []
    notes: List[str] = []
    for path in map(Path, paths):
        if path.is_dir() and (path / GRADESCOPE_METADATA).is_file():
            for child in sorted(path.iterdir(), key=_number):
                if child.name.startswith("submission_") and child.name != GRADESCOPE_METADATA and (
                        child.is_dir() or child.suffix.lower() in _SUFFIXES):
                    found.append(child)
                elif child.name != GRADESCOPE_METADATA:
                    notes.append(f"skipped {writable(str(child))}: not a submission of the Gradescope export "
                                 f"(those are its submission_NNN folders)")
            continue
        why = _NOT_SUBMISSIONS.get(path.name)
        if why is None and path.name.startswith(".") and path.name not in (".", ".."):
            why = "a hidden file"
        if why is not None:
            notes.append(f"skipped {writable(str(path))}: not a submission ({why})")
            continue
        found.append(path)
    return found, notes
