"""SandboxEvaluator: the same outcomes as in-process evaluation, and every way a child can misbehave.

Tests named ``..._in_every_layer`` or ``..._isolated`` run in each isolation layer this machine
offers (``none``, ``bwrap``, ``uid``; a layer that is not available is skipped with the reason).
"""

from __future__ import annotations

import os
import signal
import sys
import textwrap
from pathlib import Path
from typing import List

import pytest
from classroom import patched_reference

from autograder.sandbox import Isolation, Limits, SandboxEvaluator, available_layers, choose_isolation
from micrograd.impl import LocalEvaluator, reference_dir
from micrograd.program import Const, ModuleOutcome, ModuleProgram, Op, Outcome, Program

ALL_LAYERS = ["none", "bwrap", "uid"]
ISOLATED = ["bwrap", "uid"]


def _isolation(layer: str) -> Isolation:
    why = available_layers()[layer]
    if why is not None:
        pytest.skip(f"the {layer} layer is not available here: {why}")
    return choose_isolation(layer)


@pytest.fixture(params=ALL_LAYERS)
def any_layer(request: pytest.FixtureRequest) -> Isolation:
    return _isolation(request.param)


@pytest.fixture(params=ISOLATED)
def isolated(request: pytest.FixtureRequest) -> Isolation:
    return _isolation(request.param)

