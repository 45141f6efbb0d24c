"""Turn what a student handed in (a directory, a .zip, a .ipynb) into a directory with engine.py and nn.py.

Everything here reads untrusted files in the trusted grading process, so every step is
bounded: files looked at, bytes unzipped, entries of an archive, nesting, notebook size
and wall time. Nothing is run, no symbolic link is followed out of the submission, and an
archive inside an archive is not opened. The result is always a fresh copy holding only
the submission's Python files (engine.py, nn.py and helper modules), made with the
sandbox's own copying rules (:mod:`micrograd.sandbox._files`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import struct
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Dict, List, Optional, Tuple

from autograder.grade._identity import student_id
from micrograd.sandbox._files import SubmissionFilesError, copy_submission

__all__ = ["LIMITS", "Prepared", "SubmissionError", "prepare", "student_id", "zip_entries"]

#: the bounds on reading a submission (see docs/grading.md)
LIMITS = {
    "archive_bytes": 50 * 1024 * 1024,  # a .zip file
    "unzipped_bytes": 20 * 1024 * 1024,  # what it holds, in all
    "archive_entries": 1000,  # files and directories in a .zip
    "directory_bytes": 1024 * 1024,  # a .zip's central directory (its list of entries), read before anything else
    "path_depth": 12,  # directories in a path (in a .zip, or walked in a directory)
    "walked_entries": 10_000,  # files and directories looked at in a submitted directory
    "notebook_bytes": 20 * 1024 * 1024,  # a .ipynb file
    "seconds": 60.0,  # wall time to prepare one submission
}


class SubmissionError(Exception):
    """The submission cannot be graded at all (the message says why); it is graded ``invalid``."""


@dataclass(frozen=True)
class Prepared:
    student: str
    directory: Optional[Path]
    error: str = ""


class _Clock:
    def __init__(self, name: str) -> None:
        self.name = name
        self.deadline = time.monotonic() + LIMITS["seconds"]

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise SubmissionError(f"{self.name}: reading it took longer than {LIMITS['seconds']:g} s; "
                                  "hand in only your code")


_SKIP = ("__MACOSX", "__pycache__", ".ipynb_checkpoints", ".git")


def _walk(directory: Path, clock: _Clock) -> Tuple[List[Path], List[Path], List[Path]]:
    """(engine.py files, notebooks, zip archives) below ``directory``, without following links, bounded."""
    engines: List[Path] = []
    notebooks: List[Path] = []
    archives: List[Path] = []
    seen = 0
    pending = [(directory, 0)]
    while pending:
        folder, depth = pending.pop()
        clock.check()
        try:
            entries = list(os.scandir(folder))
        except OSError as error:
            raise SubmissionError(f"cannot read {folder.name}: {error.strerror}") from None
        seen += len(entries)
        if seen > LIMITS["walked_entries"]:
            raise SubmissionError(f"more than {LIMITS['walked_entries']} files in the submission; "
                                  "hand in only your code")
        for entry in entries:
            if entry.name in _SKIP:
                continue
            path = Path(entry.path)
            if entry.is_dir(follow_symlinks=False):
                if depth + 1 < LIMITS["path_depth"]:
                    pending.append((path, depth + 1))
            elif entry.name == "engine.py":
                engines.append(path)
            elif entry.name.lower().endswith(".ipynb"):
                notebooks.append(path)
            elif entry.name.lower().endswith(".zip") and depth == 0:
                archives.append(path)
    return sorted(engines), sorted(notebooks), sorted(archives)


def _find_root(directory: Path, scratch: Path, clock: _Clock, *, open_archives: bool) -> Path:
    """The directory holding the submission's engine.py (from a notebook or an archive if need be)."""
    if (directory / "engine.py").is_file() or os.path.islink(directory / "engine.py"):
        return directory
    engines, notebooks, archives = _walk(directory, clock)
    if len(engines) == 1:
        return engines[0].parent
    if engines:
        names = ", ".join(str(e.parent.relative_to(directory)) for e in engines)
        raise SubmissionError(f"several engine.py files: {names}; hand in one")
    if len(notebooks) == 1:
        return _from_notebook(notebooks[0], scratch / "notebook", clock)
    if notebooks:
        names = ", ".join(n.name for n in notebooks)
        raise SubmissionError(f"no engine.py and several notebooks ({names}); hand in one")
    if len(archives) == 1:
        if not open_archives:
            raise SubmissionError(f"no engine.py, only an archive inside the archive ({archives[0].name}); "
                                  "archives inside archives are not opened: hand in the files themselves")
        unzipped = _unzip(archives[0], scratch / "unzipped", clock)
        return _find_root(unzipped, scratch / "inner", clock, open_archives=False)
    raise SubmissionError("no engine.py (nor a single notebook) in the submission")


