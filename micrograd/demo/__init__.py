"""``micrograd demo``: train an MLP on the bundled two-moons data and report its accuracy."""

from micrograd.demo._command import HELP, configure, run
from micrograd.demo._plot import PlotError, save_decision_boundary

__all__ = ["HELP", "configure", "run", "PlotError", "save_decision_boundary"]
