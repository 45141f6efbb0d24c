"""Isolation layers: what each one is, and the command line that starts a child in it.

Which layers this machine offers is :mod:`micrograd.sandbox._choice`'s business.

- ``bwrap``: bubblewrap gives the child its own PID, network, IPC, UTS, cgroup and mount
  namespaces. The mount namespace holds the system's ``/usr`` and the Python interpreter
  with its standard library (read-only; every ``site-packages`` and the kit itself covered
  by empty directories), the child runtime and the submission (read-only), and private
  memory file systems for the working directory, ``/tmp`` and ``/dev/shm``. Started by
  root, bwrap keeps only CAP_SETUID/CAP_SETGID for the child, which drops to a dedicated
  sandbox uid before it imports the submission (so RLIMIT_NPROC holds); started by another
  user, bwrap runs in a user namespace of that user.
- ``uid`` (root only, where bwrap cannot run, e.g. Docker without CAP_SYS_ADMIN): the child
  chroots into a root of its own (:mod:`micrograd.sandbox._chroot`) and drops to a sandbox uid.
- ``none``: a plain child process with limits; submissions are not isolated from the grader.
"""

from __future__ import annotations

import glob
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from micrograd.sandbox._chroot import INSIDE, child_sys_path

__all__ = [
    "BOOT",
    "CHOICES",
    "WRITABLE",
    "LAYERS",
    "Isolation",
    "IsolationError",
    "bwrap_argv",
    "python_view",
]

#: the private memory file systems of a bwrap sandbox (its working directory, /tmp, /dev/shm)
WRITABLE = ("/tmp", "/dev/shm", INSIDE["work"])
#: the layers, strongest first
LAYERS = ("bwrap", "uid", "none")
#: what ``--isolation`` accepts
CHOICES = ("auto", *LAYERS)

#: the program ``python -c`` runs in the child: join the sandbox's cgroup (through the open ``cgroup.procs`` it was
#: given, before anything else runs: whatever it starts is born in it), enter the chroot (uid layer), find the
#: runtime, run it. A step that fails is the sandbox's failure, never the submission's: it says so and exits.
BOOT = (
    "import os, sys, json\n"
    "s = json.loads(sys.argv[1])\n"
    "try:\n"
    "    if s.get('cgroup') is not None:\n"
    "        os.write(s['cgroup'], b'0')\n"
    "        os.close(s['cgroup'])\n"
    "    if s.get('chroot'):\n"
    "        os.chroot(s['chroot'])\n"
    "    os.chdir(s['work'])\n"
    "except OSError as e:\n"
    "    os.write(s['resp'], json.dumps({'sandbox_error': str(e)}).encode() + b'\\n')\n"
    "    os._exit(70)\n"
    "sys.path.insert(0, s['runtime'])\n"
    "from micrograd.sandbox._child import main\n"
    "sys.exit(main(s))\n"
)


class IsolationError(Exception):
    """A requested isolation layer is not available here (the message says why and what to do)."""


@dataclass(frozen=True)
class Isolation:
    """The layer submissions run in; ``detail`` says how, for run summaries.

    ``drop_uid``: the child drops to a sandbox uid of its own (``bwrap`` started by root, ``uid``);
    ``filtered``: the child installs the syscall filter of :mod:`micrograd.sandbox._seccomp` (``uid``);
    ``nested_userns``: bwrap cannot forbid the child new user namespaces (``--disable-userns``
    needs Linux 6.x): it may create one, but gains nothing outside it.
    """

    layer: str
    detail: str = ""
    drop_uid: bool = False
    filtered: bool = False
    nested_userns: bool = False
    python: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if self.layer not in LAYERS:
            raise ValueError(f"unknown isolation layer {self.layer!r}; expected one of {', '.join(LAYERS)}")

    @property
    def isolated(self) -> bool:
        return self.layer != "none"

    def describe(self) -> str:
        """One line for a run's summary."""
        if not self.isolated:
            return (f"isolation: none: submissions were NOT isolated from the grader or from each other "
                    f"({self.detail or 'no isolation layer was used'})")
        return f"isolation: {self.layer} ({self.detail})"


@dataclass(frozen=True)
class PythonView:
    """What of the Python installation a child sees: the interpreter, its standard library, its libraries."""

    python: str
    sys_path: Tuple[str, ...]
    binds: Tuple[str, ...]
    hidden: Tuple[str, ...]


_views: Dict[str, PythonView] = {}

#: host directories bound read-only (or recreated as symlinks) in every bwrap sandbox
_SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")


