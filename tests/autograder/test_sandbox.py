"""SandboxEvaluator: the same outcomes as in-process evaluation, and every way a child can misbehave."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from autograder.sandbox import Limits, SandboxEvaluator
from micrograd.impl import LocalEvaluator, reference_dir
from micrograd.program import Const, Op, Outcome, Program
from micrograd.program._module import ModuleOutcome, ModuleProgram

PROGRAMS = [
    Program((2.0, -3.0), (Op("mul", (0, 1)), Op("add", (2, Const(1.5))), Op("tanh", (3,))), (4,)),
    Program((0.5,), (Op("mul", (0, 0)), Op("sub", (Const(1.0), 1)), Op("exp", (2,)), Op("log", (3,))), (4,)),
    Program((1.0, 2.0), (Op("pow", (0, 1)),), (2,)),  # a node exponent: TypeError in a correct engine
    Program((0.0,), (Op("relu", (0,)), Op("div", (1, Const(0.0)))), (2,)),  # ZeroDivisionError
]


def _submission(tmp_path: Path, patch: str, name: str = "sub") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    engine = (reference_dir() / "engine.py").read_text()
    (folder / "engine.py").write_text(engine + "\n" + textwrap.dedent(patch))
    (folder / "nn.py").write_text((reference_dir() / "nn.py").read_text())
    return folder


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize("program", PROGRAMS, ids=range(len(PROGRAMS)))
def test_outcomes_match_in_process_evaluation(program: Program) -> None:
    local = LocalEvaluator(reference_dir())
    with SandboxEvaluator(reference_dir()) as sandbox:
        got = sandbox.evaluate(program)
    want = local.evaluate(program)
    assert isinstance(got, Outcome)
    assert (got.data, got.grad, got.initial_grad) == (want.data, want.grad, want.initial_grad)
    assert (got.error is None) == (want.error is None)
    if want.error is not None:
        assert (got.error.type, got.error.phase, got.error.node) == (want.error.type, want.error.phase, want.error.node)


def test_module_requests_cross_the_pipe() -> None:
    request = ModuleProgram("mlp", 2, (3, 1), tuple(0.1 * i - 0.4 for i in range(13)), ((1.0, -2.0),), ((0.5,),),
                            actions=("forward", "zero_grad", "parameters"))
    with SandboxEvaluator(reference_dir()) as sandbox:
        got = sandbox.evaluate(request)
    want = LocalEvaluator(reference_dir()).evaluate(request)
    assert isinstance(got, ModuleOutcome) and got.ok
    assert got == want


def test_a_hung_request_times_out_and_the_next_one_gets_a_fresh_child(tmp_path: Path) -> None:
    sub = _submission(tmp_path, """
        import signal
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        _tanh = Value.tanh
        def tanh(self):
            while self.data > 0:
                pass
            return _tanh(self)
        Value.tanh = tanh
    """)
    hang = Program((1.0,), (Op("tanh", (0,)),), (1,))
    fine = Program((-1.0,), (Op("tanh", (0,)),), (1,))
    with SandboxEvaluator(sub, Limits(timeout=0.5)) as sandbox:
        first = sandbox.evaluate(hang)
        pid = sandbox._proc.pid if sandbox._proc else None
        second = sandbox.evaluate(fine)
    assert first.error is not None and first.error.type == "Timeout"
    assert "0.5 s" in first.error.message
    assert pid is None or not _alive(pid)
    assert second.ok and sandbox.restarts == 2


def test_a_dying_child_is_a_crash_with_its_exit_code(tmp_path: Path) -> None:
    sub = _submission(tmp_path, """
        import os
        def backward(self):
            os._exit(7)
        Value.backward = backward
    """)
    with SandboxEvaluator(sub) as sandbox:
        outcome = sandbox.evaluate(PROGRAMS[0])
    assert outcome.error is not None and outcome.error.type == "Crash"
    assert "exit code 7" in outcome.error.message


def test_a_spent_budget_answers_at_once(tmp_path: Path) -> None:
    sub = _submission(tmp_path, """
        import time
        def backward(self):
            time.sleep(100)
        Value.backward = backward
    """)
    with SandboxEvaluator(sub, Limits(timeout=0.5, budget=0.6)) as sandbox:
        sandbox.evaluate(PROGRAMS[0])
        outcome = sandbox.evaluate(PROGRAMS[1])
    assert outcome.error is not None and outcome.error.type == "Timeout"
    assert "budget" in outcome.error.message


def test_garbage_on_the_reply_pipe_is_a_crash_not_a_result(tmp_path: Path) -> None:
    sub = _submission(tmp_path, """
        import json, os, sys
        os.write(json.loads(sys.argv[1])["resp"], b'{"ready": true, "engine": null, "nn": null}\\n{"outcome": {"data": "x"}}\\n')
    """)
    with SandboxEvaluator(sub) as sandbox:
        outcome = sandbox.evaluate(PROGRAMS[0])
    assert outcome.error is not None and outcome.error.type == "Crash"
    assert "invalid reply" in outcome.error.message


def test_import_errors_are_reported_without_the_sandbox_path(tmp_path: Path) -> None:
    sub = _submission(tmp_path, "import no_such_module_anywhere\n")
    with SandboxEvaluator(sub) as sandbox:
        report = sandbox.load_report()
    assert report.engine is not None and "no_such_module_anywhere" in report.engine
    assert "micrograd-sandbox" not in report.engine and report.engine.startswith("importing engine.py failed")


def test_the_child_cannot_exceed_its_memory(tmp_path: Path) -> None:
    sub = _submission(tmp_path, """
        def exp(self):
            return bytearray(3 * 1024 ** 3)
        Value.exp = exp
    """)
    program = Program((1.0,), (Op("exp", (0,)),), (1,))
    with SandboxEvaluator(sub, Limits(memory_mb=512)) as sandbox:
        outcome = sandbox.evaluate(program)
    assert outcome.error is not None and outcome.error.type == "MemoryError"


def test_close_kills_forked_processes(tmp_path: Path) -> None:
    sub = _submission(tmp_path, """
        import os, time
        try:
            if os.fork() == 0:
                time.sleep(300)
                os._exit(0)
        except OSError:
            pass
    """)
    sandbox = SandboxEvaluator(sub)
    assert sandbox.evaluate(PROGRAMS[0]).ok
    pid = sandbox._proc.pid  # type: ignore[union-attr]
    children = [int(p) for p in os.listdir("/proc") if p.isdigit() and _ppid(int(p)) == pid]
    sandbox.close()
    assert not _alive(pid) and not any(_alive(c) for c in children)


def _ppid(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().split(")")[-1].split()[1])
    except OSError:
        return -1


@pytest.mark.parametrize("field, value", [("timeout", 0), ("budget", -1.0), ("memory_mb", 10), ("max_processes", -1)])
def test_limits_reject_nonsense(field: str, value: float) -> None:
    with pytest.raises(ValueError, match=field):
        Limits(**{field: value})


def test_a_directory_without_engine_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"engine\.py"):
        SandboxEvaluator(tmp_path)
