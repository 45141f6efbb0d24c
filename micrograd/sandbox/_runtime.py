"""The child runtime: the few parts of the kit the sandboxed child runs, copied into a directory of their own.

The child imports nothing from the kit's installation: its ``sys.path`` is this directory
and the standard library. The directory holds ``micrograd/__init__.py``, ``_paths.py`` and
the sub-packages of :func:`micrograd.sandbox._protocol.runtime_packages` (the loader, the
programs, the sandbox protocol) and the modules of request kinds defined elsewhere, compiled to
bytecode (and, beside ``micrograd``, the libseccomp binding of the uid layer's syscall filter), and never
``engine.py`` or ``nn.py``: the reference solution is not in it, so a
submission cannot import it from there.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import py_compile
import shutil
import tempfile
from pathlib import Path
from typing import Dict, Iterator, Optional

from micrograd.sandbox._protocol import runtime_modules, runtime_packages
from micrograd.sandbox._seccomp import binding_file

__all__ = ["build_runtime", "runtime_dir", "runtime_files"]

#: names never copied into the runtime, wherever they are (the reference solution)
FORBIDDEN = ("engine.py", "nn.py")


def _package_dir() -> Path:
    return Path(__file__).resolve().parent.parent


def runtime_files() -> Iterator[Path]:
    """The kit's files (relative to the ``micrograd`` package) that make up the child runtime."""
    package = _package_dir()
    yield Path("__init__.py")
    yield Path("_paths.py")
    for name in runtime_packages():
        root = package / name
        for file in sorted(root.rglob("*.py")):
            relative = file.relative_to(package)
            if "__pycache__" in relative.parts or file.name in FORBIDDEN:
                continue
            yield relative
    for module in runtime_modules():  # a request kind of another package: its module, and the package's face
        parts = module.split(".")[1:]
        for depth in range(1, len(parts)):
            init = Path(*parts[:depth], "__init__.py")
            if not (package / init).is_file():
                raise FileNotFoundError(f"{package / init}: a request kind names {module}, which is not in a package")
            yield init
        file = Path(*parts[:-1], parts[-1] + ".py")
        if not (package / file).is_file():
            raise FileNotFoundError(f"{package / file}: a request kind names {module}, which does not exist")
        yield file


def build_runtime(target: Path) -> Path:
    """Write the child runtime into ``target`` (which must not exist); returns ``target / "micrograd"``'s parent.

    Files are copied (a symlink's content, never the link), made world-readable (a
    child dropped to a sandbox uid must read them) and compiled to bytecode (the installation's own bytecode
    where it is current).
    """
    package = _package_dir()
    destination = target / "micrograd"
    destination.mkdir(parents=True)
    for relative in runtime_files():
        out = destination / relative
        out.parent.mkdir(parents=True, exist_ok=True)
        _copy_compiled(package / relative, out)
    binding = binding_file()
    if binding is not None:  # the uid layer's syscall filter: the child imports it from the runtime
        shutil.copyfile(binding, target / os.path.basename(binding))
    for folder, _, files in os.walk(target):
        os.chmod(folder, 0o755)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o644)
    os.chmod(target, 0o755)
    return target


def _copy_compiled(source: Path, out: Path) -> None:
    """Copy ``source`` to ``out`` with its bytecode: the installation's own ``.pyc`` when it is that source's
    (same modification time and size, as Python checks it; the copy keeps the time), else compiled now."""
    shutil.copy2(source, out)
    compiled = Path(importlib.util.cache_from_source(str(out)))
    try:
        header = Path(importlib.util.cache_from_source(str(source))).read_bytes()
    except OSError:
        header = b""
    stat = out.stat()
    expected = (importlib.util.MAGIC_NUMBER + bytes(4) + (int(stat.st_mtime) & 0xFFFFFFFF).to_bytes(4, "little")
                + (stat.st_size & 0xFFFFFFFF).to_bytes(4, "little"))
    if header[:16] == expected:
        compiled.parent.mkdir(exist_ok=True)
        compiled.write_bytes(header)
    else:
        py_compile.compile(str(out), cfile=str(compiled), doraise=True,
                           invalidation_mode=py_compile.PycInvalidationMode.TIMESTAMP)


_built: Dict[int, Path] = {}


def runtime_dir() -> Path:
    """This process's child runtime (built on first use, removed when the process exits)."""
    pid = os.getpid()
    if pid not in _built:
        holder = Path(tempfile.mkdtemp(prefix="micrograd-runtime-"))
        try:
            os.chmod(holder, 0o755)
            _built[pid] = build_runtime(holder / "runtime")
        except BaseException:
            shutil.rmtree(holder, ignore_errors=True)
            raise
        atexit.register(_remove, holder, pid)
    return _built[pid]


def _remove(holder: Path, pid: Optional[int]) -> None:
    if pid == os.getpid():  # not in a forked child that inherited the atexit hook
        shutil.rmtree(holder, ignore_errors=True)
