"""The hostile corpus, graded in one batch with honest submissions, three ways: as root with bwrap, as root
with the uid layer, and as a non-root user (bwrap in a user namespace). Each time: every submission gets
the grade it deserves (no attacker gets credit it did not earn, every honest one keeps full marks), the
grader's environment (a secret in it) appears in no output, nothing the grader did not write is in the
out directory, and no process or file of a submission outlives the batch.

The grader runs as a separate process (``python -c DRIVER``), with a secret in its environment, its own
TMPDIR (which must be empty afterwards) and, as root, its own range of sandbox uids (no process may run as
one of them afterwards). The non-root grader runs as uid 65534 (``setpriv``) in a mount namespace where
the Python installation is reachable by that user (pyenv keeps it under /root, mode 0700).
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import random
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
from hostile_corpus import ATTACKS, CASES, HONEST_MARK, ipc_key, materialize

from micrograd._paths import package_dir

RUBRIC = Path(__file__).parent / "mini_rubric.toml"
SPEC = Path(__file__).parent / "mini_spec"
SECRET_NAME = "MICROGRAD_TEST_SECRET"
NOBODY = 65534

DRIVER = r"""
import json, sys
from pathlib import Path
from autograder import Limits, grade, load_rubric
from autograder.sandbox import choose_isolation
args = json.loads(sys.argv[1])
isolation = choose_isolation(args["isolation"])
results = grade([Path(p) for p in args["paths"]], Path(args["out"]), rubric=load_rubric(args["rubric"]),
                limits=Limits(timeout=1.0, budget=40.0, startup=10.0), jobs=2, isolation=isolation)
summary = {name: {"student": r.student, "status": r.status, "score": r.score, "reason": r.reason,
                  "isolation": r.isolation, "exercises": {e.exercise: [e.passed, e.total] for e in r.exercises},
                  "properties": {p.id: p.passed for p in r.properties}} for name, r in zip(args["names"], results)}
