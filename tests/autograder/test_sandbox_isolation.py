"""The uid layer's syscall filter, the IPC sweep, and the ways a sandbox's processes are found (issue 21 items 1 and
5): each layer, with and without what it falls back from."""

from __future__ import annotations

import ast
import os
import socket
from pathlib import Path
from typing import Any, Dict, Iterator

import pytest
from classroom import patched_reference

from autograder.sandbox import Isolation, SandboxEvaluator, available_layers, choose_isolation
from micrograd.program import Op, Program
from micrograd.sandbox import _cgroups, _choice

TANH = Program((0.5,), (Op("tanh", (0,)),), (1,))

PROBE = """
import ctypes, errno, os, socket
def tanh(self):
    report = {{}}
    libc = ctypes.CDLL(None, use_errno=True)
    report["shm"] = libc.shmget({key}, 4096, 0o1600) >= 0 or errno.errorcode[ctypes.get_errno()]
    report["msg"] = libc.msgget({key}, 0o1600) >= 0 or errno.errorcode[ctypes.get_errno()]
    for name, connect in (("tcp", lambda: socket.create_connection(("127.0.0.1", {port}), timeout=2)),
                          ("unix", lambda: socket.socket(socket.AF_UNIX).connect("\\0{unix}"))):
        try:
            connect()
            report[name] = True
        except OSError as error:
            report[name] = errno.errorcode.get(error.errno, str(error.errno))
    raise RuntimeError(repr(report))
Value.tanh = tanh
"""


def _isolation(layer: str) -> Isolation:
    why = available_layers()[layer]
    if why is not None:
        pytest.skip(f"the {layer} layer is not available here: {why}")
    return choose_isolation(layer)


def _sysv(key: int) -> Dict[str, bool]:
    found = {}
    for kind in ("shm", "msg"):
        with open(f"/proc/sysvipc/{kind}") as f:
            found[kind] = any(line.split()[0] == str(key) for line in f.read().splitlines()[1:])
    return found


@pytest.fixture
def servers() -> Iterator[Dict[str, Any]]:
    tcp = socket.create_server(("127.0.0.1", 0))
    unix = socket.socket(socket.AF_UNIX)
    name = f"micrograd-test-{os.getpid()}-{os.urandom(4).hex()}"
    unix.bind("\0" + name)
    unix.listen()
    yield {"port": tcp.getsockname()[1], "unix": name}
    tcp.close()
    unix.close()


def _probe(tmp_path: Path, isolation: Isolation, servers: Dict[str, Any]) -> Dict[str, Any]:
    key = 0x4D000000 + os.getpid() % 0xFFFF
    sub = patched_reference(tmp_path / "sub", PROBE.format(key=key, **servers))
    try:
        with SandboxEvaluator(sub, isolation=isolation) as sandbox:
            outcome = sandbox.evaluate(TANH)
            inside = _sysv(key)  # while the child runs: are its objects in the host's IPC namespace?
        assert outcome.error is not None and outcome.error.type == "RuntimeError", outcome.error
        report = ast.literal_eval(outcome.error.message)
        report["host_while_running"], report["host_after"] = inside, _sysv(key)
        return report
    finally:
        for flag, kind in (("-M", "shm"), ("-Q", "msg")):  # only if the sandbox let one out (then a test failed)
            if _sysv(key)[kind]:
                os.system(f"ipcrm {flag} {key} 2>/dev/null")


def test_the_uid_layer_denies_ipc_and_sockets(tmp_path: Path, servers: Dict[str, Any]) -> None:
    from micrograd.sandbox._seccomp import filter_spec

    if filter_spec()[0] is None:  # the binding comes with the grading extra (pyseccomp)
        pytest.skip(f"the syscall filter cannot be installed here: {filter_spec()[1]}")
    isolation = _isolation("uid")
    assert isolation.filtered, isolation.detail
    report = _probe(tmp_path, isolation, servers)
    assert {k: report[k] for k in ("shm", "msg", "tcp", "unix")} == {k: "EPERM" for k in ("shm", "msg", "tcp", "unix")}
    assert report["host_after"] == {"shm": False, "msg": False}


def test_bwrap_keeps_ipc_and_network_to_itself(tmp_path: Path, servers: Dict[str, Any]) -> None:
    report = _probe(tmp_path, _isolation("bwrap"), servers)
    assert report["shm"] is True and report["msg"] is True  # its own IPC namespace: allowed, and private
    assert report["host_while_running"] == {"shm": False, "msg": False}
    assert report["tcp"] == "ECONNREFUSED" and report["unix"] == "ECONNREFUSED"  # its own (empty) network


@pytest.fixture
def without_filter(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from micrograd.sandbox import _seccomp

    monkeypatch.setattr(_seccomp, "binding_file", lambda python=None: None)
    saved = dict(_choice._available)
    _choice._available.clear()
    yield
    _choice._available.clear()
    _choice._available.update(saved)


def test_a_uid_layer_without_its_filter_says_so_and_sweeps_ipc(tmp_path: Path, servers: Dict[str, Any],
                                                                without_filter: None) -> None:
    isolation = _isolation("uid")
    assert not isolation.filtered and "NO syscall filter (no libseccomp binding" in isolation.describe()
    report = _probe(tmp_path, isolation, servers)
    assert report["shm"] is True and report["host_while_running"] == {"shm": True, "msg": True}  # shared...
    assert report["host_after"] == {"shm": False, "msg": False}  # ... and removed by the sweep


@pytest.mark.parametrize("cgroups", ["on", "off"])
def test_every_run_says_how_its_processes_are_found(cgroups: str, monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    if cgroups == "off":
        monkeypatch.setitem(_cgroups._found, os.getpid(), (None, "turned off"))
    elif _cgroups.cgroup_parent()[0] is None:
        pytest.skip(f"no cgroup for sandboxes here: {_cgroups.cgroup_parent()[1]}")
    monkeypatch.setattr(_choice, "_available", {})
    isolation = _isolation("bwrap")
    assert ("a cgroup of its own" in isolation.describe()) == (cgroups == "on")
    assert "its PID namespace, held open until swept" in isolation.describe()
    sub = patched_reference(tmp_path / "sub", "")
    with SandboxEvaluator(sub, isolation=isolation) as sandbox:
        assert sandbox.evaluate(TANH).ok
        assert (sandbox._cell.cgroup is not None) == (cgroups == "on") and sandbox._cell.namespace is not None
