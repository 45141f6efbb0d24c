"""Grade one exercise of the course notebook with the kit's checker (``micrograd.check``).

The hidden test cells of ``source/micrograd/micrograd.ipynb`` call
:func:`grade_exercise`. The notebook's ``%%writefile`` cells have just written the
student's ``engine.py`` and ``nn.py`` into the notebook's directory, so the check runs
the spec's properties for that one exercise on those files. On success the cell prints
one line and nbgrader gives the cell's points; on failure it raises
:class:`ExerciseFailedError` with the spec's student-facing report (counterexample, expected
vs got, hint), so the cell errors and nbgrader gives it 0.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Optional, Union

from micrograd.verdict import exercise as _exercise

if TYPE_CHECKING:
    from micrograd.check import ExerciseResult

__all__ = ["DEFAULT_ORACLE", "DEFAULT_PROFILE", "ExerciseFailedError", "grade_exercise"]

#: None: the best oracle installed (the exact oracle, always), as ``micrograd check``
DEFAULT_ORACLE: Optional[str] = None
#: derandomized, so regrading the same notebook gives the same score
DEFAULT_PROFILE = "ci"


class ExerciseFailedError(AssertionError):
    """The student's code fails (or has not started) one exercise; ``str()`` says why."""


def grade_exercise(
    name: str,
    directory: Union[str, Path] = ".",
    *,
    profile: Optional[str] = None,
    oracle: Optional[str] = None,
) -> None:
    """Check exercise ``name`` on the engine.py/nn.py in ``directory``; raise ExerciseFailedError unless it passes.

    ``profile`` is a Hypothesis profile of ``micrograd.testing`` (default: $MICROGRAD_COURSE_PROFILE,
    else ``ci``); ``oracle`` an oracle name (default: $MICROGRAD_COURSE_ORACLE, else the best installed).
    """
    from micrograd.check import CheckError, run_check

    spec = _exercise(name)  # a typo in a test cell is a ValueError naming the valid exercises
    chosen_profile = profile or os.environ.get("MICROGRAD_COURSE_PROFILE") or DEFAULT_PROFILE
    chosen_oracle = oracle or os.environ.get("MICROGRAD_COURSE_ORACLE") or DEFAULT_ORACLE
    try:
        report = run_check(directory, exercises=[spec.name], oracle=chosen_oracle, profile=chosen_profile)
    except CheckError as error:
        raise ExerciseFailedError(f"exercise {spec.name} could not be checked: {error}") from None
    if not report.exercises:
        raise ExerciseFailedError(f"exercise {spec.name} could not be checked: the spec has no property for it")
    verdict = report.exercises[0]
    if verdict.status == "passing":
        print(f"exercise {spec.name} ({spec.functions}): all {verdict.total} properties pass")
        return
    if verdict.status == "skipped":
        raise ExerciseFailedError(f"exercise {spec.name} could not be checked: every property was skipped")
    raise ExerciseFailedError(_explain(verdict))


def _explain(verdict: ExerciseResult) -> str:
    name, functions = verdict.exercise.name, verdict.exercise.functions
    if verdict.status == "not started":
        return f"exercise {name} is not started: {verdict.stub or functions} still raises NotImplementedError"
    if verdict.status == "blocked":
        return f"exercise {name} ({functions}) is blocked by exercise {verdict.blocked_by}: make it pass first"
    head = f"exercise {name} ({functions}) fails"
    problem = verdict.first_problem
    if problem is None:
        return head
    detail = str(problem.failure) if problem.failure is not None else f"{problem.status}: {problem.message}"
    return f"{head}:\n{detail}"