Path(args["summary"]).write_text(json.dumps({"isolation": isolation.describe(), "results": summary}))
"""


def _site() -> str:
    import sysconfig

    return sysconfig.get_paths()["purelib"]


def _processes_with(argument: str) -> List[int]:
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as f:
                args = f.read().split(b"\0")
        except OSError:
            continue
        if argument.encode() in args:
            found.append(int(name))
    return found


def _processes_of(uids: range) -> List[int]:
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status") as f:
                for line in f:
                    if line.startswith("Uid:"):
                        if any(int(u) in uids for u in line.split()[1:4]):
                            found.append(int(name))
                        break
        except (OSError, ValueError):
            continue
    return found


def _files_of(uids: range) -> List[str]:
    found = []
    for folder in ("/tmp", "/var/tmp", "/dev/shm"):
        for entry in os.scandir(folder):
            try:
                if entry.stat(follow_symlinks=False).st_uid in uids:
                    found.append(entry.path)
            except OSError:
                continue
    return found


def _closed_ancestor(path: str) -> Optional[str]:
    """The outermost directory on the way to ``path`` that other users cannot enter (root's home, mode
    0700; tox's .tox, mode 0700), or None."""
    parts = Path(path).parts
    for depth in range(2, len(parts)):
        folder = str(Path(*parts[:depth]))
        if os.path.isdir(folder) and not os.stat(folder).st_mode & stat.S_IXOTH:
            return folder
    return None


def _nonroot_prefix() -> List[str]:
    """Run a command as uid 65534 in a mount namespace where the Python installation, the kit and these
    tests are reachable: each directory on the way to them that other users cannot enter (root's home,
    tox's .tox, both mode 0700) is replaced by an empty one holding just them, read-only."""
    argv = ["bwrap", "--dev-bind", "/", "/"]
    needed = sorted({os.path.realpath(p) for p in (sys.base_prefix, sys.prefix, package_dir().parent,
                                                   Path(__file__).resolve().parents[2])})
    closed = sorted({c for c in map(_closed_ancestor, needed) if c is not None}, key=len)
    for top in closed:
        argv += ["--perms", "0755", "--tmpfs", top]
        made: List[str] = [top]
        for path in (p for p in needed if p.startswith(top + "/")):
            if any(path.startswith(m + "/") for m in made if m in needed):
                continue  # inside a directory bound already
            parents = []
            parent = os.path.dirname(path)
            while parent != top:
                parents.append(parent)
                parent = os.path.dirname(parent)
            for folder in reversed(parents):
                if folder not in made:
                    argv += ["--perms", "0755", "--dir", folder]
                    made.append(folder)
            argv += ["--ro-bind", path, path]
            made.append(path)
    return [*argv, "--", "setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--"]


class _Helpers:
    """A TCP server on 127.0.0.1 and an abstract unix socket of the host that hand "the answers" to whoever
    connects (the network case must get nothing from them); ``connections`` counts who did."""

    def __init__(self, marker: str) -> None:
        self.tcp = socket.create_server(("127.0.0.1", 0))
        self.unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.unix_name = f"micrograd-helper-{marker}"
        self.unix.bind("\0" + self.unix_name)
        self.unix.listen()
        self.port = self.tcp.getsockname()[1]
        self.connections = 0
        self.threads = [threading.Thread(target=self._serve, args=(s,), daemon=True) for s in (self.tcp, self.unix)]
        for thread in self.threads:
            thread.start()

    def _serve(self, server: socket.socket) -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                conn.sendall(b"the answers")

    def close(self) -> None:
        for server in (self.tcp, self.unix):
            with contextlib.suppress(OSError):
                server.shutdown(socket.SHUT_RDWR)
            server.close()


def _ipc_objects(uids: range, key: int) -> List[str]:
    """SysV IPC objects owned or made by one of ``uids``, or with ``key``, on the host."""
    found = []
    for kind in ("shm", "msg", "sem"):
        try:
            with open(f"/proc/sysvipc/{kind}") as f:
                header, *rows = f.read().splitlines()
        except OSError:
            continue
        names = header.split()
        for row in rows:
            fields = row.split()
            owners = {int(fields[names.index("uid")]), int(fields[names.index("cuid")])}
            if int(fields[0]) == key or owners & set(uids):
                found.append(f"{kind} {fields[1]}")
    return found


def _run_batch(way: str) -> Dict[str, Any]:
    base = Path(tempfile.mkdtemp(prefix="micrograd-hostile-"))
    os.chmod(base, 0o755)
    root, out, tmp, summary = base / "submissions", base / "out", base / "tmp", base / "summary.json"
    root.mkdir()
    for folder in (out, tmp):
        folder.mkdir()
        os.chmod(folder, 0o777)
    os.chmod(base, 0o777)
    marker = f"{random.randint(10**6, 10**7)}.25"
    secret = f"secret-{random.getrandbits(64):016x}"
    pwned = str(base / "pwned")
    first = 3_100_000 + random.randrange(0, 100) * 1000
    uids = range(first, first + 1000) if way != "nonroot" else range(NOBODY, NOBODY + 1)
    helpers = _Helpers(marker)
    values = dict(out=str(out), marker=marker, site=_site(), kit=str(package_dir()), pwned=pwned, secret=SECRET_NAME,
                  tmp=str(tmp), port=str(helpers.port), unix=helpers.unix_name)
    cases = [c for c in CASES]
    paths = [str(materialize(case, root, **values)) for case in cases]
    for folder in ("/tmp", "/dev/shm", "/var/tmp"):  # answers "left by a friend", on the grader's machine
        Path(folder, f"micrograd-collusion-{marker}").write_text("the answers")
    for path in root.rglob("*"):
        if not path.is_symlink():
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
    args = {"isolation": "auto" if way == "nonroot" else way, "paths": paths, "names": [c.name for c in cases],
            "out": str(out),
            "rubric": str(RUBRIC), "summary": str(summary)}
    env = dict(os.environ, TMPDIR=str(tmp), HOME=str(base), MICROGRAD_SANDBOX_UIDS=f"{uids[0]}-{uids[-1]}")
    env[SECRET_NAME] = secret
    env.pop("MICROGRAD_ISOLATION", None)
    command = [sys.executable, "-c", DRIVER, json.dumps(args)]
    if way == "nonroot":
        command = _nonroot_prefix() + command
    started = time.monotonic()
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1800)
    finally:
        helpers.close()
    finished = time.monotonic()
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(summary.read_text())
    return {"way": way, "base": base, "root": root, "out": out, "tmp": tmp, "marker": marker, "secret": secret,
            "pwned": pwned, "uids": uids, "summary": found, "results": found["results"], "seconds": finished - started,
            "values": values, "connections": helpers.connections}