def zip_entries(archive: Path) -> int:
    """The entries of the archive, counted before anything is parsed: the end record's (and the zip64 one's)
    count, then (within the byte limit of the central directory, refused before it is read) the entries the
    central directory really lists, so that ``zipfile`` never lists more than the limit."""
    name = archive.name
    with archive.open("rb") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(max(0, size - 65536 - 22))
        tail = f.read()
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) < at + 22:
            raise SubmissionError(f"{name} is not a valid zip file (no end record)")
        entries, directory, offset = struct.unpack("<HII", tail[at + 10 : at + 20])
        locator = at - 20
        if locator >= 0 and tail[locator : locator + 4] == b"PK\x06\x07":  # zip64
            (record_at,) = struct.unpack("<Q", tail[locator + 8 : locator + 16])
            f.seek(record_at)
            record = f.read(56)
            if record[:4] == b"PK\x06\x06" and len(record) == 56:
                entries, directory, offset = struct.unpack("<QQQ", record[32:56])
        if entries > LIMITS["archive_entries"]:
            raise SubmissionError(f"{name} holds {entries} files (at most {LIMITS['archive_entries']}); "
                                  "hand in only your code")
        if directory > LIMITS["directory_bytes"]:
            raise SubmissionError(f"{name}: its list of files takes {directory} bytes (at most "
                                  f"{LIMITS['directory_bytes']}); hand in only your code")
        if offset + directory > size:
            raise SubmissionError(f"{name} is not a valid zip file (its list of files is cut off)")
        f.seek(offset)
        listed = f.read(directory).count(b"PK\x01\x02")  # every entry's record starts so: at least this many
    if listed > LIMITS["archive_entries"]:
        raise SubmissionError(f"{name} holds {listed} files (at most {LIMITS['archive_entries']}), not the "
                              f"{entries} its end record says; hand in only your code")
    return max(int(entries), listed)


def _unzip(archive: Path, target: Path, clock: _Clock) -> Path:
    name = archive.name
    if archive.stat().st_size > LIMITS["archive_bytes"]:
        raise SubmissionError(f"{name} is larger than {LIMITS['archive_bytes'] // 2**20} MiB; hand in only your code")
    zip_entries(archive)
    target.mkdir(parents=True)
    total = 0
    try:
        with zipfile.ZipFile(archive) as z:
            infos = z.infolist()
            if len(infos) > LIMITS["archive_entries"]:
                raise SubmissionError(f"{name} holds {len(infos)} files (at most {LIMITS['archive_entries']})")
            for info in infos:
                clock.check()
                path = PurePosixPath(info.filename.replace("\\", "/"))
                if path.is_absolute() or ".." in path.parts or ":" in info.filename:
                    raise SubmissionError(f"{name}: unsafe path {info.filename!r} in the zip")
                if len(path.parts) > LIMITS["path_depth"]:
                    raise SubmissionError(f"{name}: {info.filename!r} is nested more than "
                                          f"{LIMITS['path_depth']} directories deep")
                mode = info.external_attr >> 16
                if stat.S_ISLNK(mode) or not path.parts:
                    continue  # a link is never created (nor followed)
                out = target.joinpath(*path.parts)
                if info.is_dir():
                    out.mkdir(parents=True, exist_ok=True)
                    continue
                out.parent.mkdir(parents=True, exist_ok=True)
                with z.open(info) as source, out.open("wb") as sink:
                    while True:
                        chunk = source.read(65536)
                        if not chunk:
                            break
                        total += len(chunk)
                        if total > LIMITS["unzipped_bytes"]:
                            raise SubmissionError(f"{name}: more than {LIMITS['unzipped_bytes'] // 2**20} MiB "
                                                  "once unzipped")
                        sink.write(chunk)
                        clock.check()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError,
            RuntimeError) as error:
        raise SubmissionError(f"{name} is not a valid zip file: {error}") from None
    return target


