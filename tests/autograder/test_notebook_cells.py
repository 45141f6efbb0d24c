"""A notebook student is told the cell, not a line of the engine.py made from their notebook (issue 18:
"engine.py:65" instead of the cell)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Tuple

import pytest

from autograder import Limits, grade, load_rubric
from autograder.grade import prepare
from autograder.grade._cells import cell_lines, in_cells
from autograder.report import PropertyResult, SubmissionResult

RUBRIC = Path(__file__).parent / "mini_rubric.toml"


def _notebook(path: Path, cells: List[Tuple[str, str]]) -> Path:
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": kind, "id": f"c{i}", "metadata": {}, "source": text,
         **({"outputs": [], "execution_count": None} if kind == "code" else {})}
        for i, (kind, text) in enumerate(cells)]}
    path.write_text(json.dumps(notebook), encoding="utf-8")
    return path


def _engine_lines(tmp_path: Path, notebook: Path) -> Tuple[Path, List[str]]:
    prepared = prepare(notebook, tmp_path / "scratch")
    assert prepared.directory is not None, prepared.error
    return prepared.directory, (prepared.directory / "engine.py").read_text().split("\n")


def test_each_line_of_a_course_notebook_s_files_is_found_in_its_cell(tmp_path: Path) -> None:
    cells = [("markdown", "# hi"),
             ("code", "%%writefile engine.py\nclass Value:\n    def tanh(self):\n        raise KeyError('x')\n"),
             ("code", "print('not a file')"),
             ("code", "%%writefile -a engine.py\n\ndef helper():\n    return 1"),
             ("code", "%%writefile nn.py\nfrom .engine import Value\n")]
    graded, lines = _engine_lines(tmp_path, _notebook(tmp_path / "nb.ipynb", cells))
    where = cell_lines(tmp_path / "nb.ipynb", graded)
    assert set(where) == {"engine.py", "nn.py"}
    for number, (cell, line, first) in enumerate(where["engine.py"], 1):
        source = cells[cell - 1][1].split("\n")
        assert source[line - 1] == lines[number - 1] and first == source[0]
    assert where["engine.py"][3 - 1][:2] == (2, 4)  # raise KeyError: the 2nd cell, its 4th line


def test_each_line_of_a_joined_notebook_is_found_in_its_cell(tmp_path: Path) -> None:
    cells = [("code", "%matplotlib inline\nclass Value:\n    pass"), ("markdown", "text"), ("code", ""),
             ("code", "def f():\n    return 1\n"), ("code", "!pip install x\nclass Module: pass")]
    graded, lines = _engine_lines(tmp_path, _notebook(tmp_path / "nb.ipynb", cells))
    where = cell_lines(tmp_path / "nb.ipynb", graded)["engine.py"]
    assert len(where) == len(lines) - 1  # the file ends with a newline
    for number, (cell, line, _) in enumerate(where, 1):
        if cell:
            source = cells[cell - 1][1].splitlines() or [""]
            assert lines[number - 1] in (source[line - 1], "pass  # " + source[line - 1].strip())
        else:
            assert number == 1 or lines[number - 1] == ""  # the header, or the blank line between two cells


def test_files_the_notebook_does_not_make_are_not_mapped(tmp_path: Path) -> None:
    notebook = _notebook(tmp_path / "nb.ipynb", [("code", "class Value:\n    pass")])
    graded, _ = _engine_lines(tmp_path, notebook)
    (graded / "engine.py").write_text("# edited\n" + (graded / "engine.py").read_text())
    assert cell_lines(notebook, graded) == {}


@pytest.mark.parametrize("said, told", [
    ("KeyError at engine.py:3 in tanh while computing b = a.tanh()", "KeyError at cell 2 (%%writefile engine.py), "
     "line 4 in tanh while computing b = a.tanh()"),
    ("it was running /tmp/x/engine.py:2 (tanh)", "it was running cell 2 (%%writefile engine.py), line 3 (tanh)"),
    ("importing engine.py failed (line 2): SyntaxError: bad (engine.py, line 2)",
     "importing engine.py failed (cell 2 (%%writefile engine.py), line 3): SyntaxError: bad (cell 2 "
     "(%%writefile engine.py), line 3)"),
    ('File "engine.py", line 3, in tanh', "cell 2 (%%writefile engine.py), line 4, in tanh"),
    ("nn.py:1", "cell 3 (%%writefile nn.py), line 2"),
    ("myengine.py:3 and engine.py:99 are not the notebook's", "myengine.py:3 and engine.py:99 are not the notebook's"),
])
def test_places_are_said_as_cells(tmp_path: Path, said: str, told: str) -> None:
    cells = [("markdown", "# hi"),
             ("code", "%%writefile engine.py\nclass Value:\n    def tanh(self):\n        raise KeyError('x')\n"),
             ("code", "%%writefile nn.py\nfrom .engine import Value\n")]
    graded, _ = _engine_lines(tmp_path, _notebook(tmp_path / "nb.ipynb", cells))
    result = SubmissionResult("s", "graded", said, 0, 1, (), (PropertyResult("t::p", "tanh", "failed", said),))
    shown = in_cells(result, cell_lines(tmp_path / "nb.ipynb", graded))
    assert shown.reason == told and shown.properties[0].summary == told


@pytest.mark.slow
def test_a_graded_notebook_s_feedback_names_the_cell(tmp_path: Path) -> None:
    source = Path(__file__).parents[2] / "autograder" / "course" / "source" / "micrograd" / "micrograd.ipynb"
    notebook = json.loads(source.read_text(encoding="utf-8"))
    cell_number = 0
    for number, cell in enumerate(notebook["cells"], 1):
        source = "".join(cell["source"])
        if source.startswith("%%writefile engine.py"):
            cell["source"] = source.replace("    def __mul__(self, other):\n",
                                            "    def __mul__(self, other):\n        raise KeyError('mine')\n", 1)
            cell_number = number
            line = cell["source"].split("\n").index("        raise KeyError('mine')") + 1
    path = tmp_path / "micrograd.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    (result,) = grade([path], tmp_path / "out", rubric=load_rubric(RUBRIC), limits=Limits(timeout=2.0, budget=30.0),
                      html=False, isolation="none")
    assert result.layout == "notebook" and result.status == "graded"
    feedback = (tmp_path / "out" / "micrograd" / "feedback.md").read_text(encoding="utf-8")
    assert f"KeyError: 'mine' at cell {cell_number} (%%writefile engine.py), line {line} in __mul__" in feedback
    assert "engine.py:" not in feedback