PROGRAMS = [
    Program((2.0, -3.0), (Op("mul", (0, 1)), Op("add", (2, Const(1.5))), Op("tanh", (3,))), (4,)),
    Program((0.5,), (Op("mul", (0, 0)), Op("sub", (Const(1.0), 1)), Op("exp", (2,)), Op("log", (3,))), (4,)),
    Program((1.0, 2.0), (Op("pow", (0, 1)),), (2,)),  # a node exponent: TypeError in a correct engine
    Program((0.0,), (Op("relu", (0,)), Op("div", (1, Const(0.0)))), (2,)),  # ZeroDivisionError
]


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
    sub = patched_reference(tmp_path / "sub", """
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
        pid = sandbox._cell.proc.pid if sandbox._cell.proc else None
        second = sandbox.evaluate(fine)
    assert first.error is not None and first.error.type == "Timeout"
    assert "0.5 s" in first.error.message
    assert pid is None or not _alive(pid)
    assert second.ok and sandbox.restarts == 2


def test_a_dying_child_is_a_crash_with_its_exit_code(tmp_path: Path) -> None:
    sub = patched_reference(tmp_path / "sub", """
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
    sub = patched_reference(tmp_path / "sub", """
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
    sub = patched_reference(tmp_path / "sub", """
        import json, os, sys
        reply = json.loads(sys.argv[1])["resp"]
        os.write(reply, b'{"ready": true, "engine": null, "nn": null}\\n{"outcome": {"data": "x"}}\\n')
    """)
    with SandboxEvaluator(sub) as sandbox:
        outcome = sandbox.evaluate(PROGRAMS[0])
    assert outcome.error is not None and outcome.error.type == "Crash"
    assert "invalid reply" in outcome.error.message


def test_import_errors_are_reported_without_the_sandbox_path(tmp_path: Path) -> None:
    sub = patched_reference(tmp_path / "sub", "import no_such_module_anywhere\n")
    with SandboxEvaluator(sub) as sandbox:
        report = sandbox.load_report()
    assert report.engine is not None and "no_such_module_anywhere" in report.engine
    assert "micrograd-sandbox" not in report.engine and report.engine.startswith("importing engine.py failed")


def test_the_child_cannot_exceed_its_memory(tmp_path: Path) -> None:
    sub = patched_reference(tmp_path / "sub", """
        def exp(self):
            return bytearray(3 * 1024 ** 3)
        Value.exp = exp
    """)
    program = Program((1.0,), (Op("exp", (0,)),), (1,))
    with SandboxEvaluator(sub, Limits(memory_mb=512)) as sandbox:
        outcome = sandbox.evaluate(program)
    assert outcome.error is not None and outcome.error.type == "MemoryError"


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


def _raise_in_tanh(tmp_path: Path, body: str, name: str = "sub") -> Path:
    """A submission whose tanh runs ``body`` (which sets ``report``) and raises it: a way to look inside."""
    code = "def tanh(self):\n" + textwrap.indent(textwrap.dedent(body), "    ")
    code += "    raise RuntimeError(repr(report))\n"
    return patched_reference(tmp_path / name, code + "Value.tanh = tanh\n")


TANH = Program((0.5,), (Op("tanh", (0,)),), (1,))


def _report(sandbox: SandboxEvaluator) -> object:
    import ast

    outcome = sandbox.evaluate(TANH)
    assert outcome.error is not None and outcome.error.type == "RuntimeError", outcome.error
    return ast.literal_eval(outcome.error.message)


@pytest.mark.parametrize("program", PROGRAMS[:2], ids=range(2))
def test_every_layer_gives_the_same_outcomes(any_layer: Isolation, program: Program) -> None:
    request = ModuleProgram("mlp", 2, (3, 1), tuple(0.1 * i - 0.4 for i in range(13)), ((1.0, -2.0),), ((0.5,),),
                            actions=("forward", "step"))
    with SandboxEvaluator(reference_dir(), isolation=any_layer) as sandbox:
        got, module = sandbox.evaluate(program), sandbox.evaluate(request)
    local = LocalEvaluator(reference_dir())
    assert got == local.evaluate(program)
    assert module.ok and module == local.evaluate(request)


def test_the_standard_library_is_there_in_every_layer(any_layer: Isolation, tmp_path: Path) -> None:
    modules = ["glob", "pickle", "ctypes", "decimal", "json", "random", "statistics", "hashlib", "zlib",
               "fractions", "textwrap", "itertools", "functools", "collections", "dataclasses", "typing"]
    sub = _raise_in_tanh(tmp_path, f"""
        import importlib
        report = []
        for name in {modules!r}:
            try:
                importlib.import_module(name)
            except Exception as error:
                report.append((name, repr(error)))
    """)
    with SandboxEvaluator(sub, isolation=any_layer) as sandbox:
        assert _report(sandbox) == []


def test_helper_modules_load_in_every_layer(any_layer: Isolation, tmp_path: Path) -> None:
    sub = patched_reference(tmp_path / "sub", """
        from derivs import tanh_grad
        from .derivs import KIND
        import tools.extra
        _tanh = Value.tanh
        def tanh(self):
            out = _tanh(self)
            assert tanh_grad(out.data) == 1 - out.data ** 2 and KIND == "helper" and tools.extra.ENGINE is Value
            return out
        Value.tanh = tanh
    """)
    (sub / "derivs.py").write_text("KIND = 'helper'\n\ndef tanh_grad(t):\n    return 1 - t ** 2\n")
    (sub / "tools").mkdir()
    (sub / "tools" / "__init__.py").write_text("")
    (sub / "tools" / "extra.py").write_text("from engine import Value as ENGINE\n")
    with SandboxEvaluator(sub, isolation=any_layer) as sandbox:
        assert sandbox.load_report() == sandbox.load_report() and sandbox.load_report().engine_ok
        assert sandbox.evaluate(TANH) == LocalEvaluator(reference_dir()).evaluate(TANH)


def test_the_child_is_a_sandbox_uid_that_cannot_fork_or_come_back(isolated: Isolation, tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("a grader that is not root runs submissions as itself")
    sub = _raise_in_tanh(tmp_path, """
        import os
        report = {"ids": (os.getuid(), os.getgid(), os.getgroups())}
        try:
            pid = os.fork()
            if pid == 0:
                os._exit(0)
            report["fork"] = "forked"
        except OSError as error:
            report["fork"] = type(error).__name__
        try:
            os.setuid(0)
            report["root"] = "regained"
        except OSError as error:
            report["root"] = type(error).__name__
        report["nnp"] = []
        if os.path.exists("/proc/self/status"):
            with open("/proc/self/status") as f:
                report["nnp"] = [line.split()[1] for line in f if line.startswith("NoNewPrivs")]
    """)
    with SandboxEvaluator(sub, isolation=isolated) as sandbox:
        report = _report(sandbox)
        uid = sandbox._cell.ids.uid if sandbox._cell.ids else None
    assert isinstance(report, dict)
    assert report["ids"] == (uid, uid, []) and uid is not None and uid >= 1000
    assert report["fork"] == "BlockingIOError" and report["root"] == "PermissionError"
    assert report["nnp"] in (["1"], [])  # the uid layer has no /proc; NoNewPrivs is checked by the child itself


def test_nothing_of_the_grader_is_in_view_isolated(isolated: Isolation, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import sysconfig

    from micrograd._paths import package_dir

    monkeypatch.setenv("MICROGRAD_TEST_SECRET", "grader-secret-3141")
    other = patched_reference(tmp_path / "other", "# another student's work\n")
    reference = str(reference_dir())
    paths = [f"{reference}/engine.py", f"{package_dir()}/engine.py", f"{package_dir()}/impl/_loader.py",
             f"{sysconfig.get_paths()['purelib']}", f"{other}/engine.py", f"/proc/1/root{reference}/engine.py",
             "/proc/1/environ", "/usr/lib/python3/dist-packages",
             f"/usr/local/lib/python3.{sys.version_info[1]}/dist-packages"]
    sub = _raise_in_tanh(tmp_path, f"""
        import importlib, os, sys
        report = {{"env": sorted(k for k in os.environ if "SECRET" in k)}}
        for i, path in enumerate({paths!r}):
            try:
                report[i] = "read" if os.path.isfile(path) and open(path, "rb").read(1) is not None else (
                    "listed" if os.listdir(path) else "empty")
            except OSError as error:
                report[i] = type(error).__name__
        sys.path[:0] = [{sysconfig.get_paths()['purelib']!r}, {str(package_dir().parent)!r}]
        for name in [m for m in sys.modules if m == "micrograd" or m.startswith("micrograd.")]:
            del sys.modules[name]
        for name in ("micrograd.engine", "micrograd" + ".nn", "micrograd.check", "autograder", "hypothesis"):
            try:
                importlib.import_module(name)
                report[name] = "imported"
            except ImportError as error:
                report[name] = type(error).__name__
    """, "attacker")
    with SandboxEvaluator(sub, isolation=isolated) as sandbox:
        report = _report(sandbox)
    assert isinstance(report, dict)
    assert report.pop("env") == []
    assert "read" not in report.values() and "listed" not in report.values() and "imported" not in report.values()
    assert report["micrograd.engine"] == "ModuleNotFoundError"


def test_a_symlink_out_of_the_submission_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "linked"
    folder.mkdir()
    (folder / "engine.py").symlink_to(reference_dir() / "engine.py")
    (folder / "nn.py").write_text("")
    with pytest.raises(ValueError, match=r"engine\.py is a symbolic link .* outside the submission"):
        SandboxEvaluator(folder)
    inside = tmp_path / "inside"
    inside.mkdir()
    (inside / "real_engine.py").write_text((reference_dir() / "engine.py").read_text())
    (inside / "engine.py").symlink_to(inside / "real_engine.py")
    (inside / "nn.py").write_text((reference_dir() / "nn.py").read_text())
    with SandboxEvaluator(inside) as sandbox:
        assert sandbox.evaluate(PROGRAMS[0]).ok


def test_writable_places_are_private_and_vanish_isolated(isolated: Isolation, tmp_path: Path) -> None:
    name = f"micrograd-test-private-{os.getpid()}"
    writer = _raise_in_tanh(tmp_path, f"""
        import os
        report = []
        for folder in ("/tmp", "/dev/shm", os.getcwd()):
            with open(os.path.join(folder, {name!r}), "w") as f:
                f.write("left behind")
            report.append(folder)
    """, "writer")
    reader = _raise_in_tanh(tmp_path, f"""
        import os
        report = [folder for folder in ("/tmp", "/dev/shm", "/var/tmp", os.getcwd())
                  if os.path.exists(os.path.join(folder, {name!r}))]
    """, "reader")
    with SandboxEvaluator(writer, isolation=isolated) as first:
        assert len(_report(first)) == 3
        with SandboxEvaluator(reader, isolation=isolated) as second:
            assert _report(second) == []
        assert _report(first) == ["/tmp", "/dev/shm", "/sandbox/work"]  # a fresh child starts clean: then writes
    for folder in ("/tmp", "/dev/shm", "/var/tmp"):
        assert not os.path.exists(os.path.join(folder, name))


def test_the_child_cannot_signal_the_grader_isolated(isolated: Isolation, tmp_path: Path) -> None:
    sub = _raise_in_tanh(tmp_path, """
        import os, signal
        report = []
        for pid in [os.getppid(), 1] + list(range(2, 4096)):
            for sig in (signal.SIGSTOP, signal.SIGKILL):
                try:
                    if pid != os.getpid():
                        os.kill(pid, sig)
                        report.append(pid)
                except OSError:
                    pass
        try:
            os.kill(-1, signal.SIGKILL)
        except OSError:
            pass
    """)
    with SandboxEvaluator(sub, isolation=isolated) as sandbox:
        signalled = _report(sandbox)
        assert sandbox.evaluate(PROGRAMS[1]).ok  # the same child still answers: nothing it hit was the grader
    assert isinstance(signalled, list) and set(signalled) <= {1}  # at most its namespace's init, which ignores it


def _processes_in(namespace: int) -> List[int]:
    found = []
    for name in os.listdir("/proc"):
        try:
            if name.isdigit() and os.stat(f"/proc/{name}/ns/pid").st_ino == namespace and _alive(int(name)):
                found.append(int(name))
        except OSError:
            continue
    return found


def _processes_of(uid: int) -> List[int]:
    found = []
    for name in os.listdir("/proc"):
        try:
            with open(f"/proc/{name}/status") as f:
                uids = next(line for line in f if line.startswith("Uid:")).split()[1:4]
            if str(uid) in uids and _alive(int(name)):
                found.append(int(name))
        except (OSError, StopIteration, ValueError):
            continue
    return found


def test_close_kills_every_process_in_every_layer(any_layer: Isolation, tmp_path: Path) -> None:
    sub = patched_reference(tmp_path / "sub", """
        import os, time
        first = os.fork()
        if first == 0:
            os.setsid()
            if os.fork() == 0:
                time.sleep(300)
            os._exit(0)
        os.waitpid(first, 0)  # its child is an orphan in a session of its own before the import ends
        if os.fork() == 0:
            time.sleep(300)
            os._exit(0)
    """)
    sandbox = SandboxEvaluator(sub, Limits(max_processes=16), isolation=any_layer)
    assert sandbox.evaluate(PROGRAMS[0]).ok
    pid = sandbox._cell.python_pid()
    assert pid is not None
    uid = sandbox._cell.ids.uid if sandbox._cell.ids else None
    held = os.open(f"/proc/{pid}/ns/pid", os.O_RDONLY)  # held: its inode number stays its own until closed
    try:
        namespace = os.fstat(held).st_ino if any_layer.layer == "bwrap" else None
        children = [int(p) for p in os.listdir("/proc") if p.isdigit() and _ppid(int(p)) == pid]
        assert children, "the submission's processes were not started"
        sandbox.close()
        assert [p for p in [pid, *children] if _alive(p)] == []
        if namespace is not None:
            assert _processes_in(namespace) == []
    finally:
        os.close(held)
    if uid is not None:
        assert _processes_of(uid) == []
    cgroup = sandbox._cell.cgroup
    assert cgroup is None or not cgroup.path.exists()  # removed once empty


def test_a_timeout_says_which_line_was_running(tmp_path: Path) -> None:
    sub = patched_reference(tmp_path / "sub", """
        def spin(self):
            while True:
                pass
        Value.tanh = spin
    """)
    line = (sub / "engine.py").read_text().splitlines().index("    while True:") + 1
    with SandboxEvaluator(sub, Limits(timeout=0.5)) as sandbox:
        outcome = sandbox.evaluate(TANH)
    assert outcome.error is not None and outcome.error.type == "Timeout"
    assert any(f"it was running engine.py:{n} (spin)" in outcome.error.message for n in (line, line + 1))  # the loop


def test_strings_from_the_child_are_cut(tmp_path: Path) -> None:
    sub = patched_reference(tmp_path / "sub", """
        class Boom(Exception):
            pass
        Boom.__name__ = "B" * 100_000
        def raiser(self):
            raise Boom("m" * 5_000_000)
        Value.tanh = type(raiser)(raiser.__code__.replace(co_name="f" * 5_000_000), globals())
    """)
    with SandboxEvaluator(sub) as sandbox:
        outcome = sandbox.evaluate(TANH)
    error = outcome.error
    assert error is not None and error.phase == "build"
    assert len(error.type) <= 1000 and len(error.message) <= 1000 and len(error.location) <= 1000
    assert error.location.startswith("engine.py:") and "characters cut" in error.location


def test_an_interrupted_request_kills_the_child_and_reraises_at_the_students_line(tmp_path: Path) -> None:
    sub = patched_reference(tmp_path / "sub", """
        def spin(self):
            while True:
                pass
        Value.tanh = spin
    """)

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError("the caller's limit")

    previous = signal.signal(signal.SIGALRM, expire)
    try:
        with SandboxEvaluator(sub) as sandbox:
            assert sandbox.load_report().engine_ok  # imported: the time limit interrupts the request, not the import
            signal.setitimer(signal.ITIMER_REAL, 0.5)
            with pytest.raises(TimeoutError) as raised:
                sandbox.evaluate(TANH)
            assert sandbox._cell.proc is None
            assert sandbox.evaluate(PROGRAMS[1]).ok  # a fresh child
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    frames = __import__("traceback").extract_tb(raised.value.__traceback__)
    assert (Path(frames[-1].filename).name, frames[-1].name) == ("engine.py", "spin")


_HANGS_AT_SEVEN = """
    _mul = Value.__mul__


    def _hanging_mul(self, other):
        if other == 7.0:
            while True:
                pass
        return _mul(self, other)


    Value.__mul__ = _hanging_mul
"""


def _times(factor: float) -> Program:
    return Program((1.5,), (Op("mul", (0, Const(factor))),))


def test_requests_sent_ahead_are_answered_in_order_without_a_round_trip_each(tmp_path: Path) -> None:
    """A judge sends a property's remaining examples ahead (no round trip each): evaluate() of the same objects,
    in order, takes their answers, each the one the request alone gets."""
    programs = [_times(float(k)) for k in range(1, 6)]
    alone = LocalEvaluator(reference_dir())
    with SandboxEvaluator(reference_dir(), Limits(timeout=20.0), isolation=choose_isolation("none")) as sandbox:
        sandbox.load_report()
        sandbox.ahead(programs)
        assert sandbox.in_flight == len(programs)  # all sent before any answer is asked for
        got = [sandbox.evaluate(p) for p in programs]
        assert sandbox.in_flight == 0
    assert [g.data for g in got] == [alone.evaluate(p).data for p in programs]


def test_what_nobody_asked_for_is_dropped_without_waiting_for_it(tmp_path: Path) -> None:
    """A property that fails at its second example leaves its later examples unasked; one of them hangs: dropping
    them stops the child at once, and the next request (another property's) runs on a fresh one, within its
    own time limit, not behind the hang."""
    import time

    submission = patched_reference(tmp_path / "hangs", _HANGS_AT_SEVEN)
    with SandboxEvaluator(submission, Limits(timeout=20.0), isolation=choose_isolation("none")) as sandbox:
        sandbox.load_report()
        first, second, hang = _times(2.0), _times(3.0), _times(7.0)
        assert sandbox.evaluate(first).ok
        start = time.monotonic()
        sandbox.ahead([second, hang])
        assert sandbox.evaluate(second).ok  # its answer does not wait behind the hang
        sandbox.drop_ahead()
        outcome = sandbox.evaluate(_times(4.0))
        assert outcome.ok and outcome.data[-1] == 6.0
        assert time.monotonic() - start < 10.0  # not the hang's 20 s limit
