"""Notebook submissions: the nbgrader course notebook (``%%writefile`` cells) and plain notebooks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict

import pytest

from autograder import Limits, grade, load_rubric
from autograder.grade import prepare
from micrograd.impl import reference_dir

nbformat = pytest.importorskip("nbformat", reason="the notebooks extra is not installed (pip install nbformat)")

from autograder.course.build import build_notebook  # noqa: E402 (it needs nbformat, checked just above)

RUBRIC = Path(__file__).parent / "mini_rubric.toml"
LIMITS = Limits(timeout=1.0, budget=20.0)


def _released(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook as students receive it: nbgrader's own ClearSolutions, with the course's stub."""
    from nbgrader.preprocessors import ClearSolutions

    clear = ClearSolutions(code_stub={"python": "# YOUR CODE HERE\nraise NotImplementedError()"})
    released, _ = clear.preprocess(notebook, {})
    return released


@pytest.fixture(scope="module")
def notebooks(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Path]:
    root = tmp_path_factory.mktemp("notebooks")
    paths = {"course_correct": root / "course_correct.ipynb", "course_stub": root / "course_stub.ipynb"}
    nbformat.write(build_notebook(), str(paths["course_correct"]))
    nbformat.write(_released(build_notebook()), str(paths["course_stub"]))
    return paths


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


def test_a_plain_notebook_still_has_its_code_cells_joined(tmp_path: Path) -> None:
    cells = [{"cell_type": "code", "id": "a", "metadata": {}, "outputs": [], "execution_count": None,
              "source": "%matplotlib inline\nclass Value:\n    pass\n"}]
    path = tmp_path / "plain.ipynb"
    path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}))
    prepared = prepare(path, tmp_path / "out")
    assert prepared.directory is not None, prepared.error
    engine = (prepared.directory / "engine.py").read_text()
    assert "pass  # %matplotlib inline" in engine and "class Value:" in engine
    assert "from .engine import *" in (prepared.directory / "nn.py").read_text()


def test_a_broken_notebook_is_invalid_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "broken.ipynb"
    path.write_text("{not json")
    prepared = prepare(path, tmp_path / "out")
    assert prepared.directory is None and "not a valid notebook" in prepared.error


@pytest.mark.slow
def test_course_notebooks_are_graded(notebooks: Dict[str, Path], tmp_path: Path) -> None:
    results = {r.student: r for r in grade(list(notebooks.values()), tmp_path / "out", rubric=load_rubric(RUBRIC),
                                           limits=LIMITS, jobs=1, html=False)}
    assert (results["course_correct"].status, results["course_correct"].score) == ("graded", 6)
    stub = results["course_stub"]
    assert (stub.status, stub.score) == ("graded", 0)
    assert all(p.status == "failed" and "NotImplementedError" in p.summary for p in stub.properties)
