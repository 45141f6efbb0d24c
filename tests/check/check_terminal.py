"""Run a command on a terminal of a given width, as a student does (a pseudo-terminal; Linux and macOS)."""

from __future__ import annotations

import os
import select
import subprocess
import tempfile
import time
from pathlib import Path
from typing import List, Sequence, Tuple

__all__ = ["run_in_terminal"]


def run_in_terminal(argv: Sequence[str], *, columns: int, cwd: Path, timeout: float = 600) -> Tuple[int, str, str]:
    """Run ``argv`` with its stdin and stdout on a terminal ``columns`` wide (a pseudo-terminal, as a
    student's): (exit status, everything written to the terminal, stderr). Linux and macOS only."""
    import fcntl
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR")}
    env["TERM"] = "xterm-256color"
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(list(argv), stdin=slave, stdout=slave, stderr=stderr, cwd=cwd, env=env)
        os.close(slave)
        chunks: List[bytes] = []
        deadline = time.monotonic() + timeout
        try:
            while True:
                if time.monotonic() > deadline:
                    process.kill()
                    break
                exited = process.poll() is not None  # then read what is left, without waiting
                ready, _, _ = select.select([master], [], [], 0.05 if exited else 0.5)
                if not ready:
                    if exited:
                        break
                    continue
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the terminal's other side is closed
                    break
                if not chunk:
                    break
                chunks.append(chunk)
            status = process.wait(timeout=60)
        finally:
            os.close(master)
        stderr.seek(0)
        err = stderr.read().decode(errors="replace")
    return status, b"".join(chunks).decode(errors="replace"), err
