"""The sandboxed child, started by :data:`micrograd.sandbox._layers.BOOT` with a JSON spec.

It imports what it needs from the child runtime, confines itself (resource limits; in the
``bwrap`` layer started by root and in the ``uid`` layer, a sandbox uid and gid with no
capability left and no way to gain one), then loads the submission and answers requests
read as JSON lines from the request pipe with JSON lines on the reply pipe. It never sees
an expected value: it only computes. Its stdout and stderr go to /dev/null. A batch
(``{"batch": [...]}``) gets one reply line per request, in order, written a few at a time
(see ``micrograd.sandbox._protocol.FLUSH_SECONDS``).

On SIGUSR1 it writes the answers it has not written yet, then where the submission is running
(``{"where": ..., "output": ...}``), so a grader that is about to kill it for taking too long can say
which request and which line were running, and what it printed. What the submission prints
(``print``, ``sys.stdout``, ``sys.stderr``) is kept, bounded, for the request running, and sent with
its answer (an answer of a request that printed nothing carries none). Before the submission signals its
own process (``os.kill``, ``os.killpg``, ``signal.raise_signal``, ``signal.pthread_kill``), the child says so
(``{"own_signal": N}``): a death by that signal is its own doing, not a kill from outside.
"""

from __future__ import annotations

import functools
import io
import json
import os
import pickle
import resource
import signal
import sys
import time
from array import array
from base64 import b64encode as _b64
from typing import Any, Dict, List, Optional

from micrograd.sandbox._protocol import PACK_MIN, PACKED

_MiB = 1024 * 1024
_MAX_STRING = 1000  # the parent cuts again: this only keeps replies small
_MAX_OUTPUT = 900  # characters of printed output kept (the last ones), with a mark saying how many were cut
#: added to the message of a module that cannot be imported
ONLY_STANDARD_LIBRARY = ("the sandbox that runs your code has Python's standard library only (not numpy, torch or "
                         "any other installed package), so that your engine is all your own work and runs the same "
                         "on every machine that checks or grades it: use plain Python (math, random, ...) instead")
_NUMBERS = frozenset((float, int, type(None)))
_FLOATS = frozenset((float,))


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
    _limit(resource.RLIMIT_NOFILE, int(limits.get("open_files", 64)))
    _limit(resource.RLIMIT_NPROC, int(limits["max_processes"]))


def _no_new_privileges() -> None:
    """PR_SET_NO_NEW_PRIVS: no setuid program or file capability can give this process privileges."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")


def drop_privileges(uid: int, gid: int) -> None:
    """Become ``uid``/``gid`` for good (real, effective and saved), with no supplementary group."""
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if os.getresuid() != (uid, uid, uid) or os.getresgid() != (gid, gid, gid) or os.getgroups():
        raise OSError("the sandbox uid could not be set")
    try:
        os.setuid(0)
    except PermissionError:
        pass
    else:  # pragma: no cover (only if the kernel let a dropped process regain root)
        raise OSError("the sandbox uid could regain root")


def cap_writable(mounts: Dict[str, Any]) -> None:
    """Mount a fresh memory file system on each writable place, bounded in bytes and in files and directories
    (inodes: their kernel memory is not counted in the bytes). Needs CAP_SYS_ADMIN (bwrap started by root)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    options = f"size={int(mounts['bytes'])},nr_inodes={int(mounts['inodes'])},mode=1777".encode()
    flags = ctypes.c_ulong(0x2 | 0x4)  # MS_NOSUID | MS_NODEV
    for path in mounts["paths"]:
        if libc.mount(b"tmpfs", str(path).encode(), b"tmpfs", flags, options) != 0:
            error = ctypes.get_errno()
            raise OSError(error, f"mounting {path} with an inode cap failed: {os.strerror(error)}")
    os.chdir(os.getcwd())  # the working directory was the one now covered: into the new one of the same name


def confine(spec: Dict[str, Any]) -> None:
    """Limits, then (if asked) the capped writable places, the sandbox uid, no new privileges and the syscall
    filter. Raises OSError if any step fails."""
    if spec.get("mounts"):
        cap_writable(spec["mounts"])
    set_limits(spec["limits"])
    uid, gid = spec.get("uid"), spec.get("gid")
    if uid is not None and gid is not None:
        drop_privileges(int(uid), int(gid))
    if uid is not None or spec.get("chroot"):
        _no_new_privileges()
    if spec.get("filter"):
        from micrograd.sandbox._seccomp import install

        install(spec["filter"])


_IMPL: Any = None
_SUBMISSION = ""


