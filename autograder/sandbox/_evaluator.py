"""SandboxEvaluator: a submission runs in a fresh, limited child process; the parent only reads numbers."""

from __future__ import annotations

import json
import math
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Optional

from autograder.sandbox import _procs
from autograder.sandbox._limits import Limits
from autograder.sandbox._protocol import encode_request, outcome_class
from micrograd.program import Failure

__all__ = ["LoadReport", "SandboxEvaluator"]

_MAX_REPLY = 8 * 1024 * 1024
_POLL = 0.05


@dataclass(frozen=True)
class LoadReport:
    """What happened when the child imported the submission.

    ``engine``/``nn``: the ImplementationError message for that file, or None if it loaded;
    ``failure``: set when the child itself died or hung while importing (then nothing loaded).
    """

    engine: Optional[str] = None
    nn: Optional[str] = None
    failure: Optional[Failure] = None

    @property
    def engine_ok(self) -> bool:
        return self.failure is None and self.engine is None


class _ChildGoneError(Exception):
    def __init__(self, failure: Failure) -> None:
        super().__init__(str(failure))
        self.failure = failure


def _environment(home: str) -> Dict[str, str]:
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "HOME": home,
        "TMPDIR": home,
    }
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = "1"
    return env


def _exit_reason(code: Optional[int]) -> str:
    if code is None:
        return "the process stopped answering"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        extra = {
            "SIGXCPU": " (CPU time limit)",
            "SIGSEGV": " (segmentation fault)",
            "SIGKILL": " (killed, e.g. out of memory)",
            "SIGXFSZ": " (file size limit)",
        }.get(name, "")
        return f"the process was killed by {name}{extra}"
    return f"the process exited with exit code {code}"


