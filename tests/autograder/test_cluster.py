"""``micrograd grade --cluster``: a real Dask cluster on localhost (``dask scheduler``, two ``dask worker``
processes) grades as the local pool does, loses no grade when a worker is killed, reports a submission whose
grading kills workers twice as crashed, stops when the scheduler goes away, and keeps every sandboxed child
away from Dask's ports. Grading needs root and bubblewrap here (as in CI); the tests that need no cluster
check the wire format, the isolation policy and the errors.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Dict, Iterator, List

import pytest
from dask_cluster import INSTALL, LocalCluster, make_certificate, processes, processes_of, unavailable
from hostile_corpus import CASES, materialize

from autograder.cluster import ClusterError, ClusterExecutor, ClusterLostError, WireError, read_result
from autograder.cluster._policy import WorkerRefusedError, cluster_isolation
from autograder.cluster._wire import MAX_RESULT_BYTES, rubric_data, rubric_from_data
from autograder.grade import grade, grade_batch
from autograder.report import ExerciseResult, PropertyResult, SubmissionResult, to_json
from autograder.rubric import load_rubric
from autograder.sandbox import Isolation, Limits

HERE = Path(__file__).parent
REPO = HERE.parents[1]
RUBRIC = HERE / "mini_rubric.toml"
LIMITS = Limits(timeout=1.0, budget=40.0, startup=10.0)
BY_NAME = {case.name: case for case in CASES}
_FIRST_UID = 3_200_000 + random.randrange(0, 100) * 1000
UIDS = range(_FIRST_UID, _FIRST_UID + 1000)  #: the sandbox uids of this module's graders (nothing may run as one after)


def _result(**changes: Any) -> SubmissionResult:
    base = SubmissionResult("alice", "graded", "", 1.5, 2.0,
                            (ExerciseResult("add", "addition", 2.0, 1.5, 3, 4),),
                            (PropertyResult("p", "add", "failed", "got 1", "x = 1", (("a", "1", "2"),), "hint"),),
                            0.25, "Alice", "subs/alice", "folder", "bwrap")
    return dataclasses.replace(base, **changes)


def test_a_result_crosses_as_json_and_comes_back_the_same() -> None:
    result = _result()
    assert read_result(to_json(result)) == result


@pytest.mark.parametrize(("data", "words"), [
    ({"score": "1.5"}, "score must be a finite number"),
    ({"score": 1e400}, "score must be a finite number"),  # Infinity
    ({"properties": [{"id": "p", "exercise": "add", "status": "failed", "rows": [["a", "b"]]}]},
     "rows must be a list of [what, expected, got] strings"),
    ({"exercises": [{"title": "addition"}]}, "exercise result: field 'exercise' is missing"),
    ({"pickle": "cos\nsystem\n"}, "unknown field 'pickle'"),
    ({"student": ["alice"]}, "student must be a string"),
    ({"status": "graded!"}, "submission status"),
])
def test_a_result_that_is_not_the_model_is_refused_naming_the_field(data: Dict[str, Any], words: str) -> None:
    """The cluster reads a worker's result with the judge's one reader (SubmissionResult.from_json), bounded."""
    fields = json.loads(to_json(_result()))
    fields.update(data)
    with pytest.raises(WireError, match=words.replace("[", r"\[").replace("]", r"\]").replace(".", r"\.")):
        read_result(json.dumps(fields))
    with pytest.raises(WireError, match="not JSON"):
        read_result("{'student': 'alice'}")
    with pytest.raises(WireError, match="finite"):
        read_result(to_json(_result()).replace('"score": 1.5', '"score": NaN'))
    with pytest.raises(WireError, match="at most"):
        read_result(" " * (MAX_RESULT_BYTES + 1))


class _Planted:
    """Unpickled, it leaves a mark: what a pickle written by someone else could run."""

    def __init__(self, mark: Path) -> None:
        self.mark = mark

    def __reduce__(self) -> Any:
        return (Path.write_text, (self.mark, "a pickle ran"))


def test_nothing_a_worker_or_its_grading_process_reads_is_a_pickle(tmp_path: Path) -> None:
    """Issue 21 item 4: the grading process reads JSON only (the exam, the plan, the rubric, the limits as data):
    a pickle on its pipe is refused as not JSON, and runs nothing."""
    import io
    import pickle

    from autograder.cluster._grading import serve
    from autograder.cluster._wire import read_frame, write_frame

    mark = tmp_path / "mark"
    requests, answers = io.BytesIO(), io.BytesIO()
    write_frame(requests, pickle.dumps(_Planted(mark)))
    write_frame(requests, json.dumps({"kind": "grade", "path": 3, "status": "graded", "reason": ""}).encode())
    requests.seek(0)
    serve(requests, answers)
    answers.seek(0)
    first, second = json.loads(read_frame(answers) or b""), json.loads(read_frame(answers) or b"")
    assert "error" in first and not mark.exists()
    assert "path (a string or null)" in second["error"]
    rubric = load_rubric(RUBRIC)
    assert rubric_from_data(json.loads(json.dumps(rubric_data(rubric)))) == rubric
    with pytest.raises(WireError, match="not a rubric"):
        rubric_from_data({"rules": "cos\nsystem"})


def _worker(address: str = "tls://127.0.0.1:1", scheduler: str = "tls://127.0.0.1:2", key: str = "") -> Any:
    security = SimpleNamespace(tls_worker_key=key, tls_worker_cert="")
    return SimpleNamespace(address=address, scheduler=SimpleNamespace(address=scheduler), security=security)


def test_no_worker_grades_unisolated_and_uid_only_with_tls_and_a_private_key(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(WorkerRefusedError, match="--isolation none cannot be used with --cluster"):
        cluster_isolation("none", _worker())
    import autograder.cluster._policy as policy

    monkeypatch.setattr(policy, "choose_isolation", lambda requested, layers: Isolation("uid", "test"))
    with pytest.raises(WorkerRefusedError, match="does not use TLS"):
        cluster_isolation("uid", _worker("tcp://127.0.0.1:1", "tcp://127.0.0.1:2"))
    key = tmp_path / "dask.key"
    key.write_text("not really a key")
    key.chmod(0o644)
    with pytest.raises(WorkerRefusedError, match="mode 0644: others may read it"):
        cluster_isolation("uid", _worker(key=str(key)))
    with pytest.raises(WorkerRefusedError, match="is not set"):
        cluster_isolation("uid", _worker())
    key.chmod(0o600)
    assert cluster_isolation("uid", _worker(key=str(key))).layer == "uid"
    assert cluster_isolation("uid", _worker(key="-----BEGIN PRIVATE KEY-----\n...")).layer == "uid"  # in memory
    monkeypatch.setattr(policy, "choose_isolation", lambda requested, layers: Isolation("bwrap", "test"))
    assert cluster_isolation("auto", _worker("tcp://127.0.0.1:1", "tcp://127.0.0.1:2")).layer == "bwrap"


def test_a_cluster_address_that_is_not_one_or_no_dask_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ClusterError, match="expected a Dask scheduler's address, tcp://HOST:PORT"):
        ClusterExecutor("localhost:8786")
    monkeypatch.setitem(sys.modules, "distributed", None)  # as where the cluster extra is not installed
    with pytest.raises(ClusterError, match=r"needs Dask's distributed package: pip install -e '\.\[cluster\]'"):
        ClusterExecutor("tcp://127.0.0.1:8786")


def test_an_address_where_no_scheduler_answers_is_a_clear_error() -> None:
    pytest.importorskip("distributed", reason=f"grading on a cluster needs Dask's distributed: {INSTALL}")
    with pytest.raises(ClusterError, match=r"--cluster tcp://127\.0\.0\.1:9: no Dask scheduler answers there"):
        ClusterExecutor("tcp://127.0.0.1:9", wait=2)


def test_the_command_says_what_is_wrong_with_the_cluster(tmp_path: Path) -> None:
    correct = REPO / "examples" / "submissions" / "correct"
    done = subprocess.run([sys.executable, "-m", "micrograd", "grade", str(correct),
                           "--out", str(tmp_path / "out"), "--cluster", "127.0.0.1:1"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    assert "micrograd grade: error: --cluster 127.0.0.1:1: expected a Dask scheduler's address" in done.stderr
    assert not (tmp_path / "out").exists()


def test_a_lost_cluster_stops_the_command_and_what_was_graded_is_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    import argparse

    from autograder.cluster._client import _unrun
    from autograder.grade import _command

    class Lost:  # a cluster whose scheduler goes away after grading the first submission
        isolated = True

        def __init__(self, address: str, isolation: str, rubric: Any) -> None:
            self.closed = False

        def describe(self) -> str:
            return "isolation: bwrap on 1 worker (Dask cluster at tcp://gone:1)"

        def grade(self, paths: Any, rubric: Any, limits: Any, on_done: Any, exam: Any = None) -> Any:
            first = dataclasses.replace(_unrun(rubric, "crashed", "graded before the end"), isolation="bwrap")
            on_done(first)
            raise ClusterLostError("the Dask scheduler at tcp://gone:1 went away: 1 of 2 submissions were graded",
                                   {0: first})

        def close(self) -> None:
            self.closed = True

    monkeypatch.setattr(_command, "ClusterExecutor", Lost)
    parser = argparse.ArgumentParser()
    _command.configure(parser)
    subs = [REPO / "examples" / "submissions" / name for name in ("correct", "buggy")]
    args = parser.parse_args([*map(str, subs), "--out", str(tmp_path / "out"), "--cluster", "tcp://gone:1",
                              "--rubric", str(RUBRIC), "--no-html"])
    assert _command.run(args) == 2
    error = capsys.readouterr().err
    assert "micrograd grade: error: the Dask scheduler at tcp://gone:1 went away: 1 of 2 submissions" in error
    assert ("--update" in error) == hasattr(args, "update")
    rows = (tmp_path / "out" / "grades.csv").read_text().splitlines()
    assert len(rows) == 2 and rows[1].startswith("correct,correct,0,6,")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["class.json", "correct", "exam.json", "grades.csv"]


# -- on a real cluster ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    reason = unavailable()
    if reason is not None:
        pytest.skip(reason)
    env = {"MICROGRAD_SANDBOX_UIDS": f"{UIDS[0]}-{UIDS[-1]}"}
    with LocalCluster(tmp_path_factory.mktemp("cluster"), workers=2, env=env) as found:
        yield found
    assert processes("autograder.cluster._grading") == []
    assert processes_of(UIDS) == []


def _corpus(root: Path, names: List[str]) -> List[Path]:
    values = dict(out=str(root / "out"), marker=f"{random.randint(10**6, 10**7)}.25", site=str(root / "site"),
                  kit=str(root / "kit"), pwned=str(root / "pwned"), secret="MICROGRAD_TEST_SECRET", tmp=str(root / "t"))
    return [materialize(BY_NAME[name], root / "submissions", **values) for name in names]


def _cli(paths: List[Path], out: Path, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "micrograd", "grade", *map(str, paths), "--out", str(out), *options],
                          capture_output=True, text=True, timeout=1200, env=dict(os.environ, MICROGRAD_SANDBOX_UIDS=
                                                                                 f"{UIDS[0]}-{UIDS[-1]}"))


def _untimed(data: Any) -> Any:
    """``data`` without the times it measured (``seconds``, ``execution_time``): they differ from run to run."""
    if isinstance(data, dict):
        return {k: _untimed(v) for k, v in data.items() if k not in ("seconds", "execution_time")}
    if isinstance(data, list):
        return [_untimed(x) for x in data]
    return data


def _graded(record: Any) -> Any:
    """class.json without what only the grader's record keeps: each property's own counterexample (summary,
    code, rows, report). What a student is shown of them is in feedback.md and results.json, compared whole."""
    for student in record["students"]:
        for prop in student["result"]["properties"]:
            for key in ("summary", "code", "rows", "report", "raised", "output"):
                prop.pop(key, None)
    return record


def _outputs(out: Path) -> Dict[str, str]:
    """Every file the grader wrote, by path (results.json and class.json without the times they measured;
    class.json without the counterexamples of properties, see _graded)."""
    found = {}
    for path in sorted(out.rglob("*")):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            if path.name == "results.json":
                text = json.dumps(_untimed(json.loads(text)), indent=1)
            elif path.name == "class.json":
                text = json.dumps(_graded(_untimed(json.loads(text))), indent=1)
            found[str(path.relative_to(out))] = text
    return found


@pytest.mark.slow
def test_the_corpus_and_the_sample_class_get_the_same_outputs_as_with_the_local_pool(
        cluster: LocalCluster, tmp_path: Path) -> None:
    """The same grades (every status, score and exercise score) and the same feedback (feedback.md,
    results.json, report.html, grades.csv) as the local pool. Not compared: the counterexample class.json keeps
    for a property that is no root cause (shown to nobody): in two CI runs under load the cluster's record
    of the buggy sample's second failing mlp and training properties held another shrunk example than the
    pool's (two local runs agree; open, see the closing note of 2026-12-07)."""
    corpus = _corpus(tmp_path, [case.name for case in CASES])
    examples = sorted((REPO / "examples" / "submissions").iterdir())
    for paths, options in ((corpus, ["--rubric", str(RUBRIC), "--timeout", "1"]), (examples, ["--timeout", "2"])):
        local, remote = tmp_path / f"local-{len(paths)}", tmp_path / f"cluster-{len(paths)}"
        done = _cli(paths, local, "--jobs", "2", *options)
        assert done.returncode == 0, done.stderr[-3000:]
        done = _cli(paths, remote, "--cluster", cluster.address, *options)
        assert done.returncode == 0, done.stderr[-3000:]
        assert "isolation: bwrap on 2 workers (Dask cluster at tcp://127.0.0.1:" in done.stderr
        expected, found = _outputs(local), _outputs(remote)
        assert len(found) == 2 * len(paths) + 4 and "Isolation: bwrap" in found["report.html"]  # + class, exam
        differ = [f for f in expected if expected[f] != found.get(f)]
        assert differ == [], "".join(difflib.unified_diff(expected[differ[0]].splitlines(True),
                                                          found.get(differ[0], "").splitlines(True),
                                                          "local/" + differ[0], "cluster/" + differ[0]))[:6000]
    assert not (tmp_path / "pwned").exists()


