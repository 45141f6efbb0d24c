"""Kill exactly what was started (issue 21 item 1): 40 honest submissions graded beside 40 whose children crash
at their first operation, both cores kept busy, and every honest one keeps full marks (the issue's batch, 100
beside 100, is ``python tests/autograder/stress_batch.py --honest 100 --crashing 100 --out FILE``: two and a
half times CI's time for the same check).

The batch runs in a grader process of its own (tests/autograder/stress_batch.py), as root with bwrap and with the
cgroups off (``MICROGRAD_SANDBOX_CGROUP=off``): the sandboxes are then found by their PID namespaces, held open
while they are swept, the way that once killed other students' fresh sandboxes (a namespace's inode number is
handed to the next namespace made as soon as it is free).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from micrograd.sandbox._cgroups import Cgroup, cgroup_parent

HERE = Path(__file__).resolve().parent


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] not in ("Z", "X")
    except OSError:
        return False


@pytest.mark.slow
def test_honest_submissions_beside_crashing_ones_keep_full_marks(tmp_path: Path) -> None:
    if os.geteuid() != 0 or shutil.which("bwrap") is None:
        pytest.skip("grading with bwrap as root needs a test run by root with bubblewrap (CI runs as root)")
    out = tmp_path / "stress.json"
    env = dict(os.environ, MICROGRAD_SANDBOX_CGROUP="off", TMPDIR=str(tmp_path))
    done = subprocess.run([sys.executable, str(HERE / "stress_batch.py"), "--honest", "40", "--crashing", "40",
                           "--isolation", "bwrap", "--out", str(out)], env=env, capture_output=True, text=True,
                          timeout=3000)
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(out.read_text())
    assert found["honest_not_full"] == {}
    assert found["crashing_statuses"] == ["crashed"] and found["isolation"] == ["bwrap"]


def test_a_sandbox_cgroup_kills_whatever_was_born_in_it(tmp_path: Path) -> None:
    parent, why = cgroup_parent()
    if parent is None:
        pytest.skip(f"no cgroup for sandboxes here: {why}")
    cgroup = Cgroup(parent)
    code = ("import os, sys, time\nos.write(int(sys.argv[1]), b'0')\n"
            "for _ in range(3):\n    if os.fork() == 0:\n        os.setsid()\n        time.sleep(300)\n"
            "time.sleep(300)\n")
    proc = subprocess.Popen([sys.executable, "-c", code, str(cgroup.procs_fd)], pass_fds=(cgroup.procs_fd,))
    try:
        for _ in range(200):
            if len(cgroup.pids()) == 4:
                break
            time.sleep(0.05)
        members = cgroup.pids()
        assert proc.pid in members and len(members) == 4  # the child and the three it started, each in a session
        cgroup.kill()
        assert cgroup.wait_empty(10.0) == []
        assert proc.wait(10) == -9
        assert [p for p in members if _running(p)] == []
    finally:
        proc.kill()
        proc.wait()
        cgroup.wait_empty(10.0)
        assert cgroup.remove()
    assert not cgroup.path.exists()