def _cleanup(batch: Dict[str, Any]) -> None:
    for kind, ident in (item.split() for item in _ipc_objects(batch["uids"], ipc_key(batch["marker"]))):
        flag = {"shm": "-m", "msg": "-q", "sem": "-s"}[kind]
        subprocess.run(["ipcrm", flag, ident], capture_output=True)  # only if an attack got through
    for folder in ("/tmp", "/dev/shm", "/var/tmp"):
        for name in (f"micrograd-collusion-{batch['marker']}", f"micrograd-collusion-{batch['marker']}-written",
                     f"micrograd-litter-{batch['marker']}"):
            Path(folder, name).unlink(missing_ok=True)
    for planted in (Path(_site(), "zz_micrograd_planted.pth"), Path(_site(), "matplotlib_planted.py"),
                    package_dir() / "_planted.py"):
        planted.unlink(missing_ok=True)  # only there if an attack got through (and then a test failed)
    shutil.rmtree(batch["base"], ignore_errors=True)


def _requirements(way: str) -> None:
    if os.geteuid() != 0:
        pytest.skip("grading as root, and as another user, needs a test run by root (CI runs as root)")
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed (apt-get install bubblewrap; .ci/run installs it)")
    if way == "nonroot" and shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) is needed to start a grader as another user")


@pytest.fixture(scope="module", params=["bwrap", "uid", "nonroot"])
def batch(request: pytest.FixtureRequest) -> Iterator[Dict[str, Any]]:
    _requirements(request.param)
    found = _run_batch(request.param)
    yield found
    _cleanup(found)


def test_the_corpus_covers_every_attack_class() -> None:
    covered = {case.attack for case in CASES if case.attack}
    assert covered == set(ATTACKS)
    honest = [c for c in CASES if not c.attack and c.status == "graded" and c.score == 6]
    assert len(honest) >= 4
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.slow
def test_each_submission_gets_the_grade_it_deserves(batch: Dict[str, Any]) -> None:
    results = batch["results"]
    wrong = {}
    for case in CASES:
        got = results[case.name]
        expected = got["status"] in case.status.split("|") and got["score"] == case.score
        if not expected or case.reason not in got["reason"] or got["student"] != (case.student or case.name):
            wrong[case.name] = (got["status"], got["score"], got["reason"][:200])
    assert wrong == {}, f"graded {batch['way']}"
    expected_layer = "uid" if batch["way"] == "uid" else "bwrap"
    assert {r["isolation"] for r in results.values()} == {expected_layer}
    assert batch["summary"]["isolation"].startswith(f"isolation: {expected_layer}")
    assert f"Isolation: {expected_layer}" in (batch["out"] / "report.html").read_text()