def _kill_worker_running(cluster: LocalCluster, client: Any, key_part: str = "micrograd-") -> str:
    """SIGKILL the worker process (not its nanny) that is grading a task now; returns that task's key."""
    pids = cluster.worker_pids()
    while True:
        busy = {w: keys for w, keys in client.processing().items() if any(key_part in str(k) for k in keys)}
        if busy:
            worker, keys = sorted(busy.items())[0]
            os.kill(pids[worker], signal.SIGKILL)
            return str(keys[0])
        time.sleep(0.05)


def _expected(results: List[SubmissionResult], names: List[str]) -> Dict[str, Any]:
    wrong = {}
    for result, name in zip(results, names):
        case = BY_NAME[name]
        deserved = result.status in case.status.split("|") and result.score == case.score
        if not deserved or case.reason not in result.reason:
            wrong[name] = (result.status, result.score, result.reason[:300])
    return wrong


NAMES = ["correct", "buggy_mul_grad", "sleep_in_mul", "slow_but_correct", "monkeypatch_checkers", "helper_modules",
         "infinite_loop_in_add", "correct_last"]


@pytest.mark.slow
def test_a_worker_killed_in_the_middle_of_a_batch_loses_no_grade_and_leaves_nothing_running(
        cluster: LocalCluster, tmp_path: Path) -> None:
    paths = _corpus(tmp_path, NAMES)
    killed: List[str] = []
    with cluster.client() as client, ClusterExecutor(cluster.address, rubric=load_rubric(RUBRIC)) as executor:
        def after(result: SubmissionResult) -> None:
            if not killed:
                killed.append(_kill_worker_running(cluster, client))

        results = grade_batch(paths, load_rubric(RUBRIC), LIMITS, on_done=after, executor=executor)
    assert killed and _expected(results, NAMES) == {}
    assert {r.isolation for r in results} == {"bwrap"}
    deadline = time.monotonic() + 20
    while (processes("autograder.cluster._grading") or processes_of(UIDS)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes("autograder.cluster._grading") == [] and processes_of(UIDS) == []
    cluster.wait_for(2)  # the nanny started the worker again


@pytest.mark.slow
def test_a_submission_whose_grading_kills_two_workers_is_reported_crashed_and_not_graded_again(
        cluster: LocalCluster, tmp_path: Path) -> None:
    names = ["correct", "sleep_in_mul", "buggy_mul_grad", "correct_last"]
    paths = _corpus(tmp_path, names)
    target = names.index("sleep_in_mul")
    kills: List[str] = []

    def killer() -> None:  # plays a submission that kills whichever worker grades it
        with cluster.client() as client:
            for attempt in (1, 2):
                while True:  # until the target's attempt has started (counted by its task, see _worker)
                    keys = [str(k) for ks in client.processing().values() for k in ks if str(k).endswith(f"-{target}")]
                    run = keys[0].split("-")[1] if keys else ""
                    if keys and client.get_metadata(["micrograd", run, str(target)], 0) == attempt:
                        break
                    time.sleep(0.05)
                kills.append(_kill_worker_running(cluster, client, keys[0]))
                cluster.wait_for(2)  # as workers come back in a real cluster

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    with ClusterExecutor(cluster.address, rubric=load_rubric(RUBRIC)) as executor:
        results = grade_batch(paths, load_rubric(RUBRIC), LIMITS, executor=executor)
    thread.join(timeout=60)
    assert len(kills) == 2
    crashed = results[target]
    assert crashed.status == "crashed" and crashed.score == 0
    assert "the Dask workers grading it died 2 times before it was graded" in crashed.reason
    assert _expected([r for i, r in enumerate(results) if i != target], [n for n in names if n != "sleep_in_mul"]) == {}
    cluster.wait_for(2)


PORTS_ATTACK = """
import pickle, socket
class _Pwn:
    def __reduce__(self):
        return (exec, ("open({pwned!r}, 'w').write('a Dask port ran code')",))
payload = pickle.dumps(_Pwn())
REACHED = []
for host, port in {ports!r}:
    try:
        with socket.create_connection((host, port), timeout=1) as s:
            s.sendall(len(payload).to_bytes(8, "little") * 2 + payload)
            s.settimeout(1)
            got = s.recv(4096)
            if b"compression" in got or b"pickle-protocol" in got:
                REACHED.append((host, port))  # Dask's handshake: this child talked to Dask
    except OSError:
        pass
if REACHED:
    _add = Value.__add__
    Value.__add__ = lambda self, other: _add(_add(self, other), 1)
"""


def _ports(client: Any) -> List[Any]:
    info = client.scheduler_info()
    addresses = [info["address"], *info["workers"], *(w["nanny"] for w in info["workers"].values() if w.get("nanny"))]
    return [(a.split("://")[1].rsplit(":", 1)[0], int(a.rsplit(":", 1)[1])) for a in addresses]


def _attack(folder: Path, ports: List[Any], pwned: Path) -> Path:
    from micrograd.impl import reference_dir

    folder.mkdir(parents=True)
    engine = (reference_dir() / "engine.py").read_text() + PORTS_ATTACK.format(ports=ports, pwned=str(pwned))
    (folder / "engine.py").write_text(engine)
    (folder / "nn.py").write_text((reference_dir() / "nn.py").read_text())
    return folder


def _handshake(host: str, port: int) -> bytes:
    with __import__("socket").create_connection((host, port), timeout=5) as s:
        s.settimeout(5)
        return s.recv(4096)


@pytest.mark.slow
def test_a_sandboxed_submission_gets_nothing_from_the_dask_ports(cluster: LocalCluster, tmp_path: Path) -> None:
    cluster.wait_for(2)
    with cluster.client() as client:
        ports = _ports(client)
    assert len(ports) == 5 and any(b"compression" in _handshake(*p) for p in ports)  # reachable from here
    attack = _attack(tmp_path / "dask_ports", ports, tmp_path / "pwned")
    with ClusterExecutor(cluster.address, rubric=load_rubric(RUBRIC)) as executor:
        [result] = grade_batch([attack], load_rubric(RUBRIC), LIMITS, executor=executor)
    assert (result.status, result.score, result.isolation) == ("graded", 6, "bwrap")
    assert not (tmp_path / "pwned").exists()


@pytest.mark.slow
def test_the_uid_layer_grades_only_on_a_tls_cluster_where_a_child_gets_nothing_from_dask(
        cluster: LocalCluster, tmp_path: Path) -> None:
    with pytest.raises(ClusterError, match=r"would grade in the uid layer.*does not use TLS"):
        ClusterExecutor(cluster.address, "uid", load_rubric(RUBRIC))
    tls = make_certificate(tmp_path / "certificate")
    env = {"MICROGRAD_SANDBOX_UIDS": f"{UIDS[0]}-{UIDS[-1]}"}
    with LocalCluster(tmp_path / "tls-cluster", workers=1, tls=tls, env=env) as secure:
        assert secure.address.startswith("tls://")
        with secure.client() as client:
            ports = _ports(client)
        attack = _attack(tmp_path / "dask_ports", ports, tmp_path / "pwned")
        with ClusterExecutor(secure.address, "uid", load_rubric(RUBRIC), security=secure.security()) as executor:
            assert executor.describe().startswith("isolation: uid on 1 worker")
            [result] = grade_batch([attack], load_rubric(RUBRIC), LIMITS, executor=executor)
    assert (result.status, result.score, result.isolation) == ("graded", 6, "uid")
    assert not (tmp_path / "pwned").exists()


@pytest.mark.slow
def test_workers_with_another_kit_are_refused_before_grading(cluster: LocalCluster,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import micrograd

    monkeypatch.setattr(micrograd, "__version__", "0.0.1")
    with pytest.raises(ClusterError, match=r"worker tcp://127\.0\.0\.1:\d+ has micrograd-kit .*, the grader 0\.0\.1"):
        ClusterExecutor(cluster.address, rubric=load_rubric(RUBRIC))


@pytest.mark.slow
def test_a_scheduler_that_goes_away_stops_the_run_and_what_was_graded_is_written(tmp_path: Path) -> None:
    reason = unavailable()
    if reason is not None:
        pytest.skip(reason)
    names = ["correct", "buggy_mul_grad", "correct_last", "helper_modules", "sleep_in_mul"]
    paths = _corpus(tmp_path, names)
    out = tmp_path / "out"
    with LocalCluster(tmp_path / "cluster", workers=1) as doomed:
        executor = ClusterExecutor(doomed.address, rubric=load_rubric(RUBRIC))
        seen: List[str] = []

        def progress(result: SubmissionResult) -> None:
            seen.append(result.student)
            if len(seen) == 1:
                os.killpg(doomed.scheduler.pid, signal.SIGKILL)

        with pytest.raises(ClusterLostError) as lost:
            grade(paths, out, rubric=load_rubric(RUBRIC), limits=LIMITS, progress=progress, executor=executor)
        executor.close()
    assert f"went away ({doomed.address}" not in str(lost.value)  # the scheduler's own address, said once
    assert f"the Dask scheduler at {doomed.address} went away" in str(lost.value)
    assert f": {len(seen)} of 5 submissions were graded (their results are written); not graded: " in str(lost.value)
    assert sorted(lost.value.graded) == sorted(names.index(s) for s in seen) and len(seen) < 5
    rows = (out / "grades.csv").read_text().splitlines()
    assert sorted(row.split(",")[0] for row in rows[1:]) == sorted(seen)
    assert {p.name for p in out.iterdir()} == {*seen, "grades.csv", "report.html", "class.json", "exam.json"}
    deadline = time.monotonic() + 30
    while processes("autograder.cluster._grading") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes("autograder.cluster._grading") == []
