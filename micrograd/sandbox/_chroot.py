"""The root directory the ``uid`` layer chroots a child into: the standard library, its shared
libraries and the child runtime, and nothing else of the machine.

A template is built once per process (the standard library's files linked or copied from
the Python installation, minus ``site-packages`` and the parts no program needs); each
sandbox gets a root of hard links to the template, with its own ``/sandbox/submission``
(read-only), ``/sandbox/work``, ``/tmp`` and ``/dev/shm`` (owned by the sandbox uid). Roots
are reused by the next sandbox of the same process once emptied (:func:`release_root`):
only those four directories can hold anything of a submission.
Paths of the standard library are the same inside as outside, so the already running
interpreter keeps importing from them after ``chroot``.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple

from micrograd.sandbox._runtime import runtime_dir
from micrograd.sandbox._seccomp import filter_spec

__all__ = ["INSIDE", "acquire_root", "make_root", "release_root", "roots_dir", "template_root"]

#: where a child finds its files, in the ``bwrap`` and ``uid`` layers alike
INSIDE = {
    "runtime": "/sandbox/runtime",
    "submission": "/sandbox/submission",
    "work": "/sandbox/work",
}

#: parts of the standard library a child never needs (and the installed packages)
_SKIP = {"site-packages", "dist-packages", "test", "tests", "idlelib", "tkinter", "turtledemo", "ensurepip",
         "lib2to3", "pydoc_data", "__phello__"}
_SKIP_PREFIX = ("config-",)


def child_sys_path(python: str) -> List[str]:
    """The module search path of ``python -I -S`` (the standard library only)."""
    done = subprocess.run([python, "-I", "-S", "-c", "import sys; print('\\n'.join(sys.path))"],
                          capture_output=True, text=True, timeout=60, check=True, env={"PATH": "/usr/bin:/bin"})
    return [line for line in done.stdout.splitlines() if line]


def _libraries(files: List[str]) -> Set[str]:
    """Shared libraries the given binaries load, from ``ldd`` (empty where there is no ldd)."""
    found: Set[str] = set()
    ldd = shutil.which("ldd")
    if ldd is None:
        return found
    for start in range(0, len(files), 50):
        try:
            done = subprocess.run([ldd, *files[start:start + 50]], capture_output=True, text=True, timeout=120,
                                  env={"PATH": "/usr/bin:/bin", "LC_ALL": "C"})
        except (OSError, subprocess.SubprocessError):
            continue
        for match in re.finditer(r"(?:=>\s*)?(/\S+)\s+\(0x", done.stdout):
            found.add(match.group(1))
    return found


def _place(source: str, target: Path) -> None:
    if os.path.lexists(target):
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _mirror(source: str, root: Path) -> None:
    """Copy (link) the file ``source`` to the same absolute path under ``root``, and its resolved path."""
    for path in {source, os.path.realpath(source)}:
        target = root / path.lstrip("/")
        if not target.exists() and os.path.isfile(path):
            _place(os.path.realpath(path), target)


def _build_template(python: str, root: Path) -> None:
    binaries: List[str] = [os.path.realpath(python)]
    for entry in child_sys_path(python):
        if os.path.isfile(entry):  # pythonXY.zip
            _mirror(entry, root)
            continue
        if not os.path.isdir(entry):
            continue
        for folder, dirs, files in os.walk(entry):
            dirs[:] = [d for d in dirs if d not in _SKIP and not d.startswith(_SKIP_PREFIX)]
            target = root / folder.lstrip("/")
            target.mkdir(parents=True, exist_ok=True)
            for name in files:
                source = os.path.join(folder, name)
                if os.path.isfile(source):
                    _place(source, target / name)
                    if name.endswith(".so"):
                        binaries.append(source)
    spec, _ = filter_spec(python)
    if spec is not None:  # the syscall filter's library (loaded by the child, inside the root)
        binaries.append(spec["library"])
        _mirror(spec["library"], root)
    for library in sorted(_libraries(binaries)):
        _mirror(library, root)
    if os.path.isfile("/etc/ld.so.cache"):
        _mirror("/etc/ld.so.cache", root)
    shutil.copytree(runtime_dir(), root / INSIDE["runtime"].lstrip("/"))
    for folder, _, _ in os.walk(root):
        os.chmod(folder, 0o755)


_templates: Dict[Tuple[int, str], Path] = {}


def template_root(python: Optional[str] = None) -> Path:
    """This process's template root for ``python`` (built on first use, removed at exit)."""
    python = python or sys.executable
    key = (os.getpid(), python)
    if key not in _templates:
        holder = Path(tempfile.mkdtemp(prefix="micrograd-chroot-"))
        try:
            os.chmod(holder, 0o755)
            _build_template(python, holder / "template")
        except BaseException:
            shutil.rmtree(holder, ignore_errors=True)
            raise
        _templates[key] = holder / "template"
        atexit.register(_remove, holder, os.getpid())
    return _templates[key]


