"""An optional exercise (sigmoid) is off in ``micrograd check`` unless asked for: a student who never writes
``Value.sigmoid`` (the method missing, or the generated stub left as it is) passes the default check."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from check_helpers import run_check

from micrograd.impl import reference_dir
from micrograd.verdict import COURSE, EXERCISES, OPTIONAL_EXERCISES

_START, _END = "    def sigmoid(self):\n", "    def backward(self):\n"


def _reference_with_sigmoid(folder: Path, body: str) -> Path:
    """The reference whose Value.sigmoid is replaced by ``body`` (empty: no sigmoid method at all)."""
    folder.mkdir()
    shutil.copy(reference_dir() / "nn.py", folder / "nn.py")
    source = (reference_dir() / "engine.py").read_text()
    start, end = source.index(_START), source.index(_END)
    (folder / "engine.py").write_text(source[:start] + body + source[end:])
    return folder


@pytest.fixture(scope="module", params=["missing", "stub"])
def without_sigmoid(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    stub = ("    def sigmoid(self):\n        raise NotImplementedError('Value.sigmoid: 1 / (1 + e ** -self)')\n\n"
            if request.param == "stub" else "")
    return _reference_with_sigmoid(tmp_path_factory.mktemp(request.param) / "submission", stub)


def _exercises(out: str) -> dict:
    return {e["name"]: e for e in json.loads(out)["exercises"]}


def test_sigmoid_is_the_kits_optional_exercise():
    assert OPTIONAL_EXERCISES == ("sigmoid",) and "sigmoid" not in COURSE


def test_a_folder_without_sigmoid_passes_the_default_check(capsys, without_sigmoid: Path):
    status, out, err = run_check(capsys, str(without_sigmoid), "--json", spec=None)
    assert status == 0, err
    assert list(_exercises(out)) == list(COURSE)  # every exercise of the default course, sigmoid left out
    assert all(e["status"] == "passing" for e in _exercises(out).values())


def test_a_folder_without_sigmoid_fails_the_sigmoid_exercise_when_asked(capsys, without_sigmoid: Path):
    status, out, _ = run_check(capsys, str(without_sigmoid), "--exercise", "sigmoid", "--json", spec=None)
    assert status == 1
    sigmoid = _exercises(out)["sigmoid"]
    assert sigmoid["status"] in ("not_started", "failing") and sigmoid["passed"] == 0


def test_all_checks_the_optional_exercises_too(capsys, without_sigmoid: Path):
    status, out, _ = run_check(capsys, str(reference_dir()), "--all", "--json", spec=None)
    assert status == 0 and list(_exercises(out)) == list(EXERCISES)
    status, out, _ = run_check(capsys, str(without_sigmoid), "--all", "--json", spec=None)
    assert status == 1
    assert {name for name, e in _exercises(out).items() if e["status"] != "passing"} == {"sigmoid"}
