"""``micrograd check``: run the spec on an implementation and report per exercise.

A student runs ``micrograd check`` (default: ``./exercises``): the kit's exam (the examples grading
judges, :mod:`micrograd.judge`) runs exercise by exercise, and the student sees the failure of
each failing exercise (root causes first: exercises are checked in dependency order,
and one that needs a failing exercise is *blocked* by it, with no hint of its own) with
a runnable counterexample, expected vs got and a hint; then one line per exercise and
a summary line. :func:`run_check` returns the same report as data; :func:`make_evaluator`
is the one place that says what runs the student's code.
"""

from micrograd.check._command import HELP, configure, run
from micrograd.check._render import Renderer, render_json, render_report, runnable_code
from micrograd.check._run import (
    DEFAULT_PROFILE,
    DEFAULT_TIMEOUT,
    EXERCISE_STATUSES,
    CheckError,
    CheckReport,
    choose_oracle,
    make_evaluator,
    resolve_path,
    run_check,
)
from micrograd.judge import ExerciseResult, PropertyResult

__all__ = [
    "run_check",
    "choose_oracle",
    "make_evaluator",
    "resolve_path",
    "Renderer",
    "CheckReport",
    "ExerciseResult",
    "PropertyResult",
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