def _remove(holder: Path, pid: int) -> None:
    if pid == os.getpid():
        shutil.rmtree(holder, ignore_errors=True)


def make_root(target: Path, template: Path, uid: int, gid: int) -> Path:
    """A fresh root at ``target``: hard links to ``template``'s files, plus the sandbox's own directories."""
    for folder, _, files in os.walk(template):
        relative = os.path.relpath(folder, template)
        out = target if relative == "." else target / relative
        out.mkdir(parents=True, exist_ok=True)
        os.chmod(out, 0o755)
        for name in files:
            _place(os.path.join(folder, name), out / name)
    submission = target / INSIDE["submission"].lstrip("/")
    submission.mkdir(parents=True, exist_ok=True)
    os.chmod(submission, 0o755)
    reset_writable(target, uid, gid)
    return target


def writable_dirs(root: Path) -> List[Path]:
    """The directories of a root the sandbox uid may write: its work dir, /tmp and /dev/shm."""
    return [root / INSIDE["work"].lstrip("/"), root / "tmp", root / "dev" / "shm"]


def reset_writable(root: Path, uid: int, gid: int) -> None:
    """Empty the sandbox's writable directories (owned by ``uid``, mode 0700)."""
    for folder in writable_dirs(root):
        shutil.rmtree(folder, ignore_errors=True)
        folder.parent.mkdir(parents=True, exist_ok=True)
        folder.mkdir()
        os.chown(folder, uid, gid)
        os.chmod(folder, 0o700)


_free_roots: Dict[Tuple[int, str], List[Path]] = {}


def acquire_root(folder: Path, template: Path, uid: int, gid: int) -> Path:
    """A root for one sandbox: a released one of this process if there is one, else a new one in ``folder``."""
    free = _free_roots.setdefault((os.getpid(), str(template)), [])
    if free:
        root = free.pop()
        reset_writable(root, uid, gid)
        return root
    return make_root(folder, template, uid, gid)


def release_root(root: Path, template: Path) -> None:
    """Empty ``root``'s submission and writable directories and keep it for this process's next sandbox.

    Call only once every process of the sandbox is gone.
    """
    submission = root / INSIDE["submission"].lstrip("/")
    shutil.rmtree(submission, ignore_errors=True)
    submission.mkdir()
    os.chmod(submission, 0o755)
    for folder in writable_dirs(root):
        shutil.rmtree(folder, ignore_errors=True)
    _free_roots.setdefault((os.getpid(), str(template)), []).append(root)


_roots: Dict[int, Path] = {}


def roots_dir() -> Path:
    """Where this process keeps the chroot roots of the uid layer (removed when it exits)."""
    pid = os.getpid()
    if pid not in _roots:
        _roots[pid] = Path(tempfile.mkdtemp(prefix="micrograd-roots-"))
        os.chmod(_roots[pid], 0o755)
        atexit.register(_remove_roots, _roots[pid], pid)
    return _roots[pid]


def _remove_roots(folder: Path, pid: int) -> None:
    if pid == os.getpid():
        shutil.rmtree(folder, ignore_errors=True)
