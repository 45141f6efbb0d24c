"""Sandbox user ids: a dedicated unprivileged uid (and gid) for each sandbox a root grader runs at once.

Each id is reserved with an exclusive ``flock`` on a file in a root-only directory, so two
sandboxes (in one grading process, in two workers, or in two graders on one machine) never
share an id: a submission cannot signal, trace or read the processes and files of another.
The ids are ``FIRST`` to ``FIRST + COUNT - 1`` (``MICROGRAD_SANDBOX_UIDS=FIRST-LAST`` sets
another range); an id some process still runs as is skipped.
"""

from __future__ import annotations

import fcntl
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Tuple

from micrograd.sandbox._procs import of_uid

__all__ = ["SandboxIds", "id_range", "reserve_ids"]

#: the default range of sandbox uids (far from system and login accounts)
FIRST = 3_000_000
COUNT = 1000


class IdError(Exception):
    """No sandbox uid can be reserved."""


def id_range() -> Tuple[int, int]:
    """(first, last) sandbox uid."""
    text = os.environ.get("MICROGRAD_SANDBOX_UIDS", "")
    if text:
        try:
            first, last = (int(x) for x in text.split("-"))
        except ValueError:
            raise IdError(f"MICROGRAD_SANDBOX_UIDS={text!r}: expected FIRST-LAST, e.g. 3000000-3000999") from None
        if not 0 < first <= last:
            raise IdError(f"MICROGRAD_SANDBOX_UIDS={text!r}: expected 0 < FIRST <= LAST")
        return first, last
    return FIRST, FIRST + COUNT - 1


def _lock_dir() -> Path:
    base = Path("/run") if os.access("/run", os.W_OK) else Path(tempfile.gettempdir())
    folder = base / "micrograd-sandbox-ids"
    try:
        folder.mkdir(mode=0o700)
    except FileExistsError:
        pass
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o077:
        raise IdError(f"{folder} must be a directory owned by uid {os.geteuid()} with mode 0700; remove it")
    return folder


@dataclass
class SandboxIds:
    """A reserved uid and gid; :meth:`release` (or process exit) frees them."""

    uid: int
    gid: int
    _fd: Optional[int] = None

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)


def reserve_ids() -> SandboxIds:
    """Reserve a free sandbox uid (the grader must be root)."""
    if os.geteuid() != 0:
        raise IdError("only root can run a submission as another user")
    first, last = id_range()
    folder = _lock_dir()
    for uid in range(first, last + 1):
        fd = os.open(folder / f"{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        if of_uid(uid):  # left over by someone else: not ours to use (or to kill)
            os.close(fd)
            continue
        return SandboxIds(uid, uid, fd)
    raise IdError(f"every sandbox uid from {first} to {last} is in use")
