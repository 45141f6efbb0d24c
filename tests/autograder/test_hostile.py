"""The hostile corpus: every broken or malicious submission gets the grade it deserves, with a reason,
the rest of the batch is graded normally, and nothing is left running."""

from __future__ import annotations

import csv
import json
import os
import random
from pathlib import Path
from typing import Dict, List

import pytest
from hostile_corpus import CASES, materialize

from autograder import Limits, grade, load_rubric

RUBRIC = Path(__file__).parent / "mini_rubric.toml"
LIMITS = Limits(timeout=1.0, budget=40.0, startup=10.0)


def _processes_with(argument: str) -> List[int]:
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as f:
                args = f.read().split(b"\0")
        except OSError:
            continue
        if argument.encode() in args:
            found.append(int(name))
    return found


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, object]:
    root = tmp_path_factory.mktemp("corpus")
    out = tmp_path_factory.mktemp("grades")
    marker = f"{random.randint(10**6, 10**7)}.25"
    paths = [materialize(case, root, out=out, marker=marker) for case in CASES]
    results = grade(paths, out, rubric=load_rubric(RUBRIC), limits=LIMITS, jobs=2)
    return {"results": {r.student: r for r in results}, "out": out, "marker": marker}


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_submission_gets_the_grade_it_deserves(batch: Dict[str, object], case) -> None:  # type: ignore[no-untyped-def]
    result = batch["results"][case.name]  # type: ignore[index]
    assert (result.status, result.score) == (case.status, case.score), result.reason
    assert case.reason in result.reason
    if case.status != "graded":
        assert result.reason, "a submission not graded normally must say why"


@pytest.mark.slow
def test_outputs_are_written_by_the_grader_not_the_submission(batch: Dict[str, object]) -> None:
    out: Path = batch["out"]  # type: ignore[assignment]
    with (out / "grades.csv").open() as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    assert set(rows) == {c.name for c in CASES}
    for case in CASES:
        row = rows[case.name]
        assert float(row["score"]) == case.score and row["status"] == case.status
        assert float(row["max_score"]) == 6
        results = json.loads((out / case.name / "results.json").read_text())
        assert results["score"] == case.score
        assert sum(t["max_score"] for t in results["tests"]) == 6
        assert (out / case.name / "feedback.md").read_text().startswith(f"# Feedback for {case.name}")
    assert "<img" in (out / "report.html").read_text()


@pytest.mark.slow
def test_nothing_is_left_running(batch: Dict[str, object]) -> None:
    assert _processes_with(str(batch["marker"])) == []
    assert _processes_with("autograder.sandbox._child") == []
