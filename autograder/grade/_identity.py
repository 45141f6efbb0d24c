"""Who handed in a submission: the student's id (a folder name in ``--out``), their name as
given, and how they run a counterexample (next to their engine.py, or in their notebook).

Three layouts are recognized, whatever the path's depth:

- nbgrader: ``.../submitted/STUDENT/ASSIGNMENT/...`` (or ``autograded/``): the student is STUDENT;
- a Gradescope export: a folder ``submission_NNN`` beside the export's ``submission_metadata.yml``:
  the student is the submitters' names from that file;
- anything else: the file or folder name, without ``.zip`` / ``.ipynb``.

Names keep their Unicode; the id only replaces what cannot be in a folder name. Two submissions
that would get the same id are told apart by their parent folder when that differs, else by
``-2``, ``-3``; either way :func:`identify_all` returns a note saying so.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Set, Tuple

__all__ = [
    "GRADESCOPE_METADATA",
    "Identity",
    "IdentityError",
    "identify",
    "identify_all",
    "layout",
    "safe_id",
    "student_id",
]

#: the file a Gradescope "Export Submissions" zip holds beside its submission_NNN folders
GRADESCOPE_METADATA = "submission_metadata.yml"
_NBGRADER_STEPS = ("submitted", "autograded")
_SUFFIXES = (".zip", ".ipynb")
_UNSAFE = re.compile(r"[^\w.-]+")  # \w is Unicode-aware: letters and digits of every script stay


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
    everything else (spaces, slashes, quotes) turned into ``_``; never empty, never hidden."""
    cleaned = _UNSAFE.sub("_", unicodedata.normalize("NFC", name)).strip("._")
    return cleaned[:100] or "student"


def _plain_name(path: Path) -> str:
    name = path.name
    if name == "engine.py":
        name = path.resolve().parent.name
    for suffix in _SUFFIXES:
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    return unicodedata.normalize("NFC", name)


def student_id(path: Path) -> str:
    """The id of one submission on its own: the file or folder name without .zip/.ipynb, made a
    safe folder name (Unicode letters kept)."""
    return safe_id(_plain_name(Path(path)))


def layout(path: Path) -> str:
    """``notebook`` when the submission is a notebook (a .ipynb, or a folder or zip holding a
    notebook and no engine.py), else ``folder``."""
    path = Path(path)
    if path.suffix.lower() == ".ipynb":
        return "notebook"
    names: List[str] = []
    try:
        if path.is_dir():
            names = [p.name for p in path.rglob("*") if "__MACOSX" not in p.parts
                     and ".ipynb_checkpoints" not in p.parts]
        elif path.suffix.lower() == ".zip":
            with zipfile.ZipFile(path) as z:
                names = [Path(n).name for n in z.namelist() if "__MACOSX" not in n]
    except (OSError, zipfile.BadZipFile):
        return "folder"
    if "engine.py" not in names and any(n.lower().endswith(".ipynb") for n in names):
        return "notebook"
    return "folder"


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
        found = [unicodedata.normalize("NFC", n) for n in found if n]
        if found:
            names[str(folder)] = ", ".join(found)
    return names


def identify(path: Path, _cache: Optional[Dict[Path, Dict[str, str]]] = None) -> Identity:
    """The identity of one submission (nbgrader layout, Gradescope export, or its own name)."""
    path = Path(path)
    name = _gradescope_export(path, {} if _cache is None else _cache) or _nbgrader_student(path) or _plain_name(path)
    return Identity(safe_id(name), name, str(path), layout(path))


def identify_all(paths: Sequence[Path]) -> Tuple[List[Identity], List[str]]:
    """One identity per path, with distinct ids, and a note for every collision resolved.

    Raises IdentityError when a Gradescope export's metadata cannot be read.
    """
    cache: Dict[Path, Dict[str, str]] = {}
    found = [identify(Path(p), cache) for p in paths]
    notes: List[str] = []
    groups: Dict[str, List[int]] = {}
    for i, identity in enumerate(found):
        groups.setdefault(identity.student, []).append(i)
    for student, members in groups.items():
        if len(members) < 2:
            continue
        parents = [safe_id(Path(found[i].submission).resolve().parent.name) for i in members]
        if len(set(parents)) == len(parents) and not any(p == "student" for p in parents):
            for i, parent in zip(members, parents):
                found[i] = _renamed(found[i], f"{parent}-{student}")
            shown = ", ".join(f"{found[i].submission} -> {found[i].student}" for i in members)
            notes.append(f"{len(members)} submissions are named {student!r}; told apart by their folder: {shown}")
    used: Set[str] = set()
    for i, identity in enumerate(found):
        if identity.student in used:
            later = {f.student for f in found[i + 1:]}
            count = 2
            while f"{identity.student}-{count}" in used | later:
                count += 1
            first = next(f for f in found[:i] if f.student == identity.student)
            found[i] = _renamed(identity, f"{identity.student}-{count}")
            notes.append(f"{identity.submission} and {first.submission} are both {identity.student!r}: "
                         f"the second is graded as {found[i].student!r}")
        used.add(found[i].student)
    return found, notes


def _renamed(identity: Identity, student: str) -> Identity:
    return Identity(student, identity.name, identity.submission, identity.layout)
