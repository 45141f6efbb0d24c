"""Benchmark: how long ``micrograd check`` takes on exercises/ and on the reference.

Run: ``python tests/check/bench_check.py [REPEATS]``. Each run is a fresh process
(``python -m micrograd check PATH --json``), so imports (torch) are included. CPU
is the child's user+system time, which a busy machine does not inflate as it does
wall time.

Goals (issue 3 / brief): exercises/ under ~10 s, a correct implementation under ~60 s.

Results, 2026-11-22, 2-core machine at load average 8 (other jobs; wall time inflated
about 3x), torch oracle, profile ci, the real spec's 35 properties:

    exercises/  wall 10.9-18.0 s  CPU 3.9-4.6 s    (19 not started, exit 1)
    reference/  wall 49-73 s      CPU 17.5-18.2 s  (19/19 pass, exit 0)

and at load average 5: exercises/ wall 7.1 s (CPU 3.5 s), reference/ wall 25.5 s (CPU 14.1 s).

Without the check's tweak of dropping Hypothesis's explain phase, one failing property
took 2.8 s more (374 extra runs) on a stub; with it, about 0.1-0.5 s.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time

from micrograd.impl import exercises_dir, reference_dir


def measure(path: str) -> tuple:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "micrograd", "check", path, "--json"], capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    report = json.loads(done.stdout)
    return wall, cpu, done.returncode, f"{report['passing']}/{report['total']} pass"


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    for name, path in (("exercises/", exercises_dir()), ("reference/", reference_dir())):
        for _ in range(repeats):
            wall, cpu, status, summary = measure(str(path))
            print(f"{name:11} wall {wall:5.1f} s  CPU {cpu:5.1f} s  exit {status}  {summary}")


if __name__ == "__main__":
    main()
