"""The app's data sets: the bundled generators' points, with their splits, which the user then edits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

from micrograd.training import RNG, gen_data_yinyang, load_moons

__all__ = ["DATASETS", "SPLITS", "Dataset", "Point", "load_dataset"]

#: data set name -> the names of its classes
DATASETS = {
    "yin-yang": ("yin", "yang", "dot"),
    "moons": ("moon -1", "moon +1"),
}
#: how many yin-yang points are drawn (the LLM101n module's 100: 80 train, 10 validation, 10 test)
YINYANG_POINTS = 100
#: the seed the yin-yang points are drawn with (the module's)
YINYANG_SEED = 42
#: a point trains the model ("train") or only measures it ("val")
SPLITS = ("train", "val")


@dataclass(frozen=True)
class Point:
    """A data point, its class (an index into the data set's classes) and its split."""

    x: float
    y: float
    label: int
    split: str = "train"


@dataclass(frozen=True)
class Dataset:
    """A named data set: its class names, its points, the square region the app shows, and a note
    on what it leaves out (the yin-yang test split)."""

    name: str
    classes: Tuple[str, ...]
    points: Tuple[Point, ...]
    extent: Tuple[float, float, float, float]  # x_min, x_max, y_min, y_max
    note: str = ""

    @property
    def n_classes(self) -> int:
        return len(self.classes)


def load_dataset(name: str) -> Dataset:
    """The data set ``name`` (one of DATASETS).

    yin-yang: the module's 100 points drawn with ``RNG(42)``, its 80 training and 10
    validation points (the 10 test points are set aside, as in the module); moons: the
    bundled 100 points, all of them for training.
    """
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(DATASETS)}")
    note = ""
    if name == "yin-yang":
        train, val, test = gen_data_yinyang(RNG(YINYANG_SEED), n=YINYANG_POINTS)
        points = tuple(Point(float(x), float(y), int(label), split)
                       for split, examples in (("train", train), ("val", val)) for (x, y), label in examples)
        note = f"{len(test)} test points are set aside, as in the module"
    else:
        moons = load_moons()
        points = tuple(Point(x, y, 0 if label < 0 else 1) for (x, y), label in zip(moons.X, moons.y))
    return Dataset(name, DATASETS[name], points, _square(points), note)


def _square(points: Tuple[Point, ...], margin: float = 0.5) -> Tuple[float, float, float, float]:
    """A square around the points, ``margin`` wider on each side."""
    xs = [p.x for p in points]
    ys = [p.y for p in points]
    cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    half = max(max(xs) - min(xs), max(ys) - min(ys)) / 2 + margin
    return (cx - half, cx + half, cy - half, cy + half)
