"""A submission's cell: its private copy, its sandbox uid, and the child process started there.

:class:`Cell` starts, kills and cleans up; what is said over the pipes is
:class:`~micrograd.sandbox._evaluator.SandboxEvaluator`'s business (and :meth:`Cell.probe`'s, for the
one greeting a probe waits for).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

from micrograd.sandbox import _procs
from micrograd.sandbox._cgroups import Cgroup, cgroup_parent
from micrograd.sandbox._chroot import INSIDE, acquire_root, release_root, reset_writable, roots_dir, template_root
from micrograd.sandbox._exits import exit_reason, oom_kills, outside_reason
from micrograd.sandbox._files import copy_submission, remove_files_of
from micrograd.sandbox._ids import SandboxIds, reserve_ids
from micrograd.sandbox._layers import BOOT, WRITABLE, Isolation, bwrap_argv
from micrograd.sandbox._limits import Limits
from micrograd.sandbox._protocol import kind_table
from micrograd.sandbox._runtime import runtime_dir
from micrograd.sandbox._seccomp import filter_spec

__all__ = ["Cell", "SandboxError", "exit_reason", "tracking"]

_POLL = 0.05
#: F_SETPIPE_SZ (Linux): both pipes get this much room, when the system allows
_F_SETPIPE_SZ = 1031
_PIPE_SIZE = 1 << 20
#: how long the grader waits for every process of a submission to be gone
_GONE_WAIT = 10.0


class SandboxError(RuntimeError):
    """The sandbox itself failed (never the submission's doing): it could not start or clean up."""


def _environment(home: str, tmp: str) -> Dict[str, str]:
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": home, "TMPDIR": tmp}
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = "1"
    return env


def tracking(isolation: Isolation) -> str:
    """How the processes of a sandbox in ``isolation`` are found when it is stopped, in words (for run summaries)."""
    parent, why = cgroup_parent()
    ways = [f"a cgroup of its own (in {parent})"] if parent is not None else []
    if isolation.layer == "bwrap":
        ways.append("its PID namespace, held open until swept")
    if isolation.drop_uid:
        ways.append("its sandbox uid, reserved until swept")
    if isolation.layer == "none" or parent is None:
        ways.append("its process tree")
    text = "processes tracked by " + ", ".join(ways)
    return text if parent is not None else f"{text} (no cgroup: {why})"


class Cell:
    """Where one submission runs in ``isolation``: a private copy of its Python files (in a chroot root of its
    own for the uid layer), its sandbox uid and gid (when the layer drops to one), a cgroup of its own (where
    the machine offers one), and at most one child process at a time, started by :meth:`spawn` with pipes
    ``send_fd`` (requests) and ``recv_fd`` (replies).

    Its processes are found by what the kernel cannot give to another sandbox while this one still needs it:
    its cgroup, its PID namespace held open, its uid kept reserved, pidfds. :meth:`close` kills every process of
    the submission, waits until they are gone, and removes its files.
    """

    def __init__(self, source: Path, isolation: Isolation, limits: Limits) -> None:
        self.isolation = isolation
        self.limits = limits
        self.proc: Optional[subprocess.Popen] = None
        self.send_fd = -1
        self.recv_fd = -1
        self.ids: Optional[SandboxIds] = None
        self.cgroup: Optional[Cgroup] = None
        self.namespace: Optional[_procs.PidNamespace] = None  # bwrap's PID namespace, held while its child runs
        self.started = 0.0  # when the child was started (monotonic)
        self.cpu_seconds = 0  # its CPU time limit
        self.oom_before: Optional[int] = None  # the kernel's out-of-memory kills when it was started
        self.ran = False  # did the child start running (in bwrap: did bubblewrap set up the sandbox)?
        self._init_pid: Optional[int] = None
        self._pidfd: Optional[int] = None  # bwrap's init (the namespace dies with it)
        self._proc_fd: Optional[int] = None  # the process started (bwrap, or the Python child)
        self._closed = False
        self._survivors: List[int] = []
        self._chroot: Optional[Path] = None
        self._root = Path(tempfile.mkdtemp(prefix="micrograd-sandbox-"))
        try:
            os.chmod(self._root, 0o755)
            parent, _ = cgroup_parent()
            if parent is not None:
                try:
                    self.cgroup = Cgroup(parent)
                except OSError:  # e.g. the cgroup limit of the machine: the other ways still find everything
                    self.cgroup = None
            if isolation.drop_uid:
                self.ids = reserve_ids()
            if isolation.layer == "uid":
                assert self.ids is not None
                self._template = template_root(isolation.python or None)
                self._chroot = acquire_root(roots_dir() / f"root-{os.urandom(6).hex()}", self._template,
                                            self.ids.uid, self.ids.gid)
                self._submission = self._chroot / INSIDE["submission"].lstrip("/")
            else:
                self._submission = self._root / "submission"
                self._submission.mkdir()
            copy_submission(source, self._submission)
            os.chmod(self._submission, 0o755)
        except BaseException:
            self.close()
            raise

    @property
    def inside(self) -> str:
        """The path of the submission's copy, as the child sees it (with a final slash)."""
        return (INSIDE["submission"] if self.isolation.layer != "none" else str(self._submission)) + "/"

    def spawn(self, *, cpu_seconds: int, probe: bool = False) -> None:
        """Start the child (stopping the one before): it confines itself, then loads the submission unless
        ``probe``. Raises SandboxError if it cannot be started."""
        self.stop()
        layer = self.isolation.layer
        python = self.isolation.python or os.path.realpath(sys.executable)
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        info_r = info_w = -1
        limits = {
            "memory_mb": self.limits.memory_mb,
            "cpu_seconds": cpu_seconds,
            "file_size_mb": self.limits.file_size_mb,
            "max_processes": self.limits.max_processes,
            "open_files": self.limits.open_files,
        }
        spec: Dict[str, Any] = {"req": req_r, "resp": resp_w, "limits": limits, "kinds": kind_table(),
                                "probe": probe, "chroot": None, "uid": None, "gid": None, "cgroup": None}
        if self.ids is not None:
            spec.update(uid=self.ids.uid, gid=self.ids.gid)
        fds: List[int] = [req_r, resp_w]
        if self.cgroup is not None:
            spec["cgroup"] = self.cgroup.procs_fd
        if layer == "none":
            work = self._root / "work"
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir()
            spec.update(runtime=str(runtime_dir()), submission=str(self._submission), work=str(work))
            prefix: List[str] = []
            cwd, env = str(work), _environment(str(work), str(work))
        else:
            spec.update(runtime=INSIDE["runtime"], submission=INSIDE["submission"], work=INSIDE["work"])
            cwd, env = "/", _environment(INSIDE["work"], "/tmp")
            if layer == "bwrap":
                if self.isolation.drop_uid:  # root: the child mounts them again, with an inode cap
                    spec["mounts"] = {"paths": list(WRITABLE), "bytes": self.limits.disk_mb * 2**20,
                                      "inodes": self.limits.inodes}
                info_r, info_w = os.pipe()
                fds.append(info_w)
                prefix = bwrap_argv(self.isolation, runtime=str(runtime_dir()), submission=str(self._submission),
                                    disk_mb=self.limits.disk_mb, info_fd=info_w)
            else:
                assert self._chroot is not None and self.ids is not None
                reset_writable(self._chroot, self.ids.uid, self.ids.gid)
                spec["chroot"] = str(self._chroot)
                if self.isolation.filtered:
                    spec["filter"], why = filter_spec(self.isolation.python or None)
                    if spec["filter"] is None:
                        raise SandboxError(f"the syscall filter cannot be installed: {why}")
                prefix = []
        command = [*prefix, python, "-I", "-S", "-B", "-c", BOOT, json.dumps(spec)]
        passed = fds + ([self.cgroup.procs_fd] if self.cgroup is not None else [])
        self.oom_before, self.cpu_seconds, self.ran = oom_kills(), cpu_seconds, layer != "bwrap"
        self.started = time.monotonic()
        try:
            self.proc = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                cwd=cwd, env=env, start_new_session=True, pass_fds=tuple(passed), close_fds=True,
            )
        except OSError as error:
            for fd in (req_w, resp_r, info_r):
                if fd >= 0:
                    os.close(fd)
            raise SandboxError(f"cannot start the sandbox ({command[0]}): {error}") from None
        finally:
            for fd in fds:
                os.close(fd)
        _procs.register_child(self.proc.pid)
        with contextlib.suppress(AttributeError, OSError):  # our child, not yet waited for: its PID is its own
            self._proc_fd = os.pidfd_open(self.proc.pid)
        os.set_blocking(req_w, False)  # requests wait in the caller's outbox until the child takes them
        for fd in (req_w, resp_r):  # room for a batch of requests, and for answers written ahead of reading
            with contextlib.suppress(OSError):
                fcntl.fcntl(fd, _F_SETPIPE_SZ, _PIPE_SIZE)
        self.send_fd, self.recv_fd = req_w, resp_r
        if info_r >= 0:
            self._read_info(info_r, time.monotonic() + self.limits.startup)

    def _read_info(self, fd: int, deadline: float) -> None:
        """bwrap's ``--info-fd`` JSON: the PID of the namespace's init, and the namespace (held open from now on)."""
        data = b""
        try:
            while time.monotonic() < deadline and len(data) < 65536:
                ready, _, _ = select.select([fd], [], [], min(_POLL, max(0.0, deadline - time.monotonic())))
                if ready:
                    chunk = os.read(fd, 4096)
                    if not chunk:
                        break
                    data += chunk
                    if data.rstrip().endswith(b"}"):
                        break
                if self.proc is not None and self.proc.poll() is not None:
                    break
        finally:
            os.close(fd)
        try:
            info = json.loads(data)
            pid, namespace = int(info["child-pid"]), int(info["pid-namespace"])
        except (ValueError, KeyError, TypeError):
            return
        self.ran = True
        self._init_pid = pid
        try:
            pidfd = os.pidfd_open(pid)
        except (AttributeError, OSError):
            return
        try:
            held = _procs.PidNamespace(pid, pidfd)
        except OSError:  # init already gone (and its PID perhaps another process's): nothing of it to hold
            os.close(pidfd)
            self._init_pid = None
            return
        if held.inode != namespace:  # pragma: no cover (init gone and its pid reused before we looked)
            held.close()
            os.close(pidfd)
            self._init_pid = None
            return
        self._pidfd, self.namespace = pidfd, held

    def python_pid(self) -> Optional[int]:
        """The host PID of the Python child (in bwrap, the child of the namespace's init), while it runs."""
        if self.proc is None or self.proc.returncode is not None:
            return None
        if self.isolation.layer != "bwrap":
            return self.proc.pid
        if self._init_pid is None or self.namespace is None:
            return None
        children = _procs.children_of(self._init_pid)
        return children[0] if children else None

    def exit_code(self, wait: float) -> Optional[int]:
        """The child's exit status, waiting at most ``wait`` seconds for it to end (None if it has not)."""
        if self.proc is None:
            return None
        try:
            return self.proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            return None

    def stop(self) -> None:
        """Close the pipes and kill the child and everything it started (the cell stays, for the next one)."""
        proc, self.proc = self.proc, None
        for fd in (self.send_fd, self.recv_fd):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self.send_fd = self.recv_fd = -1
        if proc is None:
            return
        if self.cgroup is not None:
            self.cgroup.kill()
        for pidfd in (self._pidfd, self._proc_fd):
            if pidfd is not None:
                with contextlib.suppress(OSError):
                    signal.pidfd_send_signal(pidfd, signal.SIGKILL)
        _procs.kill_tree(proc.pid)  # its group and session: their number stays theirs while one of them runs
        if self.ids is not None and self.cgroup is None:
            _procs.kill_uid(self.ids.uid)  # reserved: nobody else's processes run as it
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover (SIGKILL cannot be ignored)
            pass
        _procs.forget_child(proc.pid)
        _procs.reap_orphans()
        if self.cgroup is not None:
            self._survivors += self.cgroup.wait_empty(_GONE_WAIT)
        namespace, self.namespace, self._init_pid = self.namespace, None, None
        if namespace is not None:
            self._survivors += _procs.wait_gone(namespace.members, _GONE_WAIT)
            namespace.close()  # only now: until every process of it is gone, its number is its own
        for pidfd in (self._pidfd, self._proc_fd):
            if pidfd is not None:
                os.close(pidfd)
        self._pidfd = self._proc_fd = None

    def _sweep(self) -> List[int]:
        """Wait until no process of the submission is left (killing any found); remove its files in shared
        temporary directories. Returns the PIDs still there after the wait (none, normally)."""
        left = [pid for pid in self._survivors if _procs.alive(pid)]
        if self.cgroup is not None:
            left += self.cgroup.wait_empty(_GONE_WAIT)
        if self.ids is not None:
            uid = self.ids.uid  # still reserved: only this submission's processes can run as it
            left += _procs.wait_gone(lambda: _procs.of_uid(uid), _GONE_WAIT)
            remove_files_of(uid)
            _procs.remove_ipc_of(uid)  # the uid layer shares the host's IPC namespace
        return left

    def close(self) -> None:
        """Kill the child and everything it started, wait until it is all gone, remove the files; then (and only
        then) give back the sandbox uid and remove the cgroup.

        Raises SandboxError if a process of the submission is still there after that.
        """
        if self._closed:
            return
        self._closed = True
        try:
            self.stop()
        finally:
            survivors = self._sweep()
            shutil.rmtree(self._root, ignore_errors=True)
            if self._chroot is not None:
                if survivors:  # never reuse a root a process may still write to
                    shutil.rmtree(self._chroot, ignore_errors=True)
                else:
                    release_root(self._chroot, self._template)
            if self.cgroup is not None and not survivors:
                self.cgroup.remove()
            if self.ids is not None and not survivors:  # a uid some process still runs as is never handed out
                self.ids.release()
        if survivors:
            raise SandboxError(f"processes of the submission survived: {survivors}")

    def probe(self) -> Optional[str]:
        """Start a child that confines itself, says so and exits: None if it worked, else why not (a child
        killed from outside is started once more: the layer works, something else killed it)."""
        wait = self.limits.startup + self.limits.timeout
        for attempt in (1, 2):
            try:
                self.spawn(cpu_seconds=int(wait) + 1, probe=True)
                line = self._first_line(time.monotonic() + wait)
                if line is None:
                    code = self.exit_code(2.0)
                    if code is None:
                        return f"no answer within {wait:g} s while starting"
                    bwrap = self.isolation.layer == "bwrap"
                    if attempt == 1 and outside_reason(code, bwrap=bwrap, started=True, own_signal=None,
                                                       cpu_spent=False, oom_before=self.oom_before):
                        continue
                    return f"{exit_reason(code, bwrap=bwrap)} while starting"
            finally:
                self.stop()
            break
        try:
            message = json.loads(line or b"")
            found, error = message.get("probe"), message.get("sandbox_error")
        except (ValueError, AttributeError):
            found = error = None
        if isinstance(error, str):
            return error[:500]
        if not isinstance(found, dict):
            return "the child did not start"
        if self.ids is not None and (found.get("uid"), found.get("gid")) != (self.ids.uid, self.ids.gid):
            return f"the child runs as uid {found.get('uid')}, not the sandbox uid {self.ids.uid}"
        return None

    def _first_line(self, deadline: float) -> Optional[bytes]:
        """The child's first line, or None if it closed its pipe or ``deadline`` passed first."""
        data = b""
        while b"\n" not in data and len(data) < 65536:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.recv_fd], [], [], min(_POLL, left))
            if ready:
                chunk = os.read(self.recv_fd, 65536)
                if not chunk:
                    return None
                data += chunk
        return data.partition(b"\n")[0]
