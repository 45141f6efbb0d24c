"""The decision boundary and the hidden neurons' level sets, computed with numpy from the parameters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Sequence, Tuple

__all__ = ["Boundary", "LevelSet", "decision_boundary", "level_sets", "mlp_logits"]

Extent = Tuple[float, float, float, float]
Segment = Tuple[float, float, float, float]


@dataclass(frozen=True)
class Boundary:
    """``size`` x ``size`` cells over ``extent``, row by row from the top (largest y) down:
    ``classes`` has one digit per cell (the predicted class), ``confidence`` one digit 0-9
    (the predicted class's softmax probability, scaled)."""

    size: int
    extent: Extent
    classes: str
    confidence: str


@dataclass(frozen=True)
class LevelSet:
    """Where hidden neuron ``neuron`` of layer ``layer`` is 0 before its activation (``w . x + b = 0``):
    line segments ``(x0, y0, x1, y1)`` in the data's coordinates (one straight line for the first layer)."""

    layer: int
    neuron: int
    segments: Tuple[Segment, ...]


def _activate(h: Any, activation: str) -> Any:
    import numpy as np

    return np.tanh(h) if activation == "tanh" else np.maximum(h, 0.0)


def mlp_logits(layers: Sequence[Tuple[Any, Any]], points: Any, activation: str = "relu") -> Any:
    """The logits of the MLP with ``layers`` ((W, b) per layer, ``activation`` (relu or tanh) on all but
    the last) for an (n, 2) array of points, as an (n, classes) array."""
    import numpy as np

    h = np.asarray(points, dtype=float)
    for i, (w, b) in enumerate(layers):
        h = h @ np.asarray(w).T + np.asarray(b)
        if i < len(layers) - 1:
            h = _activate(h, activation)
    return h


def _grid(extent: Extent, size: int) -> Tuple[Any, Any]:
    """The centres of a size x size grid over ``extent``: xs left to right, ys top to bottom."""
    import numpy as np

    x_min, x_max, y_min, y_max = extent
    xs = x_min + (np.arange(size) + 0.5) * (x_max - x_min) / size
    ys = y_max - (np.arange(size) + 0.5) * (y_max - y_min) / size
    return xs, ys


def decision_boundary(layers: Sequence[Tuple[Any, Any]], extent: Extent, size: int = 60,
                      activation: str = "relu") -> Boundary:
    """The predicted class and its confidence at the centre of every cell of a size x size grid."""
    import numpy as np

    if not 2 <= size <= 400:
        raise ValueError(f"size must be from 2 to 400 cells, got {size}")
    xs, ys = _grid(extent, size)
    gx, gy = np.meshgrid(xs, ys)
    logits = mlp_logits(layers, np.column_stack([gx.ravel(), gy.ravel()]), activation)
    with np.errstate(all="ignore"):
        shifted = logits - logits.max(axis=1, keepdims=True)
        probs = np.exp(shifted)
        probs /= probs.sum(axis=1, keepdims=True)
    classes = np.nan_to_num(logits, nan=-np.inf).argmax(axis=1)
    top = np.nan_to_num(probs.max(axis=1), nan=0.0)
    n = logits.shape[1]
    # 1/n (a coin toss) -> 0, certain -> 9
    level = np.clip(np.round((top - 1.0 / n) / (1 - 1.0 / n) * 9), 0, 9).astype(int)
    return Boundary(size, tuple(extent), "".join(map(str, classes.tolist())),  # type: ignore[arg-type]
                    "".join(map(str, level.tolist())))


def _line(w0: float, w1: float, b: float, extent: Extent) -> Tuple[Segment, ...]:
    """The part of the line ``w0 x + w1 y + b = 0`` inside ``extent`` (nothing if it misses it)."""
    x_min, x_max, y_min, y_max = extent
    found: List[Tuple[float, float]] = []
    if w1 != 0:
        for x in (x_min, x_max):
            y = -(b + w0 * x) / w1
            if y_min <= y <= y_max:
                found.append((x, y))
    if w0 != 0:
        for y in (y_min, y_max):
            x = -(b + w1 * y) / w0
            if x_min <= x <= x_max:
                found.append((x, y))
    if len(found) < 2:
        return ()
    (ax, ay), (bx, by) = max(((p, q) for p in found for q in found), key=lambda pq: abs(pq[0][0] - pq[1][0])
                             + abs(pq[0][1] - pq[1][1]))
    return ((ax, ay, bx, by),)


def _contour(values: Any, xs: Any, ys: Any) -> Tuple[Segment, ...]:
    """Marching squares: segments where ``values`` (a grid over xs and ys) crosses 0."""
    segments: List[Segment] = []
    rows, cols = values.shape
    for i in range(rows - 1):
        for j in range(cols - 1):
            corners = ((i, j), (i, j + 1), (i + 1, j + 1), (i + 1, j))
            crossings = []
            for (r0, c0), (r1, c1) in zip(corners, corners[1:] + corners[:1]):
                a, b = values[r0, c0], values[r1, c1]
                if (a < 0) != (b < 0):
                    t = a / (a - b)
                    crossings.append((xs[c0] + t * (xs[c1] - xs[c0]), ys[r0] + t * (ys[r1] - ys[r0])))
            for k in range(0, len(crossings) - 1, 2):
                (ax, ay), (bx, by) = crossings[k], crossings[k + 1]
                segments.append((float(ax), float(ay), float(bx), float(by)))
    return tuple(segments)


def level_sets(layers: Sequence[Tuple[Any, Any]], extent: Extent, activation: str = "relu",
               size: int = 48) -> List[LevelSet]:
    """Each hidden neuron's zero level set (before its activation): the first layer's are straight lines;
    a deeper layer's are traced on a size x size grid."""
    import numpy as np

    found: List[LevelSet] = []
    if len(layers) < 2:
        return found
    w, b = (np.asarray(a, dtype=float) for a in layers[0])
    for j in range(w.shape[0]):
        found.append(LevelSet(0, j, _line(float(w[j, 0]), float(w[j, 1]), float(b[j]), extent)))
    if len(layers) > 2:
        xs, ys = _grid(extent, size)
        gx, gy = np.meshgrid(xs, ys)
        h = np.column_stack([gx.ravel(), gy.ravel()])
        for layer, (w, b) in enumerate(layers[:-1]):
            z = h @ np.asarray(w).T + np.asarray(b)
            if layer > 0:
                for j in range(z.shape[1]):
                    found.append(LevelSet(layer, j, _contour(z[:, j].reshape(size, size), xs, ys)))
            h = _activate(z, activation)
    return found
