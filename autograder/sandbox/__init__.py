"""Run a submission in a fresh, limited child process that only computes; the parent judges.

:class:`SandboxEvaluator` implements micrograd.impl's Evaluator protocol over a JSON pipe.
"""

from autograder.sandbox._evaluator import LoadReport, SandboxEvaluator
from autograder.sandbox._limits import Limits
from autograder.sandbox._procs import become_subreaper

__all__ = ["Limits", "LoadReport", "SandboxEvaluator", "become_subreaper"]
