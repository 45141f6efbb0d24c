"""A grade is a fact about the code, not about the Hypothesis installed: the sample class gets the per-exercise
scores recorded in class_scores.json, in every tox env (the lowest-versions one runs another Hypothesis release
than the others). The scores come from the kit's exam alone; Hypothesis only shrinks failures for the feedback."""

from __future__ import annotations

import json

import hypothesis
from class_scores import RECORD, class_scores


def test_the_class_gets_the_recorded_scores_whatever_hypothesis_is_installed() -> None:
    recorded = json.loads(RECORD.read_text())
    got = class_scores()
    assert got["exam"] == recorded["exam"], (
        "the kit's exam changed (micrograd/spec/exam.json): grade the class again with "
        "`python tests/autograder/class_scores.py` and check every score that moved")
    moved = {student: {ex: (recorded["scores"][student].get(ex), points) for ex, points in scores.items()
                       if recorded["scores"][student].get(ex) != points}
             for student, scores in got["scores"].items() if scores != recorded["scores"].get(student)}
    assert not moved, f"scores moved with Hypothesis {hypothesis.__version__}: {moved}"
    assert set(got["scores"]) == set(recorded["scores"])
