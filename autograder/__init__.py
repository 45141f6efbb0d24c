"""Grading for instructors: sandboxed batch grading, rubric, reports and Gradescope bundles.

A student's code only computes, in a sandboxed child process; trusted code judges.
"""

from autograder.grade import grade
from autograder.rubric import Rubric, RubricError, load_rubric
from autograder.sandbox import Limits, SandboxEvaluator

__all__ = ["Limits", "Rubric", "RubricError", "SandboxEvaluator", "grade", "load_rubric"]
