"""The decision-boundary picture of upstream's demo, and the yin-yang's three decision regions,
drawn with matplotlib (imported only here)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, List, Sequence

from micrograd.training import Example, Moons, predict

__all__ = [
    "CLASS_COLORS",
    "PlotError",
    "check_plot_target",
    "decision_regions_figure",
    "predict_classes",
    "save_decision_boundary",
    "save_decision_regions",
]

#: yin, yang, dots: the module's red, green, blue
CLASS_COLORS = ("#d62728", "#2ca02c", "#1f77b4")

#: the grid step of upstream's picture
GRID_STEP = 0.25


class PlotError(RuntimeError):
    """The picture cannot be made: matplotlib is missing or the file cannot be written."""


def check_plot_target(path: Path) -> None:
    """Raise PlotError, saying what to do, when a picture could not be saved to ``path``:
    matplotlib is missing or the directory does not exist."""
    path = Path(path)
    if not path.parent.is_dir():
        raise PlotError(f"cannot save the plot to {path}: the directory {path.parent} does not exist")
    if path.is_dir():
        raise PlotError(f"cannot save the plot to {path}: it is a directory; give a file name such as moons.png")
    try:
        from matplotlib.backend_bases import FigureCanvasBase
    except ImportError as error:
        raise PlotError(
            "--plot needs matplotlib, which is not installed: run `python -m pip install matplotlib` "
            "(or install the kit with its notebooks extra: `python -m pip install -e '.[notebooks]'`)"
        ) from error
    formats = FigureCanvasBase.get_supported_filetypes()
    if path.suffix.lower().lstrip(".") not in formats:
        raise PlotError(
            f"cannot save the plot to {path}: give a file name ending in an image type matplotlib can write "
            f"({', '.join('.' + f for f in sorted(formats))}), such as moons.png"
        )


def save_decision_boundary(model: Any, data: Moons, path: Path) -> Path:
    """Draw where the model's score is positive, with the data points on top, into ``path``."""
    path = Path(path)
    check_plot_target(path)
    import numpy as np
    from matplotlib.figure import Figure

    points = np.array(data.X)
    labels = np.array(data.y)
    x_min, x_max = points[:, 0].min() - 1, points[:, 0].max() + 1
    y_min, y_max = points[:, 1].min() - 1, points[:, 1].max() + 1
    xx, yy = np.meshgrid(np.arange(x_min, x_max, GRID_STEP), np.arange(y_min, y_max, GRID_STEP))
    grid = np.c_[xx.ravel(), yy.ravel()].tolist()
    positive = np.array([score > 0 for score in predict(model, grid)]).reshape(xx.shape)

    figure = Figure(figsize=(5, 5))
    axes = figure.add_subplot()
    axes.contourf(xx, yy, positive, cmap="Spectral", alpha=0.8)
    axes.scatter(points[:, 0], points[:, 1], c=labels, s=40, cmap="Spectral", edgecolors="k")
    axes.set_xlim(xx.min(), xx.max())
    axes.set_ylim(yy.min(), yy.max())
    axes.set_title("micrograd MLP on the moons: decision boundary")
    try:
        figure.savefig(path)
    except (OSError, ValueError) as error:
        raise PlotError(f"cannot save the plot to {path}: {error}") from error
    return path


def predict_classes(model: Any, points: Iterable[Sequence[float]]) -> List[int]:
    """The index of the largest logit of ``model`` for each point."""
    classes = []
    for point in points:
        logits = [v.data for v in model(point)]
        classes.append(logits.index(max(logits)))
    return classes


def decision_regions_figure(model: Any, points: Sequence[Example], resolution: int = 80) -> Any:
    """A matplotlib Figure: the class of the largest logit on a grid over [-2.5, 2.5]², points on top."""
    import numpy as np
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure

    axis = np.linspace(-2.5, 2.5, resolution)
    xx, yy = np.meshgrid(axis, axis)
    grid = np.array(predict_classes(model, zip(xx.ravel().tolist(), yy.ravel().tolist()))).reshape(xx.shape)
    cmap = ListedColormap(CLASS_COLORS)
    figure = Figure(figsize=(5, 5))
    axes = figure.add_subplot()
    axes.contourf(xx, yy, grid, levels=[-0.5, 0.5, 1.5, 2.5], cmap=cmap, alpha=0.3)
    xs = np.array([p for p, _ in points])
    labels = np.array([label for _, label in points])
    axes.scatter(xs[:, 0], xs[:, 1], c=labels, cmap=cmap, vmin=0, vmax=2, s=30, edgecolors="k")
    axes.set_xlim(-2.5, 2.5)
    axes.set_ylim(-2.5, 2.5)
    axes.set_aspect("equal")
    axes.set_title("micrograd MLP on the yin-yang: decision regions")
    return figure


def save_decision_regions(model: Any, points: Sequence[Example], path: Path) -> Path:
    """Save :func:`decision_regions_figure` into ``path``."""
    path = Path(path)
    check_plot_target(path)
    figure = decision_regions_figure(model, points)
    try:
        figure.savefig(path)
    except (OSError, ValueError) as error:
        raise PlotError(f"cannot save the plot to {path}: {error}") from error
    return path
