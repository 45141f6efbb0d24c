"""Grading for instructors: sandboxed batch grading, rubric, exports, nbgrader and Gradescope."""

__all__: list = []
