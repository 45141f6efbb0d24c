"""Resource limits for one submission's sandboxed process."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any, Dict

__all__ = ["Limits"]


@dataclass(frozen=True)
class Limits:
    """What a submission may use.

    ``timeout``: wall seconds for one request (one graph, one module check);
    ``budget``: wall seconds for the whole submission (all requests and restarts);
    ``memory_mb``: address space of the child (RLIMIT_AS);
    ``max_processes``: RLIMIT_NPROC in the child (0: it may start no process or thread;
    the kernel does not enforce it for root, so it holds only where the child runs as a
    sandbox uid: the ``bwrap`` layer started by root and the ``uid`` layer);
    ``file_size_mb``: largest file the child may write (RLIMIT_FSIZE);
    ``disk_mb``: size of each private writable directory of the ``bwrap`` layer (the
    working directory, ``/tmp`` and ``/dev/shm`` are memory file systems of this size);
    ``inodes``: files and directories each of those memory file systems may hold (their kernel memory is
    not counted in ``disk_mb``; needs a ``bwrap`` started by root, see docs/grading.md);
    ``open_files``: RLIMIT_NOFILE in the child;
    ``startup``: extra wall seconds allowed for starting Python and importing the submission.
    """

    timeout: float = 5.0
    budget: float = 120.0
    memory_mb: int = 1024
    max_processes: int = 0
    file_size_mb: int = 1
    startup: float = 10.0
    disk_mb: int = 16
    open_files: int = 64
    inodes: int = 4096

    def __post_init__(self) -> None:
        for name in ("timeout", "budget", "startup"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and value > 0):
                raise ValueError(f"Limits.{name} must be a positive number of seconds, got {value!r}")
        if not (isinstance(self.memory_mb, int) and self.memory_mb >= 64):
            raise ValueError(f"Limits.memory_mb must be an int of at least 64 (MiB), got {self.memory_mb!r}")
        if not (isinstance(self.max_processes, int) and self.max_processes >= 0):
            raise ValueError(f"Limits.max_processes must be an int >= 0, got {self.max_processes!r}")
        if not (isinstance(self.file_size_mb, int) and self.file_size_mb >= 0):
            raise ValueError(f"Limits.file_size_mb must be an int >= 0, got {self.file_size_mb!r}")
        if not (isinstance(self.disk_mb, int) and self.disk_mb >= 1):
            raise ValueError(f"Limits.disk_mb must be an int >= 1 (MiB), got {self.disk_mb!r}")
        if not (isinstance(self.inodes, int) and self.inodes >= 16):
            raise ValueError(f"Limits.inodes must be an int >= 16, got {self.inodes!r}")
        if not (isinstance(self.open_files, int) and self.open_files >= 16):
            raise ValueError(f"Limits.open_files must be an int >= 16, got {self.open_files!r}")

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> Limits:
        return cls(**data)
