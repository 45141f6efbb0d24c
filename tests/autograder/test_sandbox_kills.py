"""What a sandboxed child says when it goes: a kill from outside is retried, never blamed on the submission (issue 17
item 7, contract 2 of the team plan); what the submission printed travels with its failure, and the request whose
time limit hit is known (issue 17 item 4); the answers kept for the caller are bounded (issue 21 item 7)."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path
from typing import List

import pytest
from classroom import patched_reference

from autograder.sandbox import Isolation, Limits, SandboxEvaluator, available_layers, choose_isolation
from micrograd.program import Op, Program

TANH = Program((0.5,), (Op("tanh", (0,)),), (1,))
ADD = Program((1.0, 2.0), (Op("add", (0, 1)),), (2,))


@pytest.fixture(params=["none", "bwrap", "uid"])
def layer(request: pytest.FixtureRequest) -> Isolation:
    why = available_layers()[request.param]
    if why is not None:
        pytest.skip(f"the {request.param} layer is not available here: {why}")
    return choose_isolation(request.param)


class Killer(threading.Thread):
    """Kills (SIGKILL, from this test process: from outside the submission) each new child of ``sandbox`` once it
    has run ``after`` seconds, ``times`` children in all."""

    def __init__(self, sandbox: SandboxEvaluator, times: int, after: float = 0.3) -> None:
        super().__init__(daemon=True)
        self.sandbox, self.times, self.after = sandbox, times, after
        self.killed: List[int] = []
        self.stop = False

    def run(self) -> None:
        seen = None
        while len(self.killed) < self.times and not self.stop:
            pid = self.sandbox._cell.python_pid()
            if pid is not None and pid != seen:
                seen = pid
                time.sleep(self.after)
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    continue
                self.killed.append(pid)
            time.sleep(0.01)


def _slow_tanh(tmp_path: Path) -> Path:
    return patched_reference(tmp_path / "sub", """
        import time
        _tanh = Value.tanh
        def tanh(self):
            time.sleep(1.5)
            return _tanh(self)
        Value.tanh = tanh
    """)


def test_a_child_killed_from_outside_is_started_again_and_answers(layer: Isolation, tmp_path: Path) -> None:
    with SandboxEvaluator(_slow_tanh(tmp_path), Limits(timeout=20), isolation=layer) as sandbox:
        assert sandbox.load_report().engine_ok
        killer = Killer(sandbox, times=1)
        killer.start()
        outcome = sandbox.evaluate(TANH)
        killer.join(5)
        assert len(killer.killed) == 1
        assert outcome.ok, outcome.error
        assert sandbox.restarts == 2  # the first child, and the one started again after the kill


def test_a_batch_in_flight_is_sent_again_after_a_kill(tmp_path: Path) -> None:
    with SandboxEvaluator(_slow_tanh(tmp_path), Limits(timeout=20)) as sandbox:
        sandbox.load_report()
        killer = Killer(sandbox, times=1, after=0.2)
        killer.start()
        tickets = sandbox.submit([ADD, TANH, ADD, TANH])
        outcomes = [sandbox.result(t) for t in tickets]
        killer.join(5)
    assert len(killer.killed) == 1
    assert all(o is not None and o.ok for o in outcomes), outcomes


def test_killed_from_outside_twice_is_interrupted_not_the_students_fault(layer: Isolation, tmp_path: Path) -> None:
    with SandboxEvaluator(_slow_tanh(tmp_path), Limits(timeout=20), isolation=layer) as sandbox:
        assert sandbox.load_report().engine_ok
        killer = Killer(sandbox, times=2)
        killer.start()
        outcome = sandbox.evaluate(TANH)
        killer.stop = True
        killer.join(5)
        assert outcome.error is not None and outcome.error.type == "Interrupted", outcome.error
        assert "killed from outside the submission" in outcome.error.message
        assert "SIGKILL" in outcome.error.message and "not the submission's doing" in outcome.error.message
        assert sandbox.evaluate(TANH).ok  # the next request gets a fresh child


def test_a_child_killed_while_importing_is_started_again(tmp_path: Path) -> None:
    sub = patched_reference(tmp_path / "sub", "import time\ntime.sleep(1.5)\n")
    sandbox = SandboxEvaluator(sub, Limits(timeout=20))
    try:
        sandbox.start()
        killer = Killer(sandbox, times=1, after=0.2)
        killer.start()
        report = sandbox.load_report()
        killer.join(5)
        assert len(killer.killed) == 1
        assert report.engine_ok and report.failure is None
        assert sandbox.evaluate(ADD).ok
    finally:
        sandbox.close()


@pytest.mark.parametrize("how", ["os.kill(os.getpid(), signal.SIGKILL)", "signal.raise_signal(signal.SIGTERM)",
                                 "os.killpg(0, signal.SIGKILL)"])
def test_a_child_that_kills_itself_crashed_by_its_own_doing(tmp_path: Path, how: str) -> None:
    sub = patched_reference(tmp_path / "sub", f"""
        import os, signal
        def tanh(self):
            {how}
        Value.tanh = tanh
    """)
    with SandboxEvaluator(sub) as sandbox:
        outcome = sandbox.evaluate(TANH)
        assert outcome.error is not None and outcome.error.type == "Crash", outcome.error
        assert "killed by SIG" in outcome.error.message
        assert sandbox.restarts == 1  # not started again: its own doing


def test_a_segfault_is_the_submissions_own_crash(tmp_path: Path) -> None:
    sub = patched_reference(tmp_path / "sub", """
        import ctypes
        def tanh(self):
            return ctypes.string_at(0)
        Value.tanh = tanh
    """)
    with SandboxEvaluator(sub) as sandbox:
        outcome = sandbox.evaluate(TANH)
    assert outcome.error is not None and outcome.error.type == "Crash" and "SIGSEGV" in outcome.error.message


def test_what_a_failing_request_printed_comes_with_its_failure(layer: Isolation, tmp_path: Path) -> None:
    sub = patched_reference(tmp_path / "sub", """
        import sys
        def tanh(self):
            print("debugging tanh of", self.data)
            print("x" * 5000)
            print("the last words", file=sys.stderr)
            raise ValueError("broken tanh")
        _add = Value.__add__
        def add(self, other):
            print("adding")
            return _add(self, other)
        Value.tanh, Value.__add__ = tanh, add
    """)
    with SandboxEvaluator(sub, isolation=layer) as sandbox:
        failing, passing = sandbox.evaluate(TANH), sandbox.evaluate(ADD)
    assert failing.error is not None and failing.error.type == "ValueError"
    assert failing.error.output.rstrip().endswith("the last words")
    assert "characters before these cut" in failing.error.output and len(failing.error.output) <= 1000
    assert passing.ok and passing.error is None  # printed output travels with failures only


def test_a_timeout_says_what_was_printed_and_which_request_was_running(tmp_path: Path) -> None:
    sub = patched_reference(tmp_path / "sub", """
        def tanh(self):
            print("starting the loop on", self.data)
            while True:
                pass
        Value.tanh = tanh
    """)
    with SandboxEvaluator(sub, Limits(timeout=1.0)) as sandbox:
        tickets = sandbox.submit([ADD, TANH, ADD])
        outcomes = [sandbox.result(t) for t in tickets]
        assert sandbox.timed_out == tickets[1]
    assert outcomes[0] is not None and outcomes[0].ok
    assert outcomes[1] is not None and outcomes[1].error is not None and outcomes[1].error.type == "Timeout"
    assert "starting the loop on 0.5" in outcomes[1].error.output
    assert outcomes[2] is None  # not run: the child went with it


def test_a_missing_package_says_the_sandbox_has_the_standard_library_only(layer: Isolation, tmp_path: Path) -> None:
    sub = patched_reference(tmp_path / "sub", "print('loading my engine')\nimport numpy\n")
    with SandboxEvaluator(sub, isolation=layer) as sandbox:
        report = sandbox.load_report()
    assert report.engine is not None and "No module named 'numpy'" in report.engine
    assert "standard library only" in report.engine
    assert report.output.strip() == "loading my engine"


def test_a_package_imported_at_run_time_says_so_too(tmp_path: Path) -> None:
    sub = patched_reference(tmp_path / "sub", """
        def tanh(self):
            import torch
            return torch.tanh(self.data)
        Value.tanh = tanh
    """)
    with SandboxEvaluator(sub) as sandbox:
        outcome = sandbox.evaluate(TANH)
    assert outcome.error is not None and outcome.error.type == "ModuleNotFoundError"
    assert "standard library only" in outcome.error.message


def test_answers_piling_up_unread_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    from micrograd.impl import reference_dir
    from micrograd.program import Const

    evaluator = importlib.import_module("micrograd.sandbox._evaluator")
    chain = Program((0.5,), tuple(Op("add", (i, Const(1.0))) for i in range(10_000)), (10_000,))
    with SandboxEvaluator(reference_dir()) as sandbox:
        assert sandbox.evaluate(chain).ok
        size = sandbox._last_size  # the bytes of its answer
        assert size > 2 * 8 * 10_000  # data and grad of every node
        monkeypatch.setattr(evaluator, "_MAX_KEPT", int(2.5 * size))
        tickets = sandbox.submit([chain] * 6)
        last = sandbox.result(tickets[-1])  # asked first: the answers before it are read and kept meanwhile
        kept = [sandbox.result(t) for t in tickets[:-1]]
    assert last is None
    assert [o is not None and o.ok for o in kept[:2]] == [True, True]  # two answers fit
    crashed = kept[2]
    assert crashed is not None and crashed.error is not None and "MiB of answers" in crashed.error.message
    assert kept[3:] == [None, None]  # not kept: the child was stopped there


def test_the_writable_places_of_a_root_bwrap_sandbox_have_an_inode_cap(tmp_path: Path) -> None:
    if os.geteuid() != 0 or available_layers()["bwrap"] is not None:
        pytest.skip("the inode cap needs bwrap started by root")
    sub = patched_reference(tmp_path / "sub", """
        import os
        def tanh(self):
            report = {}
            for folder in ("/tmp", "/dev/shm", "."):  # "." : the working directory, as a relative path
                made = 0
                try:
                    for i in range(1000):
                        open(os.path.join(folder, f"f{i}"), "w").close()
                        made += 1
                except OSError as error:
                    report[folder] = (made, error.errno)
                else:
                    report[folder] = (made, None)
            with open("/proc/self/status") as f:
                report["caps"] = [line.split()[1] for line in f if line.startswith(("CapEff", "CapPrm"))]
            raise RuntimeError(repr(report))
        Value.tanh = tanh
    """)
    import ast
    import errno

    with SandboxEvaluator(sub, Limits(inodes=100), isolation=choose_isolation("bwrap")) as sandbox:
        outcome = sandbox.evaluate(TANH)
    assert outcome.error is not None and outcome.error.type == "RuntimeError", outcome.error
    report = ast.literal_eval(outcome.error.message)
    assert report.pop("caps") == ["0000000000000000", "0000000000000000"]  # no capability left after mounting
    assert report == {folder: (99, errno.ENOSPC) for folder in ("/tmp", "/dev/shm", ".")}


@pytest.mark.parametrize("code, bwrap, own, cpu, expected", [
    (-signal.SIGSEGV, False, None, False, None),  # a fault of its own
    (128 + signal.SIGABRT, True, None, False, None),  # bwrap says 128 + N
    (-signal.SIGXCPU, False, None, False, None),  # its CPU limit
    (-signal.SIGKILL, False, None, True, None),  # SIGKILL once its CPU seconds are spent: that limit too
    (-signal.SIGKILL, False, signal.SIGKILL, False, None),  # it said it would kill itself
    (3, False, None, False, None),  # it exited
    (128 + 3, False, None, False, None),  # a plain process exiting 131 is an exit, not a signal
    (-signal.SIGKILL, False, None, False, "SIGKILL, sent by another program"),
    (128 + signal.SIGTERM, True, None, False, "SIGTERM, sent by another program"),
    (-signal.SIGHUP, False, signal.SIGKILL, False, "SIGHUP, sent by another program"),  # not the one it announced
])
def test_which_deaths_come_from_outside(code: int, bwrap: bool, own: object, cpu: bool, expected: object) -> None:
    from micrograd.sandbox._exits import outside_reason

    found = outside_reason(code, bwrap=bwrap, started=True, own_signal=own, cpu_spent=cpu, oom_before=None)
    assert found == expected or (expected is not None and found is not None and found.startswith(str(expected)))


def test_a_sandbox_that_never_started_the_child_is_not_the_submissions_doing() -> None:
    from micrograd.sandbox._exits import outside_reason

    assert outside_reason(1, bwrap=True, started=False, own_signal=None, cpu_spent=False, oom_before=None) == (
        "the sandbox itself, which failed to start the child")


def test_an_oom_kill_meanwhile_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    from micrograd.sandbox import _exits

    monkeypatch.setattr(_exits, "oom_kills", lambda: 8)
    found = _exits.outside_reason(-signal.SIGKILL, bwrap=False, started=True, own_signal=None, cpu_spent=False,
                                  oom_before=7)
    assert found is not None and "out-of-memory killer" in found


def test_an_import_interrupted_by_the_caller_stops_the_child(tmp_path: Path) -> None:
    sub = patched_reference(tmp_path / "sub", "import time\ntime.sleep(1.0)\n")

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError("the caller's limit")

    previous = signal.signal(signal.SIGALRM, expire)
    try:
        with SandboxEvaluator(sub) as sandbox:
            signal.setitimer(signal.ITIMER_REAL, 0.3)
            with pytest.raises(TimeoutError):
                sandbox.load_report()
            signal.setitimer(signal.ITIMER_REAL, 0)
            assert sandbox._cell.proc is None  # not left importing on its own
            assert sandbox.evaluate(ADD).ok  # a fresh child
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
