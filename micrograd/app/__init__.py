"""``micrograd app``: a web page where an MLP trains step by step, with the live graph of one example.

The page (Streamlit, the ``app`` extra) shows the data (yin-yang or moons, editable with
the mouse), the decision boundary and the hidden neurons' level sets after every step,
train and validation curves, the optimizer's table and the run's log, and the
computation graph of one chosen example with every node's op, data and grad. It starts
on the LLM101n module's run. It trains the reference, or a student's directory in the
grader's sandboxed child process: their engine, MLP, cross_entropy, AdamW and zero_grad.

Attributes are imported on first use, so that the sandboxed child can import the
request modules (``micrograd.app._wire`` and ``_outcome``) without numpy or streamlit.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    # the command
    "HELP",
    "configure",
    "run",
    "streamlit_command",
    # what crosses to the implementation
    "StepRequest",
    "StepOutcome",
    "AdamWState",
    "GraphNode",
    "StepFailure",
    "run_step",
    # where it runs
    "Backend",
    "BackendError",
    "open_backend",
    # settings and training state
    "PRESET",
    "TrainConfig",
    "Trainer",
    "Evaluation",
    "Example",
    "StepRecord",
    "Check",
    "Session",
    "parameter_names",
    # data, boundary, graph
    "DATASETS",
    "Dataset",
    "Point",
    "load_dataset",
    "Boundary",
    "decision_boundary",
    "level_sets",
    "mlp_logits",
    "Drawing",
    "GraphError",
    "draw_graph",
    "neuron_groups",
    "render_svg",
]

_WHERE = {
    "HELP": "_command", "configure": "_command", "run": "_command", "streamlit_command": "_command",
    "StepRequest": "_wire", "run_step": "_wire",
    "StepOutcome": "_outcome", "AdamWState": "_outcome", "GraphNode": "_outcome", "StepFailure": "_outcome",
    "Backend": "_backend", "BackendError": "_backend", "open_backend": "_backend",
    "PRESET": "_config", "TrainConfig": "_config", "parameter_names": "_config",
    "Trainer": "_trainer", "Evaluation": "_trainer", "Example": "_trainer", "StepRecord": "_trainer",
    "Check": "_check", "Session": "_session",
    "DATASETS": "_data", "Dataset": "_data", "Point": "_data", "load_dataset": "_data",
    "Boundary": "_boundary", "decision_boundary": "_boundary", "level_sets": "_boundary", "mlp_logits": "_boundary",
    "Drawing": "_graph", "GraphError": "_graph", "draw_graph": "_graph", "neuron_groups": "_graph",
    "render_svg": "_graph",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'micrograd.app' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"micrograd.app.{_WHERE[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list:
    return sorted(__all__)
