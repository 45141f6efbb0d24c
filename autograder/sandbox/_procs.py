"""Finding and killing every process a sandboxed child left behind (Linux /proc; best effort elsewhere)."""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from typing import Dict, Set, Tuple

__all__ = ["become_subreaper", "kill_tree", "reap_orphans"]

_PR_SET_CHILD_SUBREAPER = 36
_subreaper = False


def become_subreaper() -> bool:
    """Make this process adopt orphaned descendants (so a double-forked process cannot escape).

    Only grading worker processes call this; returns False where unsupported.
    """
    global _subreaper
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        _subreaper = libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        _subreaper = False
    return _subreaper


def _table() -> Dict[int, Tuple[int, int, int]]:
    """pid -> (ppid, pgid, sid) of every process, from /proc/PID/stat."""
    table: Dict[int, Tuple[int, int, int]] = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return table
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read().decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) < 4 or fields[0] == "Z":
            continue
        table[int(name)] = (int(fields[1]), int(fields[2]), int(fields[3]))
    return table


def _descendants(root: int, table: Dict[int, Tuple[int, int, int]]) -> Set[int]:
    found = {pid for pid, (_, pgid, sid) in table.items() if pgid == root or sid == root}
    found.add(root)
    changed = True
    while changed:
        changed = False
        for pid, (ppid, _, _) in table.items():
            if ppid in found and pid not in found:
                found.add(pid)
                changed = True
    return found


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def kill_tree(root: int) -> None:
    """SIGKILL ``root``'s process group and session, and all its descendants, until none is left."""
    try:
        os.killpg(root, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    for _ in range(5):
        table = _table()
        victims = _descendants(root, table) & set(table)
        victims.discard(os.getpid())
        if not victims:
            break
        for pid in victims:
            _kill(pid)
    reap_orphans()


def reap_orphans() -> None:
    """In a subreaper, kill and reap adopted orphans (processes whose parent died)."""
    if not _subreaper:
        return
    me = os.getpid()
    for _ in range(5):
        orphans = [pid for pid, (ppid, _, _) in _table().items() if ppid == me and _adopted(pid)]
        if not orphans:
            break
        for pid in orphans:
            _kill(pid)
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass


_own_children: Set[int] = set()


def _adopted(pid: int) -> bool:
    """True for a child of this process that it did not start itself (an adopted orphan)."""
    return pid not in _own_children


def register_child(pid: int) -> None:
    _own_children.add(pid)


def forget_child(pid: int) -> None:
    _own_children.discard(pid)
