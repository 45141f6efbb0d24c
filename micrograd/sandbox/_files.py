"""Copy a submission's Python files into the sandbox: bounded, and never through a link leading out of it.

A submission is the directory holding ``engine.py``: its ``.py`` files, and the packages
(directories with ``__init__.py``) beside them, a few levels deep. Hidden directories,
``__pycache__`` and virtual environments are skipped. A symbolic link is followed only
when it leads to a file inside the submission (a link to the kit's reference, or to
anything else outside, is refused with a message saying so).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import List, Tuple

__all__ = ["MAX_BYTES", "MAX_DEPTH", "MAX_FILES", "SubmissionFilesError", "copy_submission", "remove_files_of",
           "submission_files"]

#: at most this many .py files are copied
MAX_FILES = 200
#: and at most this many bytes in all
MAX_BYTES = 10 * 1024 * 1024
#: packages are followed this many directories deep
MAX_DEPTH = 4
#: directory entries looked at, at most (a huge directory is refused, not listed)
MAX_ENTRIES = 20_000

_SKIP_DIRS = ("__pycache__", "__MACOSX", "node_modules", "site-packages")


class SubmissionFilesError(ValueError):
    """The submission's files cannot be copied (the message says why, naming the file)."""


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root + os.sep)


def submission_files(source: Path) -> List[Tuple[Path, Path]]:
    """(file to read, its path relative to ``source``) for every Python file of the submission."""
    root = os.path.realpath(source)
    found: List[Tuple[Path, Path]] = []
    total = 0
    seen = 0
    pending: List[Tuple[str, int]] = [(str(source), 0)]
    while pending:
        folder, depth = pending.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as error:
            raise SubmissionFilesError(f"cannot read {folder}: {error.strerror}") from None
        seen += len(entries)
        if seen > MAX_ENTRIES:
            raise SubmissionFilesError(f"the submission holds more than {MAX_ENTRIES} files; hand in only your code")
        for entry in entries:
            relative = Path(os.path.relpath(entry.path, source))
            if entry.name.startswith(".") or entry.name in _SKIP_DIRS:
                continue
            if entry.is_dir(follow_symlinks=False):
                is_package = os.path.isfile(os.path.join(entry.path, "__init__.py"))
                is_venv = os.path.isfile(os.path.join(entry.path, "pyvenv.cfg"))
                if is_package and not is_venv and depth + 1 < MAX_DEPTH:
                    pending.append((entry.path, depth + 1))
                continue
            if not entry.name.endswith(".py"):
                continue
            real = os.path.realpath(entry.path)
            if entry.is_symlink() and not _inside(real, root):
                raise SubmissionFilesError(
                    f"{relative} is a symbolic link to {os.readlink(entry.path)}, outside the submission: "
                    "hand in the file itself")
            if not os.path.isfile(real):
                continue
            total += os.path.getsize(real)
            if len(found) >= MAX_FILES or total > MAX_BYTES:
                raise SubmissionFilesError(f"the submission has more than {MAX_FILES} Python files or "
                                           f"{MAX_BYTES // 2**20} MiB of them; hand in only your code")
            found.append((Path(real), relative))
    return sorted(found, key=lambda pair: str(pair[1]))


def copy_submission(source: Path, target: Path) -> List[Path]:
    """Copy the submission's Python files into ``target`` (world-readable); returns their relative paths."""
    files = submission_files(source)
    for real, relative in files:
        out = target / relative
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(real, out)
        os.chmod(out, 0o644)
    for folder, _, _ in os.walk(target):
        os.chmod(folder, 0o755)
    return [relative for _, relative in files]


def remove_files_of(uid: int) -> None:
    """Remove what ``uid`` left in the machine's shared temporary directories (top level, no link followed)."""
    for folder in ("/tmp", "/var/tmp", "/dev/shm"):
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.stat(follow_symlinks=False).st_uid != uid:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
            except OSError:
                continue
