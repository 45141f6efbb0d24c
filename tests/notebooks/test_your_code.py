"""Where the notebooks find the student's code, and what drawing a graph needs (issue 17, item 6).

Fast: no kernel is started (tests/notebooks/test_notebooks.py runs learn.ipynb in a course folder).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from micrograd import cli
from micrograd.cli import _notebooks
from micrograd.engine import Value
from micrograd.impl import choose_implementation, course_exercises, exercises_dir, reference_dir


@pytest.fixture
def course(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A course folder made by `micrograd assign`, with its notebooks' copy."""
    monkeypatch.delenv("MICROGRAD_IMPL", raising=False)
    folder = tmp_path / "course"
    assert cli.main(["assign", "--out", str(folder / "exercises")]) == 0
    (folder / "micrograd-notebooks").mkdir()
    return folder


def test_auto_finds_the_students_exercises_as_the_check_does_or_one_folder_up(course: Path, tmp_path: Path) -> None:
    assert course_exercises(course) == course / "exercises"
    assert course_exercises(course / "micrograd-notebooks") == course / "exercises"
    assert course_exercises(course / "exercises") == course / "exercises"  # it holds engine.py
    assert course_exercises(tmp_path) is None
    chosen = choose_implementation(cwd=course / "micrograd-notebooks")
    assert chosen.folder == course / "exercises" and chosen.why.startswith(f"Using your code in {course / 'exercises'}")


def test_auto_never_picks_the_kits_own_stubs_or_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MICROGRAD_IMPL", raising=False)
    for folder in (exercises_dir(), exercises_dir().parent, reference_dir()):
        chosen = choose_implementation(cwd=folder)
        assert chosen.folder == reference_dir(), folder
        assert chosen.why.startswith("Using the kit's reference implementation: there is no exercises/ folder of yours")


def test_auto_never_picks_the_stubs_of_a_clone_when_the_kit_is_installed_from_a_wheel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CI runs the notebooks in a clone's notebooks/ with the kit installed elsewhere (a wheel): the clone's
    exercises/ are the kit's stubs all the same."""
    monkeypatch.delenv("MICROGRAD_IMPL", raising=False)
    clone = tmp_path / "clone"
    for folder in ("exercises", "reference", "micrograd", "notebooks"):
        (clone / folder).mkdir(parents=True)
    (clone / "exercises" / "engine.py").write_text("# stubs\n")
    (clone / "reference" / "engine.py").write_text("# reference\n")
    (clone / "micrograd" / "__init__.py").write_text("")
    assert course_exercises(clone / "notebooks") is None
    assert choose_implementation(cwd=clone / "notebooks").folder == reference_dir()
    (clone / "micrograd" / "__init__.py").unlink()  # a student's course folder holding a reference/ of its own
    assert course_exercises(clone / "notebooks") == clone / "exercises"


def test_a_setting_names_the_reference_or_a_folder_and_a_wrong_one_says_what_to_do(
    course: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert choose_implementation("reference", cwd=course).folder == reference_dir()
    assert choose_implementation("exercises", cwd=course).folder == course / "exercises"
    with pytest.raises(ValueError, match=r"IMPLEMENTATION is 'mine', but there is no engine.py in .*mine: give"):
        choose_implementation("mine", cwd=course)
    monkeypatch.setenv("MICROGRAD_IMPL", "reference")  # a script's choice, for "auto" only
    assert choose_implementation(cwd=course).folder == reference_dir()
    assert choose_implementation("exercises", cwd=course).folder == course / "exercises"


def test_micrograd_notebooks_started_in_a_course_folder_points_the_notebooks_at_it(
    course: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls = []
    monkeypatch.chdir(course)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: object())
    monkeypatch.setattr(subprocess, "call", lambda command, env=None: calls.append(env) or 0)
    assert cli.main(["notebooks", "--no-browser"]) == 0
    assert calls[0]["MICROGRAD_IMPL"] == str((course / "exercises").resolve())
    assert f"learn.ipynb runs your code in {course / 'exercises'}" in capsys.readouterr().err
    monkeypatch.chdir(exercises_dir().parent)  # a clone of the kit is no course folder
    env, found = _notebooks.notebook_environment()
    assert found is None and "MICROGRAD_IMPL" not in env


def test_without_the_graphviz_package_draw_dot_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from micrograd.viz import draw_dot

    monkeypatch.setitem(sys.modules, "graphviz", None)
    with pytest.raises(ModuleNotFoundError) as raised:
        draw_dot(Value(1.0))
    assert "pip install graphviz" in str(raised.value) and "'.[notebooks]'" in str(raised.value)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__  # not "No module named" first
    assert raised.value.name == "graphviz"


@pytest.mark.skipif(importlib.util.find_spec("graphviz") is None, reason="the graphviz package is not installed")
def test_without_the_dot_program_jupyter_shows_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from micrograd.viz import draw_dot

    monkeypatch.setenv("PATH", str(tmp_path))  # no dot there
    shown = draw_dot(Value(1.0))._repr_mimebundle_()
    assert list(shown) == ["text/plain"] and "apt-get install graphviz" in shown["text/plain"]
    assert "data 1.0000" in draw_dot(Value(1.0)).source  # the graph itself is still there
