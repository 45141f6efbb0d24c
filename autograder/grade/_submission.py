"""Turn what a student handed in (a directory, a .zip, a .ipynb) into a directory with engine.py and nn.py."""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import List, Optional

from autograder.grade._identity import student_id

__all__ = ["Prepared", "SubmissionError", "prepare", "student_id"]

_MAX_UNZIPPED = 20 * 1024 * 1024


class SubmissionError(Exception):
    """The submission cannot be graded at all (the message says why); it is graded ``invalid``."""


@dataclass(frozen=True)
class Prepared:
    student: str
    directory: Optional[Path]
    error: str = ""


def _find_root(directory: Path, scratch: Path) -> Path:
    if (directory / "engine.py").is_file():
        return directory
    candidates = sorted(p.parent for p in directory.rglob("engine.py") if "__MACOSX" not in p.parts)
    if len(candidates) == 1:
        return candidates[0]
    notebooks = sorted(p for p in directory.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    if not candidates and len(notebooks) == 1:
        return _from_notebook(notebooks[0], scratch / "notebook")
    archives = sorted(directory.glob("*.zip"))
    if not candidates and not notebooks and len(archives) == 1:
        return _unzip(archives[0], scratch / "unzipped")
    if candidates:
        names = ", ".join(str(c.relative_to(directory)) for c in candidates)
        raise SubmissionError(f"several engine.py files: {names}; hand in one")
    raise SubmissionError("no engine.py (nor a single notebook) in the submission")


def _unzip(archive: Path, target: Path) -> Path:
    try:
        with zipfile.ZipFile(archive) as z:
            total = 0
            for info in z.infolist():
                name = PurePosixPath(info.filename)
                if name.is_absolute() or ".." in name.parts:
                    raise SubmissionError(f"{archive.name}: unsafe path {info.filename!r} in the zip")
                total += info.file_size
                if total > _MAX_UNZIPPED:
                    raise SubmissionError(f"{archive.name}: more than {_MAX_UNZIPPED // 2**20} MiB once unzipped")
            z.extractall(target)
    except zipfile.BadZipFile as error:
        raise SubmissionError(f"{archive.name} is not a valid zip file: {error}") from None
    return _find_root(target, target)


_MAGIC = re.compile(r"^\s*[%!]")


def _from_notebook(notebook: Path, target: Path) -> Path:
    """engine.py and nn.py for ``notebook``: the course notebook's ``%%writefile`` cells when it has
    them (read, never run), else all its code cells joined into engine.py."""
    try:
        from autograder.course import NotebookFilesError, write_notebook_files
    except ImportError:  # pragma: no cover (the course package needs nbformat)
        pass
    else:
        try:
            return write_notebook_files(notebook, target)
        except (NotebookFilesError, ImportError):
            pass  # not course-shaped (or no nbformat): join the cells
    return _join_cells(notebook, target)


def _join_cells(notebook: Path, target: Path) -> Path:
    try:
        import nbformat

        nb = nbformat.read(str(notebook), as_version=4)
        cells = [(c.cell_type, c.source) for c in nb.cells]
    except ImportError:  # nbformat is optional: read the JSON directly
        try:
            raw = json.loads(notebook.read_text(encoding="utf-8"))
            cells = [(c.get("cell_type"), "".join(c.get("source", ""))) for c in raw.get("cells", [])]
        except (ValueError, AttributeError) as error:
            raise SubmissionError(f"{notebook.name} is not a valid notebook: {error}") from None
    except Exception as error:  # noqa: BLE001 (nbformat raises many types for a broken file)
        raise SubmissionError(f"{notebook.name} is not a valid notebook: {error}") from None
    code: List[str] = []
    for kind, source in cells:
        if kind != "code":
            continue
        lines = [("pass  # " + line.strip()) if _MAGIC.match(line) else line for line in str(source).splitlines()]
        code.append("\n".join(lines))
    target.mkdir(parents=True, exist_ok=True)
    header = f"# all code cells of {notebook.name}, in order\n"
    (target / "engine.py").write_text(header + "\n\n".join(code) + "\n", encoding="utf-8")
    (target / "nn.py").write_text("from .engine import *  # noqa: F403 (the notebook defines everything)\n",
                                  encoding="utf-8")
    return target


def prepare(path: Path, scratch: Path) -> Prepared:
    """A directory to grade for ``path``; ``scratch`` is an empty directory this may fill."""
    student = student_id(path)
    try:
        if path.is_dir():
            return Prepared(student, _find_root(path, scratch))
        if not path.exists():
            raise SubmissionError(f"{path} does not exist")
        suffix = path.suffix.lower()
        if suffix == ".zip":
            return Prepared(student, _unzip(path, scratch))
        if suffix == ".ipynb":
            return Prepared(student, _from_notebook(path, scratch))
        if path.name == "engine.py":
            shutil.copyfile(path, scratch / "engine.py")
            return Prepared(student_id(path.parent), scratch)
        raise SubmissionError(f"{path.name}: expected a directory, a .zip or a .ipynb")
    except SubmissionError as error:
        return Prepared(student, None, str(error))