def _under(path: str, roots: Sequence[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)


def _site_dirs(python: str) -> List[str]:
    """Where ``python`` (run isolated) finds installed packages, and its module search path. For the interpreter
    running this, asked here rather than in a new process: this one's and its base installation's site-packages
    (a superset of what ``python -I`` reports: more is hidden, never less)."""
    here = {os.path.realpath(sys.executable), os.path.realpath(getattr(sys, "_base_executable", sys.executable))}
    if os.path.realpath(python) in here:
        import site

        return [*site.getsitepackages(), *site.getsitepackages([sys.base_prefix, sys.base_exec_prefix]), *sys.path]
    code = "import site, sys; print('\\n'.join(site.getsitepackages() + sys.path))"
    try:
        done = subprocess.run([python, "-I", "-c", code], capture_output=True, text=True, timeout=60,
                              env={"PATH": "/usr/bin:/bin"})
    except (OSError, subprocess.SubprocessError):
        return []
    return [line for line in done.stdout.splitlines() if line]


def python_view(python: Optional[str] = None) -> PythonView:
    """The parts of ``python``'s installation a bwrap child needs, and the directories to hide in them."""
    python = os.path.realpath(python or sys.executable)
    if python in _views:
        return _views[python]
    from micrograd import _paths
    from micrograd.sandbox._chroot import _libraries

    sys_path = tuple(p for p in child_sys_path(python) if os.path.exists(p))
    system = [p for p in _SYSTEM if os.path.isdir(p) and not os.path.islink(p)]
    binds: List[str] = []
    for path in (python, *sys_path, *sorted(_libraries([python]))):
        real = os.path.realpath(path)  # the child runs the real interpreter: it looks for everything there
        if os.path.exists(real) and not _under(real, system + binds):
            binds.append(real)
    bound = system + binds
    kit = [str(_paths.package_dir()), str(_paths.reference_dir()), str(Path(__file__).resolve().parents[2])]
    installed = [*glob.glob("/usr/lib/python3*/*-packages"), *glob.glob("/usr/local/lib/python3*/*-packages")]
    candidates = [*_site_dirs(python), *sys.path, sys.prefix, *kit, *installed]  # any Python's installed packages
    hidden: List[str] = []
    for path in candidates:
        real = os.path.realpath(path) if path else ""
        if (not real or not os.path.isdir(real) or not _under(real, bound) or real in hidden
                or any(_under(p, [real]) for p in sys_path)):  # never hide the standard library itself
            continue
        hidden.append(real)
    view = PythonView(python, sys_path, tuple(binds), tuple(sorted(hidden)))
    _views[python] = view
    return view


def bwrap_argv(isolation: Isolation, *, runtime: str, submission: str, disk_mb: int, info_fd: int) -> List[str]:
    """The bwrap command line up to and including ``--``."""
    view = python_view(isolation.python or None)
    argv = ["bwrap", "--die-with-parent", "--new-session"]
    if isolation.drop_uid:  # started by root: no user namespace; the child drops to its sandbox uid itself
        # CAP_SYS_ADMIN: the child mounts its writable places again with an inode cap (bwrap's --tmpfs has none),
        # then drops every capability with its uid, before anything of the submission runs
        argv += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
                 "--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add",
                 "CAP_SYS_ADMIN"]
    else:
        argv += ["--unshare-all", "--unshare-user"] + ([] if isolation.nested_userns else ["--disable-userns"])
    for path in _SYSTEM:
        if os.path.islink(path):
            argv += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            argv += ["--ro-bind", path, path]
    made: List[str] = []
    for path in (*view.binds, INSIDE["runtime"]):  # directories bwrap would create 0700: a dropped uid must pass
        parent = os.path.dirname(path)
        chain = []
        while parent not in ("/", "") and not _under(parent, list(_SYSTEM)) and parent not in made:
            chain.append(parent)
            parent = os.path.dirname(parent)
        for folder in reversed(chain):
            argv += ["--perms", "0755", "--dir", folder]
            made.append(folder)
    for path in view.binds:
        argv += ["--ro-bind", path, path]
    for path in view.hidden:
        argv += ["--tmpfs", path]
    size = str(disk_mb * 1024 * 1024)
    argv += ["--proc", "/proc", "--dev", "/dev"]
    for path in WRITABLE:
        argv += ["--perms", "1777", "--size", size, "--tmpfs", path]
    argv += ["--ro-bind", runtime, INSIDE["runtime"], "--ro-bind", submission, INSIDE["submission"],
             "--chdir", INSIDE["work"], "--info-fd", str(info_fd), "--"]
    return argv
