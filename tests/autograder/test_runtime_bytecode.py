"""The child runtime reuses the installation's bytecode when it is current, and compiles what is not: the child
never runs bytecode of another source, and never compiles the runtime itself."""

from __future__ import annotations

import importlib.util
import marshal
import os
import py_compile
from pathlib import Path

from micrograd.sandbox._runtime import _copy_compiled, build_runtime


def _header_matches(source: Path) -> bool:
    """Would Python use the bytecode cached for ``source`` (timestamp-checked, as the child's imports check)?"""
    compiled = Path(importlib.util.cache_from_source(str(source)))
    if not compiled.is_file():
        return False
    header = compiled.read_bytes()[:16]
    stat = source.stat()
    return (header[:4] == importlib.util.MAGIC_NUMBER and header[4:8] == bytes(4)
            and int.from_bytes(header[8:12], "little") == int(stat.st_mtime) & 0xFFFFFFFF
            and int.from_bytes(header[12:16], "little") == stat.st_size & 0xFFFFFFFF)


def test_every_module_of_the_runtime_has_bytecode_python_accepts(tmp_path: Path) -> None:
    root = build_runtime(tmp_path / "runtime")
    sources = sorted((root / "micrograd").rglob("*.py"))
    assert len(sources) > 10
    assert [s for s in sources if not _header_matches(s)] == []


def _run(compiled: Path) -> object:
    namespace: dict = {}
    exec(marshal.loads(compiled.read_bytes()[16:]), namespace)
    return namespace["ANSWER"]


def test_stale_bytecode_of_the_installation_is_not_copied(tmp_path: Path) -> None:
    package = tmp_path / "package"
    package.mkdir()
    source = package / "module.py"
    source.write_text("ANSWER = 1\n")
    py_compile.compile(str(source), doraise=True)  # the installation's bytecode: current
    out = tmp_path / "runtime" / "module.py"
    out.parent.mkdir()
    _copy_compiled(source, out)
    copied = Path(importlib.util.cache_from_source(str(out)))
    assert _header_matches(out) and _run(copied) == 1

    source.write_text("ANSWER = 22\n")  # edited since: its bytecode says ANSWER = 1, and is stale
    os.utime(source, (1_000_000_000, 1_000_000_000))
    out.unlink()
    copied.unlink()
    _copy_compiled(source, out)
    assert _header_matches(out) and _run(copied) == 22
