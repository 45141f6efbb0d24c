"""``micrograd check``: run the spec on an implementation and report per exercise.

A student runs ``micrograd check`` (default: ``exercises/``) and sees, per
exercise, passing / failing / not started, the runnable counterexample,
expected vs got and the hint of each failing exercise's first failure, and a
summary line. :func:`run_check` returns the same report as data.
"""

from micrograd.check._command import HELP, configure, run
from micrograd.check._render import render_json, render_report, runnable_code
from micrograd.check._run import (
    DEFAULT_PROFILE,
    DEFAULT_TIMEOUT,
    EXERCISE_STATUSES,
    CheckError,
    CheckReport,
    ExerciseResult,
    choose_oracle,
    run_check,
)

__all__ = [
    "run_check",
    "choose_oracle",
    "CheckReport",
    "ExerciseResult",
    "CheckError",
    "EXERCISE_STATUSES",
    "DEFAULT_PROFILE",
    "DEFAULT_TIMEOUT",
    "render_report",
    "render_json",
    "runnable_code",
    "HELP",
    "configure",
    "run",
]
