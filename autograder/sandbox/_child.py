"""The sandboxed child: ``python -I -B -m autograder.sandbox._child REQ_FD RESP_FD DIR LIMITS``.

It limits itself, loads the submission in DIR, then answers requests read as JSON
lines from REQ_FD with JSON lines on RESP_FD. It never sees an expected value:
it only computes. Its stdout and stderr go to /dev/null (the student may print).
"""

from __future__ import annotations

import json
import os
import resource
import sys
from typing import Any, Dict, Optional

_MiB = 1024 * 1024


def _limit(which: int, value: int) -> None:
    soft, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    try:
        resource.setrlimit(which, (value, value))
    except (ValueError, OSError):  # an unprivileged process may not raise a limit; lowering works
        resource.setrlimit(which, (min(value, soft) if soft != resource.RLIM_INFINITY else value, hard))


def set_limits(limits: Dict[str, Any]) -> None:
    """Apply the limits to this process (before any student code runs)."""
    _limit(resource.RLIMIT_CORE, 0)
    _limit(resource.RLIMIT_AS, int(limits["memory_mb"]) * _MiB)
    _limit(resource.RLIMIT_CPU, int(limits["cpu_seconds"]))
    _limit(resource.RLIMIT_FSIZE, int(limits["file_size_mb"]) * _MiB)
    _limit(resource.RLIMIT_NPROC, int(limits["max_processes"]))


def _load(directory: str) -> Dict[str, Optional[str]]:
    from micrograd.impl import ImplementationError, load_implementation

    report: Dict[str, Optional[str]] = {"engine": None, "nn": None}
    global _IMPL
    try:
        _IMPL = load_implementation(directory)
        _IMPL.Value  # noqa: B018 (imports engine.py)
    except ImplementationError as error:
        report["engine"] = str(error)
        return report
    try:
        _IMPL.Module  # noqa: B018 (imports nn.py)
    except ImplementationError as error:
        report["nn"] = str(error)
    return report


_IMPL: Any = None


def _text(error: BaseException) -> str:
    try:
        return str(error)[:500]
    except BaseException:  # noqa: BLE001 (a submission's exception may break even str())
        return "(the exception could not be printed)"


def main(argv: list) -> int:
    req_fd, resp_fd, directory, limits_json = int(argv[0]), int(argv[1]), argv[2], argv[3]
    set_limits(json.loads(limits_json))
    # Keep our own references: the submission may monkeypatch modules once imported.
    dumps, loads, write = json.dumps, json.loads, os.write
    requests = os.fdopen(req_fd, "rb", buffering=0)

    def reply(message: Dict[str, Any]) -> None:
        data = dumps(message, separators=(",", ":")).encode() + b"\n"
        while data:
            data = data[write(resp_fd, data):]

    from autograder.sandbox._protocol import decode_request
    from micrograd.impl import run_request

    reply({"ready": True, **_load(directory)})
    while True:
        line = requests.readline()
        if not line:
            return 0
        try:
            request = decode_request(loads(line))
        except (ValueError, KeyError, TypeError) as error:
            reply({"invalid": f"{type(error).__name__}: {error}"[:500]})
            continue
        try:
            message = {"outcome": run_request(request, _IMPL).to_dict()}
            dumps(message)
        except BaseException as error:  # noqa: BLE001 (whatever the submission raised, report it)
            message = {"raised": {"type": type(error).__name__, "message": _text(error)}}
        reply(message)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
