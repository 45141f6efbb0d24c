"""Finding and killing every process a sandboxed child left behind (Linux /proc; best effort elsewhere).

Besides a cgroup of its own (:mod:`micrograd.sandbox._cgroups`, where the machine offers one), three
ways, one per layer: a process tree with its group and session (``none``), every process of a PID
namespace (``bwrap``: :class:`PidNamespace` holds the namespace open, so its inode number cannot be
handed to another sandbox's namespace while it is swept), every process of a sandbox uid (``uid``,
and ``bwrap`` started by root: the uid stays reserved until the sweep is done). Nothing is ever found
by a number the kernel may have recycled. :func:`wait_gone` is how the grader knows that nothing of
a submission still runs before it writes that submission's results.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import time
from typing import Callable, Dict, List, Optional, Set, Tuple

__all__ = [
    "become_subreaper",
    "children_of",
    "forget_child",
    "in_namespace",
    "kill_tree",
    "kill_uid",
    "namespace_of",
    "PidNamespace",
    "of_uid",
    "alive",
    "reap_orphans",
    "remove_ipc_of",
    "register_child",
    "wait_gone",
]

_PR_SET_CHILD_SUBREAPER = 36
_subreaper = False


def become_subreaper() -> bool:
    """Make this process adopt orphaned descendants (so a double-forked process cannot escape).

    Only grading processes call this; returns False where unsupported.
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


def _pids() -> List[int]:
    try:
        return [int(name) for name in os.listdir("/proc") if name.isdigit()]
    except OSError:
        return []


def _table() -> Dict[int, Tuple[int, int, int]]:
    """pid -> (ppid, pgid, sid) of every live process, from /proc/PID/stat."""
    table: Dict[int, Tuple[int, int, int]] = {}
    for pid in _pids():
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                stat = f.read().decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) < 4 or fields[0] in ("Z", "X"):
            continue
        table[pid] = (int(fields[1]), int(fields[2]), int(fields[3]))
    return table


def children_of(pid: int) -> List[int]:
    """The live children of ``pid``."""
    return sorted(p for p, (ppid, _, _) in _table().items() if ppid == pid)


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


def namespace_of(pid: int) -> Optional[int]:
    """The inode of ``pid``'s PID namespace (None if it cannot be read)."""
    try:
        return os.stat(f"/proc/{pid}/ns/pid").st_ino
    except OSError:
        return None


def in_namespace(namespace: int) -> List[int]:
    """Live processes of the PID namespace with inode number ``namespace`` (as far as this process may look).

    Only for a namespace held open (:class:`PidNamespace`): the kernel hands the number of a namespace that is
    gone to the next one made, which is then another sandbox's."""
    found = []
    for pid in _pids():
        if namespace_of(pid) == namespace and _alive(pid):
            found.append(pid)
    return found


class PidNamespace:
    """The PID namespace of the process ``pid`` (whose pidfd is ``pidfd``), held open until :meth:`close`: while
    it is held, its inode number is its own, so :meth:`members` finds its processes and nobody else's.

    Raises OSError if the process is gone (its PID may then be another process's)."""

    def __init__(self, pid: int, pidfd: int) -> None:
        self.fd = os.open(f"/proc/{pid}/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
        try:
            signal.pidfd_send_signal(pidfd, 0)  # still the same process: the file opened was its namespace
            info = os.fstat(self.fd)
        except OSError:
            os.close(self.fd)
            raise
        self.key = (info.st_dev, info.st_ino)

    @property
    def inode(self) -> int:
        return self.key[1]

    def members(self) -> List[int]:
        """Its live processes."""
        if self.fd < 0:
            raise ValueError("the namespace is no longer held")
        found = []
        for pid in _pids():
            try:
                info = os.stat(f"/proc/{pid}/ns/pid")
            except OSError:
                continue
            if (info.st_dev, info.st_ino) == self.key and _alive(pid):
                found.append(pid)
        return found

    def close(self) -> None:
        fd, self.fd = self.fd, -1
        if fd >= 0:
            os.close(fd)


def _uids(pid: int) -> Tuple[int, ...]:
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"Uid:"):
                    return tuple(int(x) for x in line.split()[1:4])
    except (OSError, ValueError):
        pass
    return ()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return False
    fields = stat[stat.rfind(b")") + 2 :].split()
    return bool(fields) and fields[0] not in (b"Z", b"X")


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie does not)."""
    return _alive(pid)


def of_uid(uid: int) -> List[int]:
    """Live processes whose real, effective or saved uid is ``uid``."""
    return [pid for pid in _pids() if uid in _uids(pid) and _alive(pid)]


def kill_uid(uid: int) -> None:
    """SIGKILL every process of ``uid`` (root only), round after round, until a scan finds none."""
    for _ in range(100):
        victims = of_uid(uid)
        if not victims:
            return
        for pid in victims:
            _kill(pid)
        reap_orphans()


def wait_gone(find: Callable[[], List[int]], timeout: float = 10.0) -> List[int]:
    """Wait until ``find()`` is empty (killing what it finds); returns what is still there after ``timeout``."""
    deadline = time.monotonic() + timeout
    left = find()
    while left and time.monotonic() < deadline:
        for pid in left:
            _kill(pid)
        reap_orphans()
        time.sleep(0.01)
        left = find()
    return left


def reap_orphans() -> None:
    """In a subreaper, kill and reap adopted orphans (processes whose parent died)."""
    if not _subreaper:
        return
    me = os.getpid()
    for _ in range(5):
        orphans = [pid for pid, (ppid, _, _) in _table().items() if ppid == me and _adopted(pid)]
        zombies = _adopted_zombies(me)
        if not orphans and not zombies:
            break
        for pid in orphans:
            _kill(pid)
        for pid in orphans + zombies:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass


def _adopted_zombies(me: int) -> List[int]:
    found = []
    for pid in _pids():
        if pid in _own_children:
            continue
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2 :].split()
        if len(fields) > 1 and fields[0] == b"Z" and int(fields[1]) == me:
            found.append(pid)
    return found


_own_children: Set[int] = set()


def _adopted(pid: int) -> bool:
    """True for a child of this process that it did not start itself (an adopted orphan)."""
    return pid not in _own_children


def register_child(pid: int) -> None:
    _own_children.add(pid)


def forget_child(pid: int) -> None:
    _own_children.discard(pid)


#: /proc/sysvipc file -> the libc call that removes one of its objects (IPC_RMID is 0)
_IPC = {"shm": "shmctl", "msg": "msgctl", "sem": "semctl"}


def remove_ipc_of(uid: int) -> List[str]:
    """Remove every SysV IPC object (shared memory, message queue, semaphore set) that ``uid`` owns or created,
    in this process's IPC namespace; returns what was removed ("shm 1234", ...). Only root may."""
    removed: List[str] = []
    libc = None
    for kind, call in _IPC.items():
        try:
            with open(f"/proc/sysvipc/{kind}", encoding="ascii", errors="replace") as f:
                header, *rows = f.read().splitlines()
        except (OSError, ValueError):
            continue
        names = header.split()
        if "uid" not in names or "cuid" not in names:
            continue
        for row in rows:
            fields = row.split()
            try:
                ident = int(fields[1])
                owners = {int(fields[names.index("uid")]), int(fields[names.index("cuid")])}
            except (ValueError, IndexError):
                continue
            if uid not in owners:
                continue
            if libc is None:
                libc = ctypes.CDLL(None, use_errno=True)
            function = getattr(libc, call)
            done = function(ident, 0, 0) if kind == "sem" else function(ident, 0, None)
            if done == 0:
                removed.append(f"{kind} {ident}")
    return removed
