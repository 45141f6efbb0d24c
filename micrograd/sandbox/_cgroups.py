"""A cgroup (v2) of its own for each sandbox, where this process may make one.

Every process of a sandbox is in its cgroup (the child joins it before it runs anything, and
whatever it starts is born there), so stopping a sandbox is one write to ``cgroup.kill``, and it
is gone when ``cgroup.events`` says ``populated 0``: nothing is found by a number the kernel
could have handed to another sandbox meanwhile (a PID, a namespace's inode number). Cgroups are
made below this process's own cgroup (so a benchmark's accounting of its own cgroup includes
them), on the machine's cgroup2 mount (``/sys/fs/cgroup`` or, on a hybrid system,
``/sys/fs/cgroup/unified``), and removed once empty. ``cgroup.kill`` needs Linux 5.14; making a
cgroup needs root (or a cgroup delegated to this user). ``MICROGRAD_SANDBOX_CGROUP=off`` turns
them off (the sandbox then falls back to its other ways, see :mod:`micrograd.sandbox._procs`).
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

__all__ = ["Cgroup", "cgroup_parent"]

_PREFIX = "micrograd-sandbox-"
_found: Dict[int, Tuple[Optional[Path], str]] = {}


def _mount() -> Optional[Path]:
    """Where the cgroup2 file system is mounted (None if it is not)."""
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                fields = line.split()
                if " - " in line and line.split(" - ", 1)[1].split()[0] == "cgroup2":
                    return Path(fields[4].replace("\\040", " "))
    except OSError:
        return None
    return None


def _own() -> Optional[str]:
    """This process's cgroup in the cgroup2 hierarchy (from ``/proc/self/cgroup``, line ``0::PATH``)."""
    try:
        with open("/proc/self/cgroup", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("0::"):
                    return line[3:].strip()
    except OSError:
        return None
    return None


def _remove_stale(parent: Path) -> None:
    """Remove the empty cgroups that graders which are gone left here (a grader killed before it cleaned up)."""
    with contextlib.suppress(OSError):
        for entry in os.scandir(parent):
            name = entry.name
            if not name.startswith(_PREFIX):
                continue
            pid = name[len(_PREFIX):].split("-")[0]
            if pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
                with contextlib.suppress(OSError):
                    os.rmdir(entry.path)


def _probe() -> Tuple[Optional[Path], str]:
    if os.environ.get("MICROGRAD_SANDBOX_CGROUP", "").lower() in ("0", "off", "no", "false"):
        return None, "turned off (MICROGRAD_SANDBOX_CGROUP=off)"
    mount, own = _mount(), _own()
    if mount is None or own is None:
        return None, "no cgroup2 file system is mounted"
    parent = mount / own.lstrip("/")
    test = parent / f"{_PREFIX}{os.getpid()}-probe-{os.urandom(4).hex()}"
    try:
        test.mkdir()
    except OSError as error:
        return None, f"cannot make a cgroup in {parent} ({error.strerror})"
    try:
        if not (test / "cgroup.kill").exists():
            return None, "the kernel has no cgroup.kill (Linux 5.14 or newer is needed)"
        fd = os.open(test / "cgroup.procs", os.O_WRONLY | os.O_CLOEXEC)
        os.close(fd)
    except OSError as error:
        return None, f"cannot move processes into a cgroup in {parent} ({error.strerror})"
    finally:
        with contextlib.suppress(OSError):
            test.rmdir()
    _remove_stale(parent)
    return parent, ""


def cgroup_parent() -> Tuple[Optional[Path], str]:
    """(where this process makes its sandboxes' cgroups, "") or (None, why it cannot); found once per process."""
    pid = os.getpid()
    if pid not in _found:
        _found[pid] = _probe()
    return _found[pid]


class Cgroup:
    """One sandbox's cgroup: made empty; ``procs_fd`` is an open ``cgroup.procs`` that a process joins by writing
    ``0`` to it (a child passed it joins without needing any right of its own)."""

    def __init__(self, parent: Path) -> None:
        self.path = parent / f"{_PREFIX}{os.getpid()}-{os.urandom(6).hex()}"
        self.path.mkdir()
        try:
            self.procs_fd = os.open(self.path / "cgroup.procs", os.O_WRONLY | os.O_CLOEXEC)
        except OSError:
            with contextlib.suppress(OSError):
                self.path.rmdir()
            raise

    def pids(self) -> List[int]:
        """The processes in it now (host PIDs)."""
        try:
            return [int(x) for x in (self.path / "cgroup.procs").read_text().split()]
        except (OSError, ValueError):
            return []

    def populated(self) -> bool:
        try:
            text = (self.path / "cgroup.events").read_text()
        except FileNotFoundError:
            return False
        except OSError:
            return bool(self.pids())
        return "populated 1" in text

    def kill(self) -> None:
        """SIGKILL every process in it (the kernel sees to those being born meanwhile)."""
        with contextlib.suppress(OSError):
            (self.path / "cgroup.kill").write_text("1")

    def wait_empty(self, timeout: float) -> List[int]:
        """Kill until nothing is left in it; returns the PIDs still there after ``timeout`` seconds (none, normally)."""
        deadline = time.monotonic() + timeout
        pause = 0.0005
        while self.populated():
            if time.monotonic() > deadline:
                return self.pids()
            self.kill()
            time.sleep(pause)
            pause = min(pause * 2, 0.02)
        return []

    def remove(self) -> bool:
        """Close it and remove it (only when empty); True if it is gone."""
        fd, self.procs_fd = self.procs_fd, -1
        if fd >= 0:
            os.close(fd)
        try:
            self.path.rmdir()
        except FileNotFoundError:
            return True
        except OSError:
            return False
        return True