class SandboxEvaluator:
    """An Evaluator running a submission (a directory with engine.py and nn.py) in a child process.

    Each request travels as one JSON line on a dedicated pipe; the reply is rebuilt with the
    outcome class's validating ``from_dict``. A request over ``limits.timeout`` seconds, or
    any request once ``limits.budget`` is spent, gives an outcome with ``Failure("Timeout", ...)``;
    a child that dies gives ``Failure("Crash", ...)``. After either, the next request starts a
    fresh child. Use as a context manager, or call :meth:`close`: it kills every process the
    submission started.
    """

    def __init__(self, path: str | Path, limits: Optional[Limits] = None) -> None:
        source = Path(path)
        if not (source / "engine.py").is_file():
            raise ValueError(f"{path}: not a submission directory (it needs engine.py and nn.py)")
        self.limits = limits or Limits()
        self.name = f"sandbox:{source.name}"
        self.spent = 0.0
        self.restarts = 0
        self._root = Path(tempfile.mkdtemp(prefix="micrograd-sandbox-"))
        self._submission = self._root / "submission"
        self._submission.mkdir()
        for file in ("engine.py", "nn.py"):
            if (source / file).is_file():
                shutil.copyfile(source / file, self._submission / file)
        self._proc: Optional[subprocess.Popen] = None
        self._send_fd = -1
        self._recv_fd = -1
        self._buffer = b""
        self._load: Optional[LoadReport] = None

    # lifecycle

    def __enter__(self) -> SandboxEvaluator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Kill the child and everything it started; remove the temporary directory."""
        self._stop()
        shutil.rmtree(self._root, ignore_errors=True)

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 (never raise from a finalizer)
            pass

    @property
    def remaining(self) -> float:
        return max(0.0, self.limits.budget - self.spent)

    def load_report(self) -> LoadReport:
        """Start the child if needed and say what importing the submission gave."""
        if self._load is None or (self._proc is None and self._load.failure is None):
            self._start()
        assert self._load is not None
        return self._load

    def _start(self) -> None:
        self._stop()
        work = self._root / "work"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        limits = {
            "memory_mb": self.limits.memory_mb,
            "cpu_seconds": max(1, math.ceil(self.remaining) + 1),
            "file_size_mb": self.limits.file_size_mb,
            "max_processes": self.limits.max_processes,
        }
        command = [
            sys.executable, "-I", "-B", "-m", "autograder.sandbox._child",
            str(req_r), str(resp_w), str(self._submission), json.dumps(limits),
        ]
        try:
            self._proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd=work,
                env=_environment(str(work)),
                start_new_session=True,
                pass_fds=(req_r, resp_w),
                close_fds=True,
            )
        finally:
            os.close(req_r)
            os.close(resp_w)
        _procs.register_child(self._proc.pid)
        self._send_fd, self._recv_fd, self._buffer = req_w, resp_r, b""
        self.restarts += 1
        started = time.monotonic()
        try:
            message = self._read(min(self.limits.timeout + self.limits.startup, self.remaining), "importing")
        except _ChildGoneError as gone:
            self._load = LoadReport(failure=gone.failure)
            self._stop()
            return
        finally:
            self.spent += time.monotonic() - started
        engine, nn = message.get("engine"), message.get("nn")
        if message.get("ready") is not True or not all(m is None or isinstance(m, str) for m in (engine, nn)):
            failure = Failure("Crash", "the submission's process sent an invalid greeting", "load")
            self._load = LoadReport(failure=failure)
            self._stop()
            return
        prefix = str(self._submission) + os.sep
        self._load = LoadReport(*(None if m is None else m.replace(prefix, "") for m in (engine, nn)))

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        for fd in (self._send_fd, self._recv_fd):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._send_fd = self._recv_fd = -1
        if proc is not None:
            _procs.kill_tree(proc.pid)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:  # pragma: no cover (SIGKILL cannot be ignored)
                pass
            _procs.forget_child(proc.pid)
            _procs.reap_orphans()

    # requests

    def evaluate(self, request: Any) -> Any:
        """The outcome of ``request`` (a Program, or a module request) computed by the submission."""
        kind, line = encode_request(request)
        result = outcome_class(kind)
        if self.remaining <= 0:
            spent = f"the submission used up its time budget of {self.limits.budget:g} s"
            return result(error=Failure("Timeout", spent, "run"))
        if self._proc is None:
            self._start()
        assert self._load is not None
        if self._load.failure is not None:
            failure = self._load.failure
            self._load = None  # try again with a fresh child next time
            return result(error=failure)
        started = time.monotonic()
        try:
            self._send(line)
            message = self._read(min(self.limits.timeout, self.remaining), "running a check")
        except _ChildGoneError as gone:
            self._stop()
            return result(error=gone.failure)
        finally:
            self.spent += time.monotonic() - started
        try:
            if "outcome" in message:
                return result.from_dict(message["outcome"])
            raised = message.get("raised")
            if isinstance(raised, dict):
                return result(error=Failure(str(raised.get("type"))[:100], str(raised.get("message"))[:500], "run"))
            raise ValueError(f"unexpected reply {str(message)[:200]}")
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            self._stop()
            return result(error=Failure("Crash", f"the submission's process sent an invalid reply: {error}"[:500],
                                        "run"))

    def _send(self, line: bytes) -> None:
        try:
            while line:
                line = line[os.write(self._send_fd, line):]
        except OSError as error:
            raise _ChildGoneError(self._died("sending a check", error)) from None

    def _read(self, timeout: float, doing: str) -> Dict[str, Any]:
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                budget = self.remaining <= timeout + 1e-9 and timeout < self.limits.timeout
                what = (f"the submission used up its time budget of {self.limits.budget:g} s" if budget
                        else f"no answer within {timeout:g} s while {doing}")
                self._stop()
                raise _ChildGoneError(Failure("Timeout", what, "run"))
            ready, _, _ = select.select([self._recv_fd], [], [], min(_POLL, left))
            if ready:
                chunk = os.read(self._recv_fd, 65536)
                if not chunk:
                    raise _ChildGoneError(self._died(doing))
                self._buffer += chunk
                if len(self._buffer) > _MAX_REPLY:
                    raise _ChildGoneError(Failure("Crash", "the submission's process sent an oversized reply", "run"))
            elif self._proc is not None and self._proc.poll() is not None:
                raise _ChildGoneError(self._died(doing))
        line, _, self._buffer = self._buffer.partition(b"\n")
        try:
            message = json.loads(line)
        except (ValueError, RecursionError) as error:
            why = f"the submission's process sent invalid JSON: {error}"[:300]
            raise _ChildGoneError(Failure("Crash", why, "run")) from None
        if not isinstance(message, dict):
            raise _ChildGoneError(Failure("Crash", "the submission's process sent an invalid reply", "run"))
        return message

    def _died(self, doing: str, error: Optional[BaseException] = None) -> Failure:
        code = None
        if self._proc is not None:
            try:
                code = self._proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                code = None
        reason = _exit_reason(code)
        if code is None and error is not None:
            reason = f"the process closed its pipe ({error})"
        self._stop()
        return Failure("Crash", f"{reason} while {doing}", "run")
