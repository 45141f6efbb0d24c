"""Layering: the runner (what the sandboxed child carries) and the table of operations import nothing of
the kit, ``micrograd.program`` only those two, and the package's parts import each other without cycles
(every import counts, also those inside functions)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Set

import micrograd

PACKAGE = Path(micrograd.__file__).resolve().parent
#: the reference (symlinks into reference/) is teaching material, not machinery
NOT_MACHINERY = {"engine", "nn"}


def _part(module: str) -> str:
    """``micrograd.verdict._compare`` -> ``verdict``; the package itself is ``micrograd``."""
    names = module.split(".")
    return names[1] if len(names) > 1 else "micrograd"


def _imports(file: Path) -> Set[str]:
    """Every micrograd module ``file`` imports, anywhere in it (relative imports resolved)."""
    relative = file.relative_to(PACKAGE.parent).with_suffix("")
    package = list(relative.parts[:-1])  # the package a relative import starts from
    found = set()
    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"), str(file))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in found if name == "micrograd" or name.startswith("micrograd.")}


def part_graph() -> Dict[str, Set[str]]:
    """part -> the other parts it imports (``micrograd/__init__.py`` imports nothing and is left out)."""
    graph: Dict[str, Set[str]] = {}
    for file in PACKAGE.rglob("*.py"):
        if file.parent == PACKAGE and (file.stem in NOT_MACHINERY or file.name == "__init__.py"):
            continue
        module = ".".join(file.relative_to(PACKAGE.parent).with_suffix("").parts)
        part = _part(module)
        targets = {_part(name) for name in _imports(file)} - {part, "micrograd"}
        graph.setdefault(part, set()).update(targets)
    return graph


def _cycle(graph: Dict[str, Set[str]]) -> List[str]:
    """One cycle of ``graph`` as a list of parts, or [] if there is none."""
    state: Dict[str, int] = {}
    path: List[str] = []

    def visit(node: str) -> List[str]:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*path[path.index(target):], target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return []


def test_the_graph_sees_the_known_imports():
    graph = part_graph()
    assert "program" in graph["oracles"] and "spec" in graph["testing"] and "judge" in graph["check"]
    assert "testing" not in graph["check"]  # the check does not import the pytest plugin (nor pytest)


def test_program_imports_nothing_above_it():
    graph = part_graph()
    assert graph["program"] == {"ops", "runner"}
    assert graph["runner"] == set() and graph["ops"] == set()


def test_the_parts_import_each_other_without_cycles():
    assert _cycle(part_graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_importing_program_loads_no_other_part():
    code = (
        "import sys, micrograd.program\n"
        "from micrograd.program import ModuleProgram\n"
        "print(sorted({m.split('.')[1] for m in sys.modules if m.startswith('micrograd.')}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['ops', 'program', 'runner']"