# notebooks

_MAGIC = re.compile(r"^\s*[%!]")
_WRITEFILE = re.compile(r"\A%%writefile(?P<append>[ \t]+-a)?[ \t]+(?P<name>\S+)[ \t]*(?:\n|\Z)")
_MODULE_NAME = re.compile(r"^[A-Za-z_]\w*\.py$")


def _cells(notebook: Path, clock: Optional[_Clock] = None) -> List[Tuple[str, str]]:
    """(cell type, source) of every cell of a notebook, read as plain JSON (nbformat 4, or 3); the time limit is
    checked between cells."""
    name = notebook.name
    if notebook.stat().st_size > LIMITS["notebook_bytes"]:
        raise SubmissionError(f"{name} is larger than {LIMITS['notebook_bytes'] // 2**20} MiB; "
                              "clear its outputs and hand it in again")
    try:
        data = json.loads(notebook.read_bytes().decode("utf-8"))
    except (ValueError, RecursionError) as error:
        raise SubmissionError(f"{name} is not a valid notebook: {str(error)[:200]}") from None
    if not isinstance(data, dict):
        raise SubmissionError(f"{name} is not a valid notebook: it is not a JSON object")
    raw = data.get("cells")
    if raw is None and isinstance(data.get("worksheets"), list):  # nbformat 3
        raw = [c for w in data["worksheets"] if isinstance(w, dict) for c in (w.get("cells") or [])]
    if not isinstance(raw, list):
        raise SubmissionError(f"{name} is not a valid notebook: it has no list of cells")
    cells = []
    for number, cell in enumerate(raw, 1):
        if clock is not None and number % _EVERY == 0:
            clock.check()
        if not isinstance(cell, dict):
            raise SubmissionError(f"{name} is not a valid notebook: a cell is not a JSON object")
        source = cell.get("source", cell.get("input", ""))
        if isinstance(source, list) and all(isinstance(s, str) for s in source):
            source = "".join(source)
        if not isinstance(source, str):
            raise SubmissionError(f"{name} is not a valid notebook: a cell's source is not text")
        cells.append((str(cell.get("cell_type", "")), source))
    return cells


def _size(limit: float) -> str:
    return f"{int(limit) // 2**20} MiB" if limit % 2**20 == 0 else f"{int(limit)} bytes"


#: the clock is looked at every this many cells
_EVERY = 256


class _Files:
    """The files a notebook writes, as lists of the pieces appended to each (joined once, at the end: appending
    to a string cell after cell would copy it every time), their bytes bounded as they grow."""

    def __init__(self, notebook: str) -> None:
        self.notebook = notebook
        self.pieces: Dict[str, List[str]] = {}
        self.sizes: Dict[str, int] = {}

    def write(self, name: str, body: str, append: bool, cell: int) -> None:
        if not append:
            self.pieces[name], self.sizes[name] = [], 0
        self.pieces.setdefault(name, []).append(body)
        self.sizes[name] = self.sizes.get(name, 0) + len(body)
        if sum(self.sizes.values()) > LIMITS["unzipped_bytes"]:
            raise SubmissionError(f"{self.notebook}: its %%writefile cells write more than "
                                  f"{_size(LIMITS['unzipped_bytes'])} of code (at cell {cell}); hand in only your code")

    def joined(self) -> Dict[str, str]:
        return {name: "".join(pieces) for name, pieces in self.pieces.items()}


