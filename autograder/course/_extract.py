"""Take the student's files out of a course notebook without running it.

The course notebook's solution cells start with ``%%writefile engine.py`` /
``%%writefile nn.py``; running the notebook writes them. A grader that must not run
the student's notebook (``micrograd grade``, in a sandbox) reads them here instead.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, Union

__all__ = ["NotebookFilesError", "notebook_files", "write_notebook_files"]

_WRITEFILE = re.compile(r"\A%%writefile[ \t]+(\S+)[ \t]*(?:\n|\Z)")
_WANTED = ("engine.py", "nn.py")


class NotebookFilesError(ValueError):
    """The notebook cannot be read, or lacks a ``%%writefile`` cell for a file."""


def notebook_files(notebook: Union[str, Path]) -> Dict[str, str]:
    """``{"engine.py": code, "nn.py": code}`` from the notebook's ``%%writefile`` code cells.

    As when the notebook runs top to bottom, a later cell writing the same file wins.
    """
    import nbformat  # nbgrader's dependency; imported here so grade_exercise works without it

    path = Path(notebook)
    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception as error:  # noqa: BLE001 (nbformat raises many types for a broken file)
        raise NotebookFilesError(f"{path.name} is not a valid notebook: {error}") from None
    files: Dict[str, str] = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        match = _WRITEFILE.match(cell.source)
        if match and match.group(1) in _WANTED:
            body = cell.source[match.end():]
            files[match.group(1)] = body if body.endswith("\n") else body + "\n"
    missing = [name for name in _WANTED if name not in files]
    if missing:
        raise NotebookFilesError(
            f"{path.name} has no `%%writefile {missing[0]}` cell: is it the course notebook (micrograd.ipynb)?"
        )
    return files


def write_notebook_files(notebook: Union[str, Path], directory: Union[str, Path]) -> Path:
    """Write the notebook's engine.py and nn.py into ``directory`` (created if needed); returns it."""
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    for name, code in notebook_files(notebook).items():
        # a lone surrogate (a cell may hold "\\ud800" in its JSON) is written as its escape, which means the same
        # thing in a string literal: any cell can be written
        (target / name).write_text(code, encoding="utf-8", errors="backslashreplace")
    return target
