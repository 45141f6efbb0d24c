"""Why a sandboxed child is gone, in words, and whether the submission's own doing explains it.

A child that exits (``sys.exit``, ``os._exit``), faults (SIGSEGV, SIGABRT, ...), or hits one of
its limits (CPU time: SIGXCPU or SIGKILL once its CPU seconds are spent; file size: SIGXFSZ) was
stopped by its own code. A child killed by any other signal (SIGKILL, SIGTERM, SIGHUP, ...) that
it did not send itself (the child says so before it does, see ``micrograd.sandbox._child``) was
killed from outside the submission: the machine ran out of memory, an administrator or another
program killed it. Such a death is not the student's: the evaluator starts the child again and
re-sends what it had in flight, and says ``Interrupted`` if it happens again.
"""

from __future__ import annotations

import signal
from typing import Optional

__all__ = ["OWN_SIGNALS", "exit_reason", "exit_signal", "oom_kills", "outside_reason"]

#: signals that only the child's own code (a fault, a timer it set, a limit it hit) sends it in practice
OWN_SIGNALS = frozenset(
    getattr(signal, name) for name in (
        "SIGSEGV", "SIGBUS", "SIGFPE", "SIGILL", "SIGABRT", "SIGSYS", "SIGTRAP", "SIGXCPU", "SIGXFSZ", "SIGALRM",
        "SIGVTALRM", "SIGPROF", "SIGPIPE",
    ) if hasattr(signal, name)
)


def exit_signal(code: Optional[int], bwrap: bool = False) -> Optional[int]:
    """The signal that killed a child with exit status ``code`` (None if it exited, or still runs)."""
    if code is None:
        return None
    if bwrap and code > 128:  # bubblewrap exits with 128 + N when its command was killed by signal N
        return code - 128
    return -code if code < 0 else None


def _name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def exit_reason(code: Optional[int], bwrap: bool = False) -> str:
    """Why a child with exit status ``code`` (None: still running) is gone, in words."""
    if code is None:
        return "the process stopped answering"
    number = exit_signal(code, bwrap)
    if number is None:
        return f"the process exited with exit code {code}"
    name = _name(number)
    extra = {
        "SIGXCPU": " (CPU time limit)",
        "SIGSEGV": " (segmentation fault)",
        "SIGKILL": " (killed)",
        "SIGXFSZ": " (file size limit)",
    }.get(name, "")
    return f"the process was killed by {name}{extra}"


def oom_kills() -> Optional[int]:
    """How many processes the kernel's out-of-memory killer has killed since boot (None where unknown)."""
    try:
        with open("/proc/vmstat", "rb") as f:
            for line in f:
                if line.startswith(b"oom_kill "):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def outside_reason(code: Optional[int], *, bwrap: bool, started: bool, own_signal: Optional[int],
                   cpu_spent: bool, oom_before: Optional[int]) -> Optional[str]:
    """None if the submission's own doing explains a death with exit status ``code``; else what killed it, as
    far as can be known (the message's "by ..." part).

    ``started``: the child ran the submission's code at all (a bubblewrap that failed before starting it was
    not the submission's doing); ``own_signal``: the signal the child said it was sending itself;
    ``cpu_spent``: the child ran for as long as its CPU time limit, so a SIGKILL may be that limit's;
    ``oom_before``: :func:`oom_kills` when the child was started.
    """
    if not started:
        return "the sandbox itself, which failed to start the child"
    number = exit_signal(code, bwrap)
    if number is None or number in OWN_SIGNALS or number == own_signal:
        return None
    if number == signal.SIGKILL and cpu_spent:
        return None
    now = oom_kills()
    if number == signal.SIGKILL and oom_before is not None and now is not None and now > oom_before:
        return "SIGKILL, most likely from the kernel's out-of-memory killer (the machine ran low on memory)"
    return f"{_name(number)}, sent by another program (its own limits do not explain it)"
