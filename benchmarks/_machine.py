"""What a benchmark prints beside its numbers so that they can be compared: U, the CPU model, the load.

U is the CPU seconds that a fresh Python takes for ``s = 0; for i in range(10**7): s += i*i``: machines of
one kind differ in speed, and a figure without its U cannot be compared with another machine's.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

__all__ = ["cpu_model", "machine_line", "unit_seconds"]

_UNIT = ("import time\nt = time.process_time()\ns = 0\nfor i in range(10**7):\n    s += i*i\n"
         "print(time.process_time() - t)")


def unit_seconds(python: str = sys.executable) -> float:
    """U: the CPU seconds of the loop in a fresh Python."""
    return float(subprocess.run([python, "-c", _UNIT], capture_output=True, text=True, check=True).stdout)


def cpu_model() -> str:
    """The CPU's model name (/proc/cpuinfo), else what platform says."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_line(python: str = sys.executable) -> str:
    """One line: CPU model and count, load average, U, and the Python."""
    load = os.getloadavg()
    return (f"{cpu_model()}, {os.cpu_count()} CPUs; load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
            f"U = {unit_seconds(python):.2f} s; Python {platform.python_version()}")
