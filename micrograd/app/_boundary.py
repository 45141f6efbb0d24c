"""The decision boundary: the model's class and confidence on a grid, computed with numpy from the parameters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence, Tuple

__all__ = ["Boundary", "decision_boundary", "mlp_logits"]


@dataclass(frozen=True)
class Boundary:
    """``size`` x ``size`` cells over ``extent``, row by row from the top (largest y) down:
    ``classes`` has one digit per cell (the predicted class), ``confidence`` one digit 0-9
    (the predicted class's softmax probability, scaled)."""

    size: int
    extent: Tuple[float, float, float, float]
    classes: str
    confidence: str


def mlp_logits(layers: Sequence[Tuple[Any, Any]], points: Any) -> Any:
    """The logits of the MLP with ``layers`` ((W, b) per layer, relu on all but the last) for an
    (n, 2) array of points, as an (n, classes) array."""
    import numpy as np

    h = np.asarray(points, dtype=float)
    for i, (w, b) in enumerate(layers):
        h = h @ np.asarray(w).T + np.asarray(b)
        if i < len(layers) - 1:
            h = np.maximum(h, 0.0)
    return h


def decision_boundary(layers: Sequence[Tuple[Any, Any]], extent: Tuple[float, float, float, float],
                      size: int = 60) -> Boundary:
    """The predicted class and its confidence at the centre of every cell of a size x size grid."""
    import numpy as np

    if not 2 <= size <= 400:
        raise ValueError(f"size must be from 2 to 400 cells, got {size}")
    x_min, x_max, y_min, y_max = extent
    xs = x_min + (np.arange(size) + 0.5) * (x_max - x_min) / size
    ys = y_max - (np.arange(size) + 0.5) * (y_max - y_min) / size
    gx, gy = np.meshgrid(xs, ys)
    logits = mlp_logits(layers, np.column_stack([gx.ravel(), gy.ravel()]))
    with np.errstate(all="ignore"):
        shifted = logits - logits.max(axis=1, keepdims=True)
        probs = np.exp(shifted)
        probs /= probs.sum(axis=1, keepdims=True)
    classes = np.nan_to_num(logits, nan=-np.inf).argmax(axis=1)
    top = np.nan_to_num(probs.max(axis=1), nan=0.0)
    n = logits.shape[1]
    # 1/n (a coin toss) -> 0, certain -> 9
    level = np.clip(np.round((top - 1.0 / n) / (1 - 1.0 / n) * 9), 0, 9).astype(int)
    return Boundary(size, (x_min, x_max, y_min, y_max), "".join(map(str, classes.tolist())),
                    "".join(map(str, level.tolist())))