def notebook_files(notebook: Path, clock: Optional[_Clock] = None) -> Dict[str, str]:
    """The files a notebook's ``%%writefile NAME.py`` cells write, as running it top to bottom would
    (a later cell wins, ``-a`` appends); empty if it writes no engine.py. Bounded in bytes (all files
    together at most ``LIMITS["unzipped_bytes"]``) and, with ``clock``, in time, checked as it goes."""
    files = _Files(notebook.name)
    for number, (kind, source) in enumerate(_cells(notebook, clock), 1):
        if clock is not None and number % _EVERY == 0:
            clock.check()
        match = _WRITEFILE.match(source) if kind == "code" else None
        if not match or not _MODULE_NAME.match(match.group("name")):
            continue
        body = source[match.end():]
        body = body if body.endswith("\n") else body + "\n"
        files.write(match.group("name"), body, bool(match.group("append")), number)
    if "engine.py" not in files.pieces:
        return {}
    if "nn.py" not in files.pieces:
        raise SubmissionError(f"{notebook.name} has no `%%writefile nn.py` cell: "
                              "is it the course notebook (micrograd.ipynb)?")
    return files.joined()


def _from_notebook(notebook: Path, target: Path, clock: _Clock) -> Path:
    """engine.py and nn.py for ``notebook``: the course notebook's ``%%writefile`` cells when it has
    them (read, never run), else all its code cells joined into engine.py."""
    files = notebook_files(notebook, clock)
    clock.check()
    target.mkdir(parents=True, exist_ok=True)
    if files:
        for name, code in files.items():
            (target / name).write_text(code, encoding="utf-8", errors="backslashreplace")  # a lone surrogate
        return target
    joined: List[str] = []
    size = 0
    for number, (kind, source) in enumerate(_cells(notebook, clock), 1):
        if number % _EVERY == 0:
            clock.check()
        if kind != "code":
            continue
        lines = [("pass  # " + line.strip()) if _MAGIC.match(line) else line for line in source.splitlines()]
        joined.append("\n".join(lines))
        size += len(joined[-1])
        if size > LIMITS["unzipped_bytes"]:
            raise SubmissionError(f"{notebook.name}: its code cells hold more than "
                                  f"{_size(LIMITS['unzipped_bytes'])} of code (at cell {number}); "
                                  "hand in only your code")
    header = f"# all code cells of {notebook.name}, in order\n"
    (target / "engine.py").write_text(header + "\n\n".join(joined) + "\n", encoding="utf-8", errors="backslashreplace")
    (target / "nn.py").write_text("from .engine import *  # noqa: F403 (the notebook defines everything)\n",
                                  encoding="utf-8")
    return target


def prepare(path: Path, scratch: Path) -> Prepared:
    """A directory to grade for ``path``: a fresh copy, in ``scratch`` (an empty directory this may fill),
    of the submission's Python files."""
    student = student_id(path)
    clock = _Clock(path.name)
    try:
        if path.is_dir():
            root = _find_root(path, scratch, clock, open_archives=True)
        elif not path.exists():
            raise SubmissionError(f"{path} does not exist")
        elif path.suffix.lower() == ".zip":
            root = _find_root(_unzip(path, scratch / "unzipped", clock), scratch, clock, open_archives=False)
        elif path.suffix.lower() == ".ipynb":
            root = _from_notebook(path, scratch / "notebook", clock)
        elif path.name == "engine.py":
            student = student_id(path.parent)
            root = scratch / "single"
            root.mkdir()
            shutil.copyfile(path, root / "engine.py")
        else:
            raise SubmissionError(f"{path.name}: expected a directory, a .zip or a .ipynb")
        target = scratch / "submission"
        copy_submission(root, target)
        clock.check()
        return Prepared(student, target)
    except (SubmissionError, SubmissionFilesError) as error:
        return Prepared(student, None, str(error))
