"""Rubrics: defaults cover every exercise; typos are clear errors; policy checks parse, never run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List

import pytest

from autograder.rubric import RubricError, default_rubric, load_rubric, policy_violations
from micrograd.verdict import COURSE, EXERCISES, OPTIONAL_EXERCISES

MINI = Path(__file__).parent / "mini_rubric.toml"


def test_the_default_rubric_grades_every_exercise_of_the_default_course_with_the_spec() -> None:
    rubric = default_rubric()
    assert [rule.exercise for rule in rubric.rules] == list(COURSE)  # the optional exercises left out
    assert all(rule.properties for rule in rubric.rules)
    assert rubric.max_score == len(COURSE) == len(EXERCISES) - len(OPTIONAL_EXERCISES)


def test_a_rubric_file_sets_points_properties_and_settings() -> None:
    rubric = load_rubric(MINI)
    assert [(r.exercise, r.points) for r in rubric.rules] == [("add", 2), ("mul", 2), ("tanh", 1), ("accumulation", 1)]
    assert dict((r.exercise, r.properties) for r in rubric.rules)["mul"] == ("test_mini::test_mul",)
    assert rubric.max_examples == 15 and rubric.forbid_imports == ("torch", "jax", "numpy")


def _write(tmp_path: Path, text: str, suffix: str = ".toml") -> Path:
    path = tmp_path / f"rubric{suffix}"
    path.write_text(f'[settings]\nspec = "{(MINI.parent / "mini_spec").as_posix()}"\n' + text
                    if suffix == ".toml" else text)
    return path


@pytest.mark.parametrize("text, words", [
    ("[exercises.ad]\npoints = 1\n", ["'ad'", "did you mean 'add'"]),
    ("[exercices.add]\npoints = 1\n", ["'exercices'", "did you mean 'exercises'"]),
    ("[exercises.add]\npoints = 1\nproperties = ['test_ad']\n", ["'test_ad'", "exercises.add"]),
    ("[exercises.add]\npoints = -1\n", ["exercises.add.points"]),
    ("[exercises.add]\npoint = 1\n", ["'point'", "did you mean 'points'"]),
    ("[exercises.relu]\npoints = 1\n", ["'relu' has no property"]),
])
def test_typos_are_errors_naming_the_key(tmp_path: Path, text: str, words: list) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(RubricError) as error:
        load_rubric(path)
    assert str(path) in str(error.value)
    for word in words:
        assert word in str(error.value)


def test_settings_typos_and_bad_values_are_errors(tmp_path: Path) -> None:
    with pytest.raises(RubricError, match="max_examples"):
        load_rubric(_write(tmp_path, "max_examples = 0\n"))
    path = tmp_path / "bad.toml"
    path.write_text("[settings]\nmax_exemples = 3\n")
    with pytest.raises(RubricError, match="did you mean 'max_examples'"):
        load_rubric(path)


def test_json_rubrics_and_broken_files(tmp_path: Path) -> None:
    spec = (MINI.parent / "mini_spec").as_posix()
    good = _write(tmp_path, json.dumps({"settings": {"spec": spec}, "exercises": {"tanh": 3}}), ".json")
    assert [(r.exercise, r.points) for r in load_rubric(good).rules] == [("tanh", 3.0)]
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(RubricError, match="not valid JSON"):
        load_rubric(broken)
    with pytest.raises(RubricError, match="cannot read"):
        load_rubric(tmp_path / "missing.toml")


def test_policy_finds_every_way_of_importing_a_forbidden_module(tmp_path: Path) -> None:
    (tmp_path / "engine.py").write_text(
        "import math\nimport numpy as np\nfrom torch import tensor\nx = __import__('jax')\n"
        "import importlib\ny = importlib.import_module('numpy.linalg')\nfrom .helpers import numpy\n"
    )
    found = policy_violations(tmp_path, ["torch", "jax", "numpy"])
    assert [(v.module, v.line) for v in found] == [("numpy", 2), ("torch", 3), ("jax", 4), ("numpy.linalg", 6)]
    assert "engine.py imports numpy (line 2)" in str(found[0])
    assert policy_violations(tmp_path, []) == []


def _imports(path: Path) -> List[str]:
    """Every module a file imports, at any depth (function-level imports too)."""
    import ast

    found: List[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
    return found


def test_the_rubric_and_the_report_never_import_the_grader() -> None:
    """rubric -> grade._runner -> rubric was a cycle: the grader uses rubrics, never the reverse."""
    package = Path(__file__).parents[2] / "autograder"
    for folder in ("rubric", "report"):
        for file in sorted((package / folder).glob("*.py")):
            grader = [m for m in _imports(file) if m == "autograder.grade" or m.startswith("autograder.grade.")]
            assert grader == [], f"{file.relative_to(package)} imports {grader}"


def test_visibility_defaults_to_visible_and_a_setting_applies_to_every_exercise(tmp_path: Path) -> None:
    assert {rule.visibility for rule in default_rubric().rules} == {"visible"}
    path = _write(tmp_path, 'visibility = "after_published"\n')
    rubric = load_rubric(path)
    assert rubric.rules and {rule.visibility for rule in rubric.rules} == {"after_published"}
    assert rubric.visibility_of("add") == "after_published" and rubric.visibility_of("training") == "visible"
    with pytest.raises(RubricError, match=r"settings\.visibility must be one of hidden, after_due_date"):
        load_rubric(_write(tmp_path, 'visibility = "later"\n'))


def test_a_rubric_written_as_json_reads_back_the_same(tmp_path: Path) -> None:
    original = load_rubric(MINI)
    path = tmp_path / "again.json"
    path.write_text(json.dumps(original.to_dict()))
    again = load_rubric(path)
    assert (again.rules, again.spec, again.max_examples, again.forbid_imports) == (
        original.rules, original.spec, original.max_examples, original.forbid_imports)


@pytest.mark.parametrize("text", [
    "[exercises]\nadd = 0\nmul = 0\n",
    "[exercises.add]\npoints = 0\n[exercises.tanh]\npoints = 0\n",
    "default_points = 0\n",  # in [settings], with no [exercises]: every exercise at 0
])
def test_a_rubric_worth_nothing_is_an_error_saying_what_to_write(tmp_path: Path, text: str) -> None:
    """Issue 18: a rubric with every exercise at 0 points was accepted, and every student graded 0/0."""
    path = _write(tmp_path, text)
    with pytest.raises(RubricError) as error:
        load_rubric(path)
    message = str(error.value)
    assert str(path) in message and "0 points" in message and "0/0" in message
    assert "add = 1" in message and "default_points = 1" in message


def test_an_empty_exercises_table_shows_both_forms(tmp_path: Path) -> None:
    """Issue 18: the error suggested only [exercises.add], while the course's rubric uses the flat form."""
    path = _write(tmp_path, "[exercises]\n")
    with pytest.raises(RubricError) as error:
        load_rubric(path)
    message = str(error.value)
    assert "[exercises] is empty" in message and "(add = 1)" in message and "[exercises.add]" in message
    # and both forms it names are rubrics that load, the same
    flat = load_rubric(_write(tmp_path, "[exercises]\nadd = 1\n"))
    table = load_rubric(_write(tmp_path, "[exercises.add]\npoints = 1\n"))
    assert flat.rules == table.rules and flat.max_score == 1


