"""Notebook submissions: the nbgrader course notebook (``%%writefile`` cells) and plain notebooks.

Notebooks are read as plain JSON, so they grade wherever the grader runs, nbformat or not (every
Gradescope bundle, the README's plain install); the tests that build notebooks with nbgrader skip
without it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Dict

import pytest

from autograder import Limits, grade, load_rubric
from autograder.grade import grade_one, prepare
from micrograd.impl import reference_dir

RUBRIC = Path(__file__).parent / "mini_rubric.toml"
LIMITS = Limits(timeout=1.0, budget=20.0)
COURSE = Path(__file__).parents[2] / "autograder" / "course" / "source" / "micrograd" / "micrograd.ipynb"


def _released(notebook: Any) -> Any:
    """The notebook as students receive it: nbgrader's own ClearSolutions, with the course's stub."""
    from nbgrader.preprocessors import ClearSolutions

    clear = ClearSolutions(code_stub={"python": "# YOUR CODE HERE\nraise NotImplementedError()"})
    released, _ = clear.preprocess(notebook, {})
    return released


@pytest.fixture(scope="module")
def notebooks(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Path]:
    nbformat = pytest.importorskip("nbformat", reason="the notebooks extra is not installed (pip install nbformat)")
    pytest.importorskip("nbgrader", reason="the grading extra is not installed (pip install nbgrader)")
    from autograder.course.build import build_notebook

    root = tmp_path_factory.mktemp("notebooks")
    paths = {"course_correct": root / "course_correct.ipynb", "course_stub": root / "course_stub.ipynb"}
    nbformat.write(build_notebook(), str(paths["course_correct"]))
    nbformat.write(_released(build_notebook()), str(paths["course_stub"]))
    return paths


@pytest.fixture
def no_nbformat(monkeypatch: pytest.MonkeyPatch) -> None:
    """As on a machine without nbformat: importing it fails."""
    for name in [m for m in sys.modules if m == "nbformat" or m.startswith("nbformat.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "nbformat", None)


def test_the_course_notebook_gives_its_writefile_cells_as_files(notebooks: Dict[str, Path], tmp_path: Path) -> None:
    prepared = prepare(notebooks["course_correct"], tmp_path / "correct")
    assert prepared.directory is not None, prepared.error
    for name in ("engine.py", "nn.py"):
        assert (prepared.directory / name).read_text() == (reference_dir() / name).read_text()
    stub = prepare(notebooks["course_stub"], tmp_path / "stub")
    assert stub.directory is not None, stub.error
    engine = (stub.directory / "engine.py").read_text()
    assert "raise NotImplementedError()" in engine and "### BEGIN SOLUTION" not in engine
    assert not engine.startswith("%%writefile")


def test_the_files_are_those_nbgrader_s_reader_sees(notebooks: Dict[str, Path], tmp_path: Path) -> None:
    from autograder.course import notebook_files

    for name, path in notebooks.items():
        prepared = prepare(path, tmp_path / name)
        assert prepared.directory is not None, prepared.error
        assert {f: (prepared.directory / f).read_text() for f in ("engine.py", "nn.py")} == notebook_files(path)


def test_the_course_notebook_is_read_without_nbformat(no_nbformat: None, tmp_path: Path) -> None:
    with pytest.raises(ImportError):
        import nbformat  # noqa: F401 (the fixture makes this fail)
    prepared = prepare(COURSE, tmp_path / "course")
    assert prepared.directory is not None, prepared.error
    for name in ("engine.py", "nn.py"):
        assert (prepared.directory / name).read_text() == (reference_dir() / name).read_text()


@pytest.mark.slow
def test_course_notebooks_grade_without_nbformat_also_in_a_submission_folder(no_nbformat: None,
                                                                            tmp_path: Path) -> None:
    folder = tmp_path / "submission"  # Gradescope's layout: the notebook in /autograder/submission
    folder.mkdir()
    (folder / "micrograd.ipynb").write_bytes(COURSE.read_bytes())
    rubric = load_rubric(RUBRIC)
    for path in (COURSE, folder):
        result = grade_one(path, rubric, LIMITS)
        assert (result.status, result.score, result.reason) == ("graded", 6, ""), result.reason


def test_a_notebook_can_write_helper_modules(tmp_path: Path) -> None:
    engine = (reference_dir() / "engine.py").read_text().replace("import math\n", "import math\nfrom derivs import K\n")
    cells = [("code", "%%writefile derivs.py\nK = 1\n"), ("code", "%%writefile engine.py\n" + engine),
             ("code", "%%writefile -a derivs.py\nJ = 2\n"), ("code", "%%writefile nn.py\n" +
                                                              (reference_dir() / "nn.py").read_text())]
    path = _write_notebook(tmp_path / "helpers.ipynb", cells)
    prepared = prepare(path, tmp_path / "out")
    assert prepared.directory is not None, prepared.error
    assert (prepared.directory / "derivs.py").read_text() == "K = 1\nJ = 2\n"
    assert sorted(p.name for p in prepared.directory.iterdir()) == ["derivs.py", "engine.py", "nn.py"]


def _write_notebook(path: Path, cells: list) -> Path:
    path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": kind, "id": f"c{i}", "metadata": {}, "source": source.splitlines(keepends=True),
         **({"outputs": [], "execution_count": None} if kind == "code" else {})}
        for i, (kind, source) in enumerate(cells)]}))
    return path


def test_a_plain_notebook_still_has_its_code_cells_joined(tmp_path: Path) -> None:
    path = _write_notebook(tmp_path / "plain.ipynb", [("code", "%matplotlib inline\nclass Value:\n    pass\n")])
    prepared = prepare(path, tmp_path / "out")
    assert prepared.directory is not None, prepared.error
    engine = (prepared.directory / "engine.py").read_text()
    assert "pass  # %matplotlib inline" in engine and "class Value:" in engine
    assert "from .engine import *" in (prepared.directory / "nn.py").read_text()


def test_a_course_notebook_without_nn_says_which_cell_is_missing(tmp_path: Path) -> None:
    path = _write_notebook(tmp_path / "half.ipynb", [("code", "%%writefile engine.py\nclass Value: pass\n")])
    prepared = prepare(path, tmp_path / "out")
    assert prepared.directory is None and "has no `%%writefile nn.py` cell" in prepared.error


@pytest.mark.parametrize("text, words", [
    ("{not json", "not a valid notebook"),
    ("[" * 100_000 + "]" * 100_000, "not a valid notebook"),
    ('{"cells": [{"cell_type": "code", "source": 3}]}', "a cell's source is not text"),
    ('{"cells": 7}', "no list of cells"),
])
def test_a_broken_notebook_is_invalid_with_the_reason(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "broken.ipynb"
    path.write_text(text)
    prepared = prepare(path, tmp_path / "out")
    assert prepared.directory is None and words in prepared.error
    assert "has no engine.py" not in prepared.error


@pytest.mark.slow
def test_course_notebooks_are_graded(notebooks: Dict[str, Path], tmp_path: Path) -> None:
    results = {r.student: r for r in grade(list(notebooks.values()), tmp_path / "out", rubric=load_rubric(RUBRIC),
                                           limits=LIMITS, jobs=1, html=False)}
    assert (results["course_correct"].status, results["course_correct"].score) == ("graded", 6)
    stub = results["course_stub"]
    assert (stub.status, stub.score) == ("graded", 0)
    assert all(p.status == "failed" and "NotImplementedError" in p.summary for p in stub.properties)