class Printed(io.TextIOBase):
    """What the submission prints: the last _MAX_OUTPUT characters, and how many came before them."""

    def __init__(self) -> None:
        self.kept = ""
        self.dropped = 0

    def writable(self) -> bool:
        return True

    def write(self, text: Any) -> int:
        text = str(text)
        kept = self.kept + text
        if len(kept) > _MAX_OUTPUT:
            self.dropped += len(kept) - _MAX_OUTPUT
            kept = kept[-_MAX_OUTPUT:]
        self.kept = kept
        return len(text)

    def clear(self) -> None:
        self.kept, self.dropped = "", 0

    def text(self) -> str:
        return (f"[{self.dropped} characters before these cut] " if self.dropped else "") + self.kept


def explained(message: str, error: BaseException) -> str:
    """``message`` about ``error``, saying why a module cannot be imported when that is what went wrong."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, ModuleNotFoundError):
            return f"{message}; {ONLY_STANDARD_LIBRARY}"
        error, seen = error.__cause__ or error.__context__, seen + 1  # type: ignore[assignment]
    return message


def _announcing(send: Any, kill: Any, mine: Any) -> Any:
    """``kill`` (os.kill and the like), saying so first when its target is this process (``mine(*args)``)."""

    @functools.wraps(kill)
    def wrapper(*args: Any) -> Any:
        try:
            number = int(args[-1])
            if number and mine(*args):
                send(number)
        except Exception:  # noqa: BLE001 (let the call itself say what is wrong with its arguments)
            pass
        return kill(*args)

    return wrapper


def announce_own_signals(send: Any) -> None:
    """Wrap the ways Python code signals its own process so that each calls ``send(signal number)`` first."""
    me, group = os.getpid(), os.getpgrp()
    os.kill = _announcing(send, os.kill, lambda pid, sig: pid in (0, me, -group))
    os.killpg = _announcing(send, os.killpg, lambda pgid, sig: pgid in (0, group))
    signal.raise_signal = _announcing(send, signal.raise_signal, lambda sig: True)
    signal.pthread_kill = _announcing(send, signal.pthread_kill, lambda tid, sig: True)


def _load(directory: str) -> Dict[str, Optional[str]]:
    from micrograd.impl import ImplementationError, load_implementation

    report: Dict[str, Optional[str]] = {"engine": None, "nn": None}
    global _IMPL
    try:
        _IMPL = load_implementation(directory)
        _IMPL.Value  # noqa: B018 (imports engine.py)
    except ImplementationError as error:
        report["engine"] = explained(_text(error), error)[:2 * _MAX_STRING]
        return report
    try:
        _IMPL.Module  # noqa: B018 (imports nn.py)
    except ImplementationError as error:
        report["nn"] = explained(_text(error), error)[:2 * _MAX_STRING]
    return report


def _text(error: BaseException) -> str:
    try:
        return str(error)[:_MAX_STRING]
    except BaseException:  # noqa: BLE001 (a submission's exception may break even str())
        return "(the exception could not be printed)"


def _name(error: BaseException) -> str:
    try:
        return str(type(error).__name__)[:100]
    except BaseException:  # noqa: BLE001
        return "Exception"


def _small(data: Any) -> Any:
    """``data`` with every string cut to _MAX_STRING characters (the reply stays small; the parent cuts again),
    and every long list of floats packed (see micrograd.sandbox._protocol.packed_floats)."""
    if isinstance(data, str):
        if len(data) <= _MAX_STRING:
            return data
        mark = f"... [{len(data) - _MAX_STRING} more characters cut]"
        return data[: _MAX_STRING - len(mark)] + mark
    if isinstance(data, (list, tuple)):
        if len(data) >= PACK_MIN and _FLOATS.issuperset(map(type, data)):
            return {PACKED: _b64(array("d", data).tobytes()).decode("ascii")}
        if _NUMBERS.issuperset(map(type, data)):  # the common case: numbers
            return data
        return [_small(x) for x in data]
    if isinstance(data, dict):
        return {k: _small(v) for k, v in data.items()}
    return data


def _where(frame: Any) -> Optional[Dict[str, Any]]:
    """The innermost frame running the submission's own code: file name, line, function."""
    prefix = _SUBMISSION.rstrip("/") + "/"
    while frame is not None:
        filename = frame.f_code.co_filename
        if isinstance(filename, str) and filename.startswith(prefix):
            return {"file": filename[len(prefix):][:200], "line": int(frame.f_lineno or 0),
                    "function": str(frame.f_code.co_name)[:200]}
        frame = frame.f_back
    return None