@pytest.mark.parametrize("text, words", [
    ("[exercises]\nadd = inf\n", "exercises.add.points must be a number >= 0"),
    ("[exercises]\nadd = nan\n", "exercises.add.points must be a number >= 0"),
    ("[exercises.add]\npoints = true\n", "exercises.add.points must be a number >= 0"),
    ("[exercises]\nadd = '1'\n", "exercises.add must be its points (add = 1) or a table ([exercises.add]"),
])
def test_points_must_be_a_finite_number(tmp_path: Path, text: str, words: str) -> None:
    with pytest.raises(RubricError) as error:
        load_rubric(_write(tmp_path, text))
    assert words in str(error.value)


def test_every_rubric_in_the_docs_loads(tmp_path: Path) -> None:
    """docs/grading.md shows both forms of [exercises] (the course's rubric uses the flat one), and each
    TOML block it shows is a rubric that loads."""
    docs = (Path(__file__).parents[2] / "docs" / "grading.md").read_text(encoding="utf-8")
    blocks = [b for b in docs.split("```toml\n")[1:]]
    blocks = [b.split("```", 1)[0] for b in blocks]
    assert any("[exercises.add]" in b for b in blocks) and any("\nadd = " in b for b in blocks)
    for i, block in enumerate(blocks):
        path = tmp_path / f"docs_{i}.toml"
        path.write_text(block.replace('# spec = "path/to/spec"', ""), encoding="utf-8")
        assert load_rubric(path).max_score > 0
