"""Where a notebook student's code is: a line of the engine.py made from a notebook, as a cell of it.

A notebook is graded as the files it writes (:func:`autograder.grade._submission.notebook_files`:
its ``%%writefile`` cells) or, for any other notebook, as its code cells joined into engine.py. The
sandbox then reports places in those files (``engine.py:88``, ``(engine.py, line 87)``), which the
student never saw: :func:`in_cells` says them as the cell and its line instead
(``cell 3 (%%writefile engine.py), line 89``). The map is made by building the files again from
the notebook and is used only when they are exactly the files graded.
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from autograder.grade._submission import _MAGIC, _MODULE_NAME, _WRITEFILE, LIMITS, SubmissionError, _cells
from autograder.report._results import SubmissionResult

__all__ = ["cell_lines", "in_cells", "source_notebook"]

#: file -> [(cell number, line in the cell, the cell's first line when it is a %%writefile), ...] per line
Lines = Dict[str, List[Tuple[int, int, str]]]
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _lines(text: str) -> List[str]:
    return _LINE_BREAK.split(text)


def _writefile_lines(cells: List[Tuple[str, str]]) -> Tuple[Dict[str, str], Lines]:
    files: Dict[str, str] = {}
    lines: Lines = {}
    for number, (kind, source) in enumerate(cells, 1):
        match = _WRITEFILE.match(source) if kind == "code" else None
        if not match or not _MODULE_NAME.match(match.group("name")):
            continue
        name = match.group("name")
        body = source[match.end():]
        body = body if body.endswith("\n") else body + "\n"
        first = source[: match.end()].strip()
        where = [(number, i + 2, first) for i in range(len(_lines(body)) - 1)]  # line 1 is the magic
        if match.group("append"):
            files[name] = files.get(name, "") + body
            lines[name] = lines.get(name, []) + where
        else:
            files[name], lines[name] = body, where
    return files, lines


def _joined_lines(cells: List[Tuple[str, str]], notebook: Path) -> Tuple[Dict[str, str], Lines]:
    header = f"# all code cells of {notebook.name}, in order\n"
    parts: List[str] = []
    where: List[Tuple[int, int, str]] = [(0, 0, "")]  # the header
    for number, (kind, source) in enumerate(cells, 1):
        if kind != "code":
            continue
        if parts:
            where.append((0, 0, ""))  # the blank line between two cells
        cell = source.splitlines()
        parts.append("\n".join(("pass  # " + line.strip()) if _MAGIC.match(line) else line for line in cell))
        where += [(number, i + 1, "") for i in range(max(1, len(cell)))]
    return {"engine.py": header + "\n\n".join(parts) + "\n"}, {"engine.py": where}


def cell_lines(notebook: Path, graded: Path) -> Lines:
    """For each file of ``graded`` made from ``notebook``, where each of its lines is in the notebook;
    empty when the notebook does not make exactly those files (or cannot be read)."""
    try:
        cells = _cells(notebook)
    except (SubmissionError, OSError):
        return {}
    files, lines = _writefile_lines(cells)
    if "engine.py" not in files:
        files, lines = _joined_lines(cells, notebook)
    for name, text in files.items():
        try:
            written = text.encode("utf-8", "backslashreplace").decode("utf-8")  # as the files were written
            if (graded / name).read_text(encoding="utf-8") != written:
                return {}
        except (OSError, UnicodeDecodeError):
            return {}
    return lines


def source_notebook(path: Path, unzipped: Path) -> Optional[Path]:
    """The one notebook a submission is (a .ipynb), or holds (in its folder, or in ``unzipped``: the
    folder its zip was unzipped into); None when there is none or more than one."""
    path = Path(path)
    if path.suffix.lower() == ".ipynb":
        return path
    base = path if path.is_dir() else unzipped
    found: List[Path] = []
    seen = 0
    for folder, dirs, files in os.walk(base):
        dirs[:] = [d for d in dirs if d not in ("__MACOSX", ".ipynb_checkpoints")]
        seen += len(dirs) + len(files)
        found += [Path(folder, f) for f in files if f.lower().endswith(".ipynb")]
        if seen > LIMITS["walked_entries"] or len(found) > 1:
            return None
    return found[0] if found else None


def in_cells(result: SubmissionResult, lines: Lines) -> SubmissionResult:
    """``result`` (a SubmissionResult) with the places in files made from a notebook said as its cells,
    in its reason and in each property's summary."""
    if not lines:
        return result
    names = "|".join(re.escape(name) for name in sorted(lines, key=len, reverse=True))
    place = re.compile(rf'(?:File ")?(?<![\w./-])/?(?:[\w.-]+/)*(?P<file>{names})'
                       rf'(?P<sep>:|", line |, line | failed \(line )(?P<line>\d+)')

    def cell(match: re.Match[str]) -> str:
        where = lines[match.group("file")]
        line = int(match.group("line"))
        if not 1 <= line <= len(where) or where[line - 1][0] == 0:
            return match.group()
        number, in_cell, first = where[line - 1]
        said = f"cell {number}" + (f" ({first})" if first else "") + f", line {in_cell}"
        if match.group("sep") == " failed (line ":
            return f"{match.group('file')} failed ({said}"
        return said

    def fix(text: str) -> str:
        return place.sub(cell, text)

    properties = tuple(dataclasses.replace(p, summary=fix(p.summary)) for p in result.properties)
    return dataclasses.replace(result, reason=fix(result.reason), properties=properties)
