"""Run one request in a child process, so that an implementation that crashes the interpreter
(a recursion past the C stack after ``sys.setrecursionlimit``) cannot take the caller with it.

``python -m micrograd.impl._isolated PATH`` reads one request as JSON on stdin, loads the
implementation in PATH, runs the request and writes the outcome as the last line of stdout.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Tuple

from micrograd.program import DeepChain, Failure, ModuleOutcome, ModuleProgram, Outcome, Program

__all__ = ["Isolated", "run_isolated"]

_MARK = "\x1e@micrograd-outcome@"
#: request kind -> (request class, outcome class)
_KINDS: Dict[str, Tuple[Any, Any]] = {
    "program": (Program, Outcome),
    "module": (ModuleProgram, ModuleOutcome),
    "deep_chain": (DeepChain, Outcome),
}


def _kind(request: Any) -> str:
    for kind, (request_class, _) in _KINDS.items():
        if isinstance(request, request_class):
            return kind
    raise TypeError(f"cannot run a {type(request).__name__} in a child process")


class Isolated:
    """A request running in a child process (started at once); :meth:`result` waits for its outcome.

    A child that dies (a signal, e.g. SIGSEGV from a stack overflow) gives an outcome whose
    error is a ``Crash`` Failure (phase ``crash``) that says how it died.
    """

    def __init__(self, path: Path, request: Any) -> None:
        kind = _kind(request)
        self.request = request
        self._outcome_class = _KINDS[kind][1]
        message = json.dumps({"kind": kind, "request": request.to_dict()}).encode()
        package_root = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ,
                   PYTHONPATH=os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")])))
        self._child = subprocess.Popen(  # started in the kit's folder: -m puts its folder first on sys.path
            [sys.executable, "-m", "micrograd.impl._isolated", str(Path(path).resolve())],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=package_root,
        )
        stdin = self._child.stdin  # always there with stdin=PIPE
        try:  # the request is small: it fits the pipe, so the child starts at once
            if stdin is not None:
                stdin.write(message)
                stdin.close()
        except OSError:  # the child died already: result() says how
            pass
        self._child.stdin = None  # sent and closed: communicate() must not touch it again
        self._outcome: Any = None

    def result(self) -> Any:
        if self._outcome is not None:
            return self._outcome
        child = self._child
        try:
            out, _ = child.communicate()
        finally:  # a timeout (an exception raised in this thread) must not leave the child running
            if child.poll() is None:
                child.kill()
                child.wait()
        self._outcome = self._read(child.returncode, out)
        return self._outcome

    def cancel(self) -> None:
        """Stop the child if it still runs, and close its pipe."""
        if self._child.poll() is None:
            self._child.kill()
        self._child.communicate()

    def _read(self, returncode: int, out: bytes) -> Any:
        outcome_class = self._outcome_class
        if returncode < 0:
            name = signal.Signals(-returncode).name
            return outcome_class(error=Failure("Crash", f"the Python process running it died ({name})", "crash"))
        last = out.decode(errors="replace").rsplit(_MARK, 1)
        if len(last) != 2:
            return outcome_class(error=Failure("Crash", f"the child process exited ({returncode}) without an "
                                                        "answer", "crash"))
        try:
            return outcome_class.from_dict(json.loads(last[1]))
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            return outcome_class(error=Failure("Crash", f"the child process gave an invalid answer: {error}",
                                               "crash"))


def run_isolated(path: Path, request: Any) -> Any:
    """The outcome of ``request`` on the implementation in ``path``, computed in a child process."""
    return Isolated(path, request).result()


def main(argv: list) -> int:
    from micrograd.impl._loader import load_implementation
    from micrograd.impl._run import run_request

    message = json.loads(sys.stdin.read())
    request = _KINDS[message["kind"]][0].from_dict(message["request"])
    stdout = os.dup(1)
    os.dup2(2, 1)  # what the implementation prints must not mix with the answer
    outcome = run_request(request, load_implementation(argv[0]))
    os.write(stdout, (_MARK + json.dumps(outcome.to_dict()) + "\n").encode())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
