"""Grading covers the LLM101n exercises (cross_entropy, adamw): the default rubric scores them,
a submission whose cross_entropy and AdamW.step are still stubs gets 0 on them, the reference full marks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from autograder import Limits, grade
from autograder.rubric import default_rubric
from micrograd.assign import solution_regions
from micrograd.impl import reference_dir

NEW = ("cross_entropy", "adamw")


def test_the_default_rubric_grades_the_new_exercises_with_their_properties() -> None:
    rules = {rule.exercise: rule for rule in default_rubric().rules}
    assert set(NEW) <= set(rules)
    assert rules["cross_entropy"].properties[0].startswith("test_cross_entropy::")
    assert {p.split("::")[0] for p in rules["adamw"].properties} == {"test_adamw"}
    assert rules["cross_entropy"].points == rules["adamw"].points == 1


def _with_new_stubs(directory: Path) -> Path:
    """The reference, with only cross_entropy and AdamW.step replaced by stubs."""
    directory.mkdir()
    shutil.copyfile(reference_dir() / "engine.py", directory / "engine.py")
    lines = (reference_dir() / "nn.py").read_text().splitlines(keepends=True)
    regions = [r for r in solution_regions("".join(lines)) if r.qualname in ("cross_entropy", "AdamW.step")]
    assert len(regions) == 2
    for region in reversed(regions):
        lines[region.begin - 1:region.end] = [f"{region.indent}raise NotImplementedError('{region.qualname}')\n"]
    (directory / "nn.py").write_text("".join(lines))
    return directory


@pytest.mark.slow
def test_stubs_score_zero_on_the_new_exercises_and_the_reference_full_marks(tmp_path: Path) -> None:
    reference = tmp_path / "reference"
    shutil.copytree(reference_dir(), reference)
    stubbed = _with_new_stubs(tmp_path / "stubbed")
    rubric = default_rubric()
    results = {r.student: r for r in grade([reference, stubbed], tmp_path / "out", rubric=rubric,
                                           limits=Limits(timeout=10.0, budget=600.0), jobs=2, html=False)}
    assert results["reference"].score == rubric.max_score
    scores = {e.exercise: e.score for e in results["stubbed"].exercises}
    assert {name: scores[name] for name in NEW} == {"cross_entropy": 0, "adamw": 0}
    assert results["stubbed"].score == rubric.max_score - 2  # everything else still passes
