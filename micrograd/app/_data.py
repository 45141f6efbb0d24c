"""The app's data sets: the bundled generators' points, which the user then edits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

from micrograd.training import RNG, gen_data_yinyang, load_moons

__all__ = ["DATASETS", "Dataset", "Point", "load_dataset"]

#: data set name -> the names of its classes
DATASETS = {
    "yin-yang": ("yin", "yang", "dot"),
    "moons": ("moon -1", "moon +1"),
}
#: how many yin-yang points the app starts with (all three splits of the generator)
YINYANG_POINTS = 100


@dataclass(frozen=True)
class Point:
    """A data point and its class (an index into the data set's classes)."""

    x: float
    y: float
    label: int


@dataclass(frozen=True)
class Dataset:
    """A named data set: its class names, its points, and the square region the app shows."""

    name: str
    classes: Tuple[str, ...]
    points: Tuple[Point, ...]
    extent: Tuple[float, float, float, float]  # x_min, x_max, y_min, y_max

    @property
    def n_classes(self) -> int:
        return len(self.classes)


def load_dataset(name: str, seed: int = 42) -> Dataset:
    """The data set ``name`` (one of DATASETS): yin-yang drawn with ``RNG(seed)``, or the bundled moons."""
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(DATASETS)}")
    if name == "yin-yang":
        train, val, test = gen_data_yinyang(RNG(seed), n=YINYANG_POINTS)
        points = tuple(Point(float(x), float(y), int(label)) for (x, y), label in [*train, *val, *test])
    else:
        moons = load_moons()
        points = tuple(Point(x, y, 0 if label < 0 else 1) for (x, y), label in zip(moons.X, moons.y))
    return Dataset(name, DATASETS[name], points, _square(points))


def _square(points: Tuple[Point, ...], margin: float = 0.5) -> Tuple[float, float, float, float]:
    """A square around the points, ``margin`` wider on each side, with round-ish edges."""
    xs = [p.x for p in points]
    ys = [p.y for p in points]
    cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    half = max(max(xs) - min(xs), max(ys) - min(ys)) / 2 + margin
    return (cx - half, cx + half, cy - half, cy + half)
