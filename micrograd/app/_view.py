"""What the page's board shows, as plain data for its component: metrics, plot, curves, table, log.

Everything here is computed in the trusted process from the trainer's numbers; the browser
only draws it (micrograd/app/static/board.js).
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Optional, Sequence

from micrograd.app._boundary import decision_boundary, level_sets
from micrograd.app._trainer import StepRecord, Trainer
from micrograd.training import YINYANG_STEPS

__all__ = ["BOUNDARY_CELLS", "COLORS", "MAX_CURVE", "MAX_ROWS", "board_data", "log_lines"]

#: the colour of each class (blue, orange, green)
COLORS = ("#2563eb", "#f97316", "#16a34a")
#: the decision boundary is computed on a grid of this many cells a side
BOUNDARY_CELLS = 88
#: the most points a curve sends (a long run is thinned out, its last point always kept)
MAX_CURVE = 400
#: the most rows of the optimizer's table
MAX_ROWS = 300
#: the log keeps the first lines (the module's run) and the last ones
_LOG_HEAD, _LOG_TAIL = 2 * YINYANG_STEPS + 10, 100


def _round(x: Optional[float], digits: int = 6) -> Optional[float]:
    if x is None or not math.isfinite(x):
        return None
    return round(x, digits)


def log_lines(history: Sequence[StepRecord], preset: bool) -> List[str]:
    """The run's log as the LLM101n module prints it: step k's losses are those computed before its
    update (the record after k - 1 steps); the validation loss before steps 1, 11, 21, ...; with the
    module's settings, ``step k/100`` for the module's 100 steps."""
    lines = []
    for record in history[:-1]:
        k = record.step + 1
        name = f"step {k}/{YINYANG_STEPS}" if preset and k <= YINYANG_STEPS else f"step {k}"
        if record.step % 10 == 0 and record.val_loss is not None:
            lines.append(f"{name}, val loss {record.val_loss:.6f}")
        lines.append(f"{name}, train loss {record.loss!r}")
    if len(lines) > _LOG_HEAD + _LOG_TAIL:
        lines = [*lines[:_LOG_HEAD], f"... ({len(lines) - _LOG_HEAD - _LOG_TAIL} lines)", *lines[-_LOG_TAIL:]]
    return lines


def _curves(history: Sequence[StepRecord]) -> Dict[str, List[Any]]:
    every = max(1, math.ceil(len(history) / MAX_CURVE))
    kept = [r for i, r in enumerate(history) if i % every == 0 or i == len(history) - 1]
    return {
        "step": [r.step for r in kept],
        "loss": [_round(r.loss) for r in kept],
        "val_loss": [_round(r.val_loss) for r in kept],
        "accuracy": [_round(r.accuracy, 4) for r in kept],
        "val_accuracy": [_round(r.val_accuracy, 4) for r in kept],
    }


def _table(trainer: Trainer) -> Dict[str, Any]:
    """Every parameter with its data and grad, and for AdamW its moments and the direction the module's
    page shows (``-m / sqrt(v + 1e-8)``); for SGD the step ``-lr * grad``."""
    grads = trainer.grads or (0.0,) * len(trainer.params)
    adamw = trainer.adamw
    rows = []
    for i, (name, p, g) in enumerate(zip(trainer.names[:MAX_ROWS], trainer.params, grads)):
        if adamw is not None:
            root = math.sqrt(adamw.v[i] + 1e-8)
            rows.append([name, _round(p), _round(g), _round(adamw.m[i]), _round(root), _round(-adamw.m[i] / root)])
        else:
            rows.append([name, _round(p), _round(g), _round(-trainer.config.lr * g)])
    columns = (["parameter", "data", "grad", "m", "sqrt(v)", "-m/sqrt(v)"] if adamw is not None
               else ["parameter", "data", "grad", "-lr*grad"])
    optimizer = (f"AdamW after t = {adamw.t} steps" if adamw is not None else
                 f"SGD (lr {trainer.config.lr:g})")
    return {"columns": columns, "rows": rows, "total": len(trainer.params), "optimizer": optimizer}


def board_data(trainer: Trainer, *, mode: str, label: int, playing: bool, ack: Dict[str, int],
               timing: str, batch: int, preset: bool) -> Dict[str, Any]:
    """The board's data: ``ack`` tells the browser which of its commands are done (seq, clicks, ticks,
    resets, the last plot event)."""
    activation = trainer.config.activation
    layers = trainer.weights()
    extent = trainer.dataset.extent
    boundary = decision_boundary(layers, extent, BOUNDARY_CELLS, activation)
    last = trainer.history[-1] if trainer.history and trainer.last is not None and trainer.last.outcome.ok else None
    example = trainer.current_example()

    def percent(x: Optional[float]) -> str:
        return "-" if x is None else f"{x:.0%}"

    metrics = {
        "Step": str(trainer.steps),
        "Loss": "-" if last is None else f"{last.loss:.4f}",
        "Val loss": "-" if last is None or last.val_loss is None else f"{last.val_loss:.4f}",
        "Accuracy": percent(None if last is None else last.accuracy),
        "Val accuracy": percent(None if last is None else last.val_accuracy),
        "Points": str(len(trainer.points)),
    }
    if not any(p.split == "val" for p in trainer.points):
        del metrics["Val loss"], metrics["Val accuracy"]
    return {
        **ack,
        "playing": playing,
        "steps": trainer.steps,
        "batch": batch,
        "metrics": metrics,
        "plot": {
            "px": 440,
            "extent": list(extent),
            "points": [[p.x, p.y, p.label, 1 if p.split == "val" else 0] for p in trainer.points],
            "colors": list(COLORS[:trainer.dataset.n_classes]),
            "classes": list(trainer.dataset.classes),
            "mode": mode,
            "label": label,
            "example": [example.x, example.y],
            "boundary": {"size": boundary.size, "classes": boundary.classes, "confidence": boundary.confidence},
            "levels": [[[round(c, 4) for c in s] for s in level.segments] for level in level_sets(
                layers, extent, activation)],
            "note": trainer.dataset.note,
        },
        "curves": _curves(trainer.history),
        "table": _table(trainer),
        "log": log_lines(trainer.history, preset),
        "timing": timing,
    }
