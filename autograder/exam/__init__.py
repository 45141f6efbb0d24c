"""``micrograd exam``: draw the graded examples once, into a readable JSON file (:mod:`micrograd.judge`)."""

from autograder.exam._command import HELP, configure, make, run

__all__ = ["HELP", "configure", "make", "run"]
