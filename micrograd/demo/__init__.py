"""``micrograd demo``: train an MLP on the bundled two-moons data and report its accuracy;
``micrograd demo yinyang``: the LLM101n module's yin-yang run and its log."""

from micrograd.demo._command import DEMOS, HELP, configure, run
from micrograd.demo._plot import (
    PlotError,
    decision_regions_figure,
    predict_classes,
    save_decision_boundary,
    save_decision_regions,
)

__all__ = ["DEMOS", "HELP", "configure", "run", "PlotError", "decision_regions_figure", "predict_classes",
           "save_decision_boundary", "save_decision_regions"]
