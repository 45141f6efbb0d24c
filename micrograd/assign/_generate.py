"""Generate exercise files from the reference by replacing nbgrader solution regions with stubs."""

from __future__ import annotations

import ast
import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

__all__ = [
    "BEGIN",
    "END",
    "FILES",
    "AssignError",
    "Region",
    "check_exercises",
    "generate",
    "solution_regions",
    "write_exercises",
]

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
#: the files of an implementation, in the order students meet them
FILES = ("engine.py", "nn.py")

_HEADER = (
    "# Exercises generated from reference/{name} by `micrograd assign`.\n"
    "# Replace every `raise NotImplementedError(...)` with your code, then run `micrograd check`.\n"
)


class AssignError(Exception):
    """The reference's solution markers are malformed."""


@dataclass(frozen=True)
class Region:
    """One solution region: its lines (1-based, markers included), indent, and the stub's hint."""

    begin: int
    end: int
    indent: str
    qualname: str
    hint: str


def solution_regions(source: str, filename: str = "<source>") -> List[Region]:
    """Every BEGIN/END SOLUTION region of ``source``, each inside a function."""
    lines = source.splitlines()
    try:
        tree = ast.parse(source, filename)
    except SyntaxError as error:
        raise AssignError(f"{filename} is not valid Python (line {error.lineno}): {error.msg}") from error
    functions = _functions(tree)
    regions: List[Region] = []
    begin: Optional[int] = None
    for number, line in enumerate(lines, start=1):
        marker = line.strip()
        if marker == BEGIN:
            if begin is not None:
                raise AssignError(f"{filename}:{number}: {BEGIN} inside the region opened on line {begin}")
            begin = number
        elif marker == END:
            if begin is None:
                raise AssignError(f"{filename}:{number}: {END} without a {BEGIN} before it")
            indent = lines[begin - 1][: len(lines[begin - 1]) - len(lines[begin - 1].lstrip())]
            qualname, hint = _enclosing(functions, begin, filename)
            regions.append(Region(begin, number, indent, qualname, hint))
            begin = None
    if begin is not None:
        raise AssignError(f"{filename}:{begin}: {BEGIN} is never closed by {END}")
    return regions


def _functions(tree: ast.AST) -> List[tuple]:
    """(first line, last line, qualified name, node) of every function, outermost first."""
    found = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = prefix + child.name
                found.append((child.lineno, child.end_lineno, name, child))
                visit(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")

    visit(tree, "")
    return found


def _enclosing(functions: List[tuple], line: int, filename: str) -> tuple:
    inside = [f for f in functions if f[0] < line <= f[1]]
    if not inside:
        raise AssignError(f"{filename}:{line}: a solution region must be inside a function")
    _, _, qualname, node = max(inside, key=lambda f: f[0])
    doc = ast.get_docstring(node)
    hint = " ".join(doc.split("\n\n")[0].split()) if doc else ""
    return qualname, hint


def generate(source: str, name: str) -> str:
    """The exercise version of the reference file ``name`` (``engine.py`` or ``nn.py``)."""
    lines = source.splitlines(keepends=True)
    regions = solution_regions(source, name)
    out: List[str] = [_HEADER.format(name=name)]
    position = 0
    for region in regions:
        out.extend(lines[position : region.begin - 1])
        hint = region.hint or _def_comment(lines, region)
        message = f"{region.qualname}: {hint}" if hint else region.qualname
        out.append(f"{region.indent}# YOUR CODE HERE\n")
        out.append(f"{region.indent}raise NotImplementedError({message!r})\n")
        position = region.end
    out.extend(lines[position:])
    return "".join(out)


def _def_comment(lines: List[str], region: Region) -> str:
    """The ``# comment`` on the closest ``def`` line above the region."""
    for line in reversed(lines[: region.begin - 1]):
        if line.lstrip().startswith("def "):
            return line.split("#", 1)[1].strip() if "#" in line else ""
    return ""


def write_exercises(reference: Path, exercises: Path, *, force: bool = False) -> List[Path]:
    """Write every exercise file that is missing or out of date; returns the files written.

    A file that exists and differs from what the reference generates may hold a student's work:
    unless ``force``, nothing is written and AssignError names those files.
    """
    generated = {name: generate(_read(reference / name), name) for name in FILES}
    changed = [exercises / name for name, text in generated.items()
               if (exercises / name).is_file() and (exercises / name).read_text() != text]
    if changed and not force:
        names = ", ".join(str(path) for path in changed)
        raise AssignError(f"{names} differ{'s' if len(changed) == 1 else ''} from what {reference} generates "
                          "(your work?): nothing written. `micrograd assign --check` shows the difference; "
                          "--force replaces the file(s)")
    exercises.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in generated.items():
        target = exercises / name
        if not target.is_file() or target.read_text() != text:
            target.write_text(text)
            written.append(target)
    return written


def check_exercises(reference: Path, exercises: Path) -> List[str]:
    """Unified diffs for every exercise file that differs from what the reference generates."""
    diffs = []
    for name in FILES:
        expected = generate(_read(reference / name), name)
        target = exercises / name
        actual = target.read_text() if target.is_file() else ""
        if actual != expected:
            diffs.append("".join(difflib.unified_diff(
                actual.splitlines(keepends=True), expected.splitlines(keepends=True),
                f"{target} (committed)", f"{target} (generated from {reference / name})",
            )) or f"{target} is missing\n")
    return diffs


def _read(path: Path) -> str:
    if not path.is_file():
        raise AssignError(f"{path} is missing: the reference needs {path.name}")
    return path.read_text()