def main(spec: Dict[str, Any]) -> int:
    global _SUBMISSION
    req_fd, resp_fd = int(spec["req"]), int(spec["resp"])
    _SUBMISSION = str(spec["submission"])
    # Everything the child runs is imported now, from the runtime, before the submission can touch it;
    # keep our own references: the submission may monkeypatch modules once imported.
    from micrograd.impl import run_request
    from micrograd.sandbox._protocol import FLUSH_BYTES, FLUSH_SECONDS, decode_request, install_kinds

    install_kinds(spec.get("kinds", {}))
    dumps, loads, write, clock, unpickle = json.dumps, json.loads, os.write, time.monotonic, pickle.loads
    state = {"replying": False}
    pending: List[bytes] = []  # answers of the batch being run, not yet written

    def encode(message: Dict[str, Any]) -> bytes:
        return dumps(message, separators=(",", ":")).encode() + b"\n"

    def flush(*extra: bytes) -> None:
        """Write the pending answers (then ``extra``), in order; never twice (see ``where``)."""
        state["replying"] = True
        try:
            data = b"".join([*pending, *extra])
            pending.clear()
            while data:
                data = data[write(resp_fd, data):]
        finally:
            state["replying"] = False

    def reply(message: Dict[str, Any]) -> None:
        flush(encode(message))

    printed = Printed()

    def where(signum: int, frame: Any) -> None:
        if not state["replying"]:  # the answers finished so far first: the parent knows which request is running
            flush(encode({"where": _where(frame), "output": printed.text()}))

    def answered(answer: Dict[str, Any]) -> Dict[str, Any]:
        """``answer`` with what the request printed, if it printed anything (bounded: the parent keeps it with
        the example that fails; a request that printed nothing costs nothing)."""
        error = answer.get("outcome", {}).get("error") if "outcome" in answer else answer.get("raised")
        if isinstance(error, dict) and error.get("type") == "ModuleNotFoundError" \
                and isinstance(error.get("message"), str):
            error["message"] = f"{error['message']}; {ONLY_STANDARD_LIBRARY}"
        if printed.kept:
            answer["output"] = printed.text()
        return answer

    try:
        confine(spec)
    except OSError as error:  # the sandbox's failure, never the submission's: say so
        reply({"sandbox_error": f"the child cannot confine itself: {_text(error)}"})
        return 70
    if spec.get("probe"):
        reply({"probe": {"uid": os.getuid(), "gid": os.getgid(), "pid": os.getpid()}})
        return 0
    signal.signal(signal.SIGUSR1, where)
    announce_own_signals(lambda number: reply({"own_signal": number}))
    sys.stdout = sys.stderr = printed
    requests = os.fdopen(req_fd, "rb")  # buffered: a batch is one long line
    loaded = _load(_SUBMISSION)
    if printed.kept and (loaded["engine"] or loaded["nn"]):
        loaded["output"] = printed.text()
    reply({"ready": True, **loaded})
    while True:
        line = requests.readline()
        if not line:
            return 0
        try:
            message = loads(line)
            batch = message.get("batch")
            items: List[Any] = batch if isinstance(batch, list) else [message]
            if "pickled" in message:  # the parent's own requests, pickled (the parent is trusted)
                items = []
                for nbytes, count in message["pickled"]:
                    data = requests.read(nbytes)
                    try:
                        items.extend(("request", r) for r in unpickle(data))
                    except BaseException as error:  # noqa: BLE001 (a submission that broke pickle or a class)
                        items.extend([("raised", error)] * count)
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            reply({"invalid": f"{type(error).__name__}: {error}"[:_MAX_STRING]})
            continue
        flushed, size = clock(), 0
        for item in items:  # one answer per request, in order, written a few at a time (one write costs more
            # than computing most answers)
            printed.clear()
            if isinstance(item, tuple) and item[0] == "raised":  # unpickling it ran the submission's code
                answer = encode(answered({"raised": {"type": _name(item[1]), "message": _text(item[1])}}))
                pending.append(answer)
                continue
            try:
                request = item[1] if isinstance(item, tuple) else decode_request(item)
            except (ValueError, KeyError, TypeError, AttributeError) as error:
                answer = encode({"invalid": f"{type(error).__name__}: {error}"[:_MAX_STRING]})
            else:
                try:
                    answer = encode(answered({"outcome": _small(run_request(request, _IMPL).to_dict())}))
                except BaseException as error:  # noqa: BLE001 (whatever the submission raised, report it)
                    answer = encode(answered({"raised": {"type": _name(error), "message": _text(error)}}))
            pending.append(answer)
            size += len(answer)
            if size >= FLUSH_BYTES or clock() - flushed >= FLUSH_SECONDS:
                flush()
                flushed, size = clock(), 0
        flush()


if __name__ == "__main__":  # pragma: no cover (started through BOOT)
    sys.exit(main(json.loads(sys.argv[1])))