@pytest.mark.slow
def test_no_secret_and_no_other_students_work_in_any_output(batch: Dict[str, Any]) -> None:
    leaks = []
    for path in batch["out"].rglob("*"):
        if path.is_file():
            text = path.read_text(errors="replace")
            if batch["secret"] in text or HONEST_MARK in text:
                leaks.append(str(path.relative_to(batch["out"])))
    assert leaks == []
    # the grader's own scratch folders are no business of a student's (and made grades differ run to run)
    assert {n: r["reason"] for n, r in batch["results"].items() if "micrograd-prepare" in r["reason"]} == {}
    assert not os.path.exists(batch["pwned"]), "code of a submission ran in the grader"
    for planted in (Path(_site(), "zz_micrograd_planted.pth"), package_dir() / "_planted.py"):
        assert not planted.exists()


@pytest.mark.slow
def test_outputs_are_the_graders_and_stay_so(batch: Dict[str, Any]) -> None:
    out: Path = batch["out"]
    time.sleep(3)  # deep_fork_chain's last process would rewrite the outputs 2 s after it started
    with (out / "grades.csv").open() as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    ids = {case.name: case.student or case.name for case in CASES}
    assert set(rows) == set(ids.values())
    for case in CASES:
        student = ids[case.name]
        assert float(rows[student]["score"]) == case.score
        results = json.loads((out / student / "results.json").read_text())
        assert results["score"] == case.score and sum(t["max_score"] for t in results["tests"]) == 6
        header = (out / student / "feedback.md").read_text().splitlines()[0]
        shown = case.folder.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace") or student
        assert header == f"# Feedback for {shown}"  # a student is told the name they handed in
    expected = set(ids.values()) | {"grades.csv", "report.html", "class.json", "exam.json"}
    assert {p.name for p in out.iterdir()} == expected
    for folder in out.iterdir():
        if folder.is_dir():
            assert {p.name for p in folder.iterdir()} == {"results.json", "feedback.md"}


@pytest.mark.slow
def test_outputs_are_bounded(batch: Dict[str, Any]) -> None:
    for folder in batch["out"].iterdir():
        if folder.is_dir():
            for name in ("results.json", "feedback.md"):
                assert (folder / name).stat().st_size < 1024 * 1024, f"{folder.name}/{name}"
    assert len(batch["results"]["huge_names"]["reason"]) <= 2000


@pytest.mark.slow
def test_no_process_or_file_outlives_the_batch(batch: Dict[str, Any]) -> None:
    assert _processes_with(batch["marker"]) == []
    assert _processes_of(batch["uids"]) == []
    assert _files_of(batch["uids"]) == []
    assert sorted(os.listdir(batch["tmp"])) == []
    assert _ipc_objects(batch["uids"], ipc_key(batch["marker"])) == []  # no shared memory, queue or semaphores left
    assert batch["connections"] == 0  # no submission reached a server of the grader's machine
    for folder in ("/tmp", "/dev/shm", "/var/tmp"):
        assert not Path(folder, f"micrograd-litter-{batch['marker']}").exists()
        assert not Path(folder, f"micrograd-collusion-{batch['marker']}-written").exists()


@pytest.mark.slow
def test_check_and_grade_agree_on_a_submission_that_looks_for_the_grader(batch: Dict[str, Any]) -> None:
    if batch["way"] != "bwrap":
        pytest.skip("compared once, with the bwrap batch")
    from micrograd.check import run_check

    for name in ("detect_grader", "buggy_mul_grad", "correct"):
        report = run_check(batch["root"] / name, spec_dir=SPEC)
        # every check that micrograd check ran (it skips some of an exercise blocked by a failing one it
        # needs) has the verdict the grader gave it
        checked = {r.id: r.status == "passed" for r in report.properties if r.status in ("passed", "failed")}
        graded = batch["results"][name]["properties"]
        assert checked and {p: graded[p] for p in checked} == checked, name
        assert {e.exercise for e in report.exercises if e.status == "passing"} == {
            ex for ex, (passed, total) in batch["results"][name]["exercises"].items() if passed == total
        } - {e.exercise for e in report.exercises if e.status == "blocked"}, name
