"""``micrograd app``: a web page where an MLP trains step by step, with the live graph of one example.

The page (Streamlit, the ``app`` extra) shows the data (yin-yang or moons, editable with
the mouse), the decision boundary after every step, loss and accuracy curves, the
computation graph of one chosen example with every node's op, data and grad, and a table
of every parameter with its gradient and the optimizer's state. It trains the reference,
or a student's directory in the grader's sandboxed child process.

Attributes are imported on first use, so that the sandboxed child can import the
request module (``micrograd.app._wire``) without numpy or streamlit.
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
    "GraphNode",
    "StepFailure",
    # where it runs
    "Backend",
    "BackendError",
    "open_backend",
    # training state
    "TrainConfig",
    "Trainer",
    "Evaluation",
    "Example",
    "StepRecord",
    "ParameterRow",
    "Check",
    "parameter_names",
    # data, boundary, graph
    "DATASETS",
    "Dataset",
    "Point",
    "load_dataset",
    "Boundary",
    "decision_boundary",
    "mlp_logits",
    "Drawing",
    "GraphError",
    "draw_graph",
    "neuron_groups",
    "render_svg",
]

_WHERE = {
    "HELP": "_command", "configure": "_command", "run": "_command", "streamlit_command": "_command",
    "StepRequest": "_wire", "StepOutcome": "_wire", "GraphNode": "_wire", "StepFailure": "_wire",
    "Backend": "_backend", "BackendError": "_backend", "open_backend": "_backend",
    "TrainConfig": "_trainer", "Trainer": "_trainer", "Evaluation": "_trainer", "Example": "_trainer",
    "StepRecord": "_trainer", "ParameterRow": "_trainer", "Check": "_trainer", "parameter_names": "_trainer",
    "DATASETS": "_data", "Dataset": "_data", "Point": "_data", "load_dataset": "_data",
    "Boundary": "_boundary", "decision_boundary": "_boundary", "mlp_logits": "_boundary",
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
