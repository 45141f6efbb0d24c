"""Verdicts: the exercises, and the structured failure a property raises."""

from micrograd.verdict._exercises import EXERCISES, Exercise, exercise
from micrograd.verdict._failure import Row, SpecFailure

__all__ = ["EXERCISES", "Exercise", "Row", "SpecFailure", "exercise"]
