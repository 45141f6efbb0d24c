"""A Gradescope dry run: the bundle in a throwaway root laid out as Gradescope's (see gradescope_root.py),
setup.sh as root, then /autograder/run_autograder from /autograder for a correct, a buggy and a notebook
submission, and for a bundle built with a rubric; results.json checked field by field against
Gradescope's specification (https://gradescope-autograders.readthedocs.io/en/latest/specs/).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict

import pytest
from classroom import EXAMPLES, filled_notebook, solution_sources
from gradescope_root import GradescopeRoot

from autograder import grade
from autograder.gradescope import build_bundle
from autograder.report import VISIBILITIES
from micrograd.verdict import COURSE

pytestmark = pytest.mark.slow
HERE = Path(__file__).parent


def _check_format(results: Dict[str, Any]) -> None:
    """Every field Gradescope reads, with the type and the values its specification allows."""
    assert set(results) == {"score", "tests", "output", "visibility", "stdout_visibility", "execution_time",
                            "extra_data"}
    assert results["extra_data"]["isolation"] in ("bwrap", "uid", "none") and results["extra_data"]["kit_version"]
    assert isinstance(results["score"], (int, float)) and results["score"] >= 0
    assert isinstance(results["execution_time"], (int, float)) and results["execution_time"] >= 0
    assert isinstance(results["output"], str) and results["output"].startswith("Status: ")
    assert results["visibility"] in VISIBILITIES and results["stdout_visibility"] in VISIBILITIES
    assert isinstance(results["tests"], list) and results["tests"]
    for test in results["tests"]:
        assert set(test) == {"name", "score", "max_score", "output", "visibility", "status"}
        assert isinstance(test["name"], str) and isinstance(test["output"], str) and test["output"]
        assert 0 <= test["score"] <= test["max_score"]
        assert test["visibility"] in VISIBILITIES
        assert test["status"] == ("passed" if test["score"] == test["max_score"] else "failed")
        assert "micrograd.engine import" not in test["output"] and "micrograd.nn import" not in test["output"]
    assert sum(t["score"] for t in results["tests"]) == pytest.approx(results["score"])


def _by_exercise(results: Dict[str, Any]) -> Dict[str, float]:
    return {t["name"].split(":")[0]: t["score"] for t in results["tests"]}


def _differences(results: Dict[str, Any], here: Any) -> str:
    """What each side said of the exercises they score differently (for an assertion's message)."""
    ours = {ex.exercise: ex.score for ex in here.exercises}
    lines = []
    for t in results["tests"]:
        name = t["name"].split(":")[0]
        if ours.get(name) != t["score"]:
            mine = [f"{p.id}: {p.status} {p.summary[:300]}" for p in here.properties if p.exercise == name]
            lines.append(f"{name}: Gradescope {t['score']} ({t['output'][:600]!r}); micrograd grade {ours.get(name)} "
                         f"({mine})")
    return "\n".join(lines)


def test_setup_builds_an_image_with_only_what_grading_uses(gradescope_root: GradescopeRoot) -> None:
    """Issue 18: setup.sh installed torch as "the oracle" (the CUDA build and about 20 nvidia packages where
    PyTorch's index was unreachable); grading judges with the kit's exact oracle: no torch, no JAX."""
    done = gradescope_root.shell(
        "/autograder/venv/bin/python -c 'import micrograd, autograder' && command -v bwrap && "
        "/autograder/venv/bin/python -m pip list --format=freeze")
    assert done.returncode == 0, done.stdout + done.stderr
    installed = {line.split("==")[0].lower() for line in done.stdout.splitlines() if "==" in line}
    assert "micrograd-kit" in installed
    assert not {p for p in installed if p in ("torch", "jax", "jaxlib", "nbformat") or p.startswith("nvidia")}, \
        installed


def test_a_correct_submission_gets_every_point(gradescope_root: GradescopeRoot) -> None:
    results = gradescope_root.run(EXAMPLES / "correct")
    _check_format(results)
    assert results["output"] == "Status: graded"
    assert [t["name"].split(":")[0] for t in results["tests"]] == list(COURSE)
    assert results["score"] == len(COURSE) and all(t["status"] == "passed" for t in results["tests"])
    assert all(t["output"] == "Its one check passed." or re.fullmatch(r"All \d+ checks passed\.", t["output"])
               for t in results["tests"])
    assert all(t["visibility"] == "visible" for t in results["tests"])
    assert not list(gradescope_root.autograder.rglob(".hypothesis"))


def test_a_buggy_submission_gets_the_grade_micrograd_grade_gives(gradescope_root: GradescopeRoot,
                                                                 tmp_path: Path) -> None:
    results = gradescope_root.run(EXAMPLES / "buggy")
    _check_format(results)
    (here,) = grade([EXAMPLES / "buggy"], tmp_path / "out", html=False)
    assert _by_exercise(results) == {ex.exercise: ex.score for ex in here.exercises}, _differences(results, here)
    failed = [t for t in results["tests"] if t["status"] == "failed"]
    assert failed and all("Counterexample (runnable):" in t["output"] for t in failed)
    assert "# run this next to your engine.py and nn.py" in failed[0]["output"]


def test_a_notebook_submission_is_graded_with_snippets_for_the_notebook(gradescope_root: GradescopeRoot,
                                                                        tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    from autograder.course.build import build_notebook

    source = build_notebook()
    upload = tmp_path / "upload"
    upload.mkdir()
    nbformat.write(filled_notebook(source, solution_sources(source), "tanh_derivative_not_squared"),
                   str(upload / "micrograd.ipynb"))
    results = gradescope_root.run(upload)
    _check_format(results)
    (here,) = grade([upload / "micrograd.ipynb"], tmp_path / "out", html=False)
    assert results["output"] == "Status: graded" and here.status == "graded"
    assert _by_exercise(results) == {ex.exercise: ex.score for ex in here.exercises}, _differences(results, here)
    assert _by_exercise(results)["tanh"] == 0
    tanh = next(t for t in results["tests"] if t["name"].startswith("tanh:"))
    assert "# run this in a new cell at the end of your notebook" in tanh["output"]


def test_a_bundle_built_with_a_rubric_grades_with_it(gradescope_root: GradescopeRoot, tmp_path: Path) -> None:
    """Item 1 (the rubric was not found from /autograder) and item 12 (who sees each test)."""
    rubric = tmp_path / "rubric.toml"  # the mini spec, with visibilities
    rubric.write_text(f'[settings]\nspec = "{(HERE / "mini_spec").as_posix()}"\nmax_examples = 15\n'
                      'visibility = "after_due_date"\n[exercises.add]\npoints = 2\n[exercises.mul]\npoints = 2\n'
                      'properties = ["test_mul"]\n[exercises.tanh]\npoints = 1\nvisibility = "hidden"\n'
                      '[exercises.accumulation]\npoints = 1\n', encoding="utf-8")
    gradescope_root.use_bundle(build_bundle(tmp_path / "autograder.zip", rubric=rubric))
    try:
        results = gradescope_root.run(EXAMPLES / "buggy")
    finally:
        gradescope_root.use_bundle(build_bundle(tmp_path / "default.zip"))
    _check_format(results)
    assert results["score"] == 5  # the mini rubric: add 2, mul 2, tanh 1 (fails), accumulation 1
    assert [(t["name"].split(":")[0], t["max_score"], t["visibility"]) for t in results["tests"]] == [
        ("add", 2, "after_due_date"), ("mul", 2, "after_due_date"), ("tanh", 1, "hidden"),
        ("accumulation", 1, "after_due_date")]
    assert not (gradescope_root.autograder / "source" / "rubric.json").exists()  # back to the default bundle
