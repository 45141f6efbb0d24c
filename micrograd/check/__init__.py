"""``micrograd check``: run the spec on an implementation and report per exercise.

A student runs ``micrograd check`` (default: ``./exercises``): the kit's exam (the examples grading
judges, :mod:`micrograd.judge`) runs exercise by exercise, and the student sees the failure of
each failing exercise (root causes first: exercises are checked in dependency order,
and one that needs a failing exercise is *blocked* by it, with no hint of its own) with
a runnable counterexample, expected vs got and a hint; then one line per exercise and
a summary line. :func:`run_check` returns the same report as data; :func:`make_evaluator`
is the one place that says what runs the student's code.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from micrograd.check._basics import DEFAULT_PROFILE, DEFAULT_TIMEOUT, CheckError, resolve_path
from micrograd.check._command import HELP, configure, run

if TYPE_CHECKING:  # imported on first use: the command line starts without them (see _early)
    from micrograd.check._render import Renderer, render_json, render_report, runnable_code
    from micrograd.check._run import EXERCISE_STATUSES, CheckReport, choose_oracle, make_evaluator, run_check
    from micrograd.judge import ExerciseResult, PropertyResult

_WHERE = {
    "Renderer": "micrograd.check._render", "render_json": "micrograd.check._render",
    "render_report": "micrograd.check._render", "runnable_code": "micrograd.check._render",
    "EXERCISE_STATUSES": "micrograd.check._run", "CheckReport": "micrograd.check._run",
    "choose_oracle": "micrograd.check._run", "make_evaluator": "micrograd.check._run",
    "run_check": "micrograd.check._run",
    "ExerciseResult": "micrograd.judge", "PropertyResult": "micrograd.judge",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'micrograd.check' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value


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
