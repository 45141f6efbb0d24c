"""The bundled two-moons data set (``moons.csv``), so the kit needs no scikit-learn.

``moons.csv`` was made once, with the seeds of upstream micrograd's demo.ipynb:
``np.random.seed(1337); random.seed(1337); X, y = make_moons(n_samples=100, noise=0.1);
y = y*2 - 1`` (its header comment records the library versions). The floats are
written with ``repr`` and so read back exactly.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Tuple

__all__ = ["MOONS_FILE", "Moons", "DataError", "load_moons"]

#: the bundled data file
MOONS_FILE = Path(__file__).resolve().parent / "moons.csv"


class DataError(ValueError):
    """A data file cannot be read: it names the file, the line and what is wrong."""


@dataclass(frozen=True)
class Moons:
    """Points ``X`` (pairs of floats) and their labels ``y`` (+1 or -1), in file order."""

    X: Tuple[Tuple[float, float], ...]
    y: Tuple[int, ...]

    def __len__(self) -> int:
        return len(self.y)


def load_moons(path: Path = MOONS_FILE) -> Moons:
    """Read a moons CSV (``#`` comment lines, a header ``x0,x1,y``, then one point per line)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise DataError(f"cannot read the data file {path}: {error.strerror or error}") from error
    rows = [(number, line) for number, line in enumerate(text.splitlines(), 1) if line and not line.startswith("#")]
    if not rows or rows[0][1].replace(" ", "") != "x0,x1,y":
        raise DataError(f"{path}: the first line that is not a comment must be the header 'x0,x1,y'")
    points = []
    labels = []
    for (number, _), fields in zip(rows[1:], csv.reader(line for _, line in rows[1:])):
        try:
            if len(fields) != 3:
                raise ValueError(f"expected 3 fields, found {len(fields)}")
            x0, x1, label = float(fields[0]), float(fields[1]), int(fields[2])
            if label not in (-1, 1):
                raise ValueError(f"the label must be -1 or 1, not {label}")
        except ValueError as error:
            raise DataError(f"{path}, line {number}: {error}") from error
        points.append((x0, x1))
        labels.append(label)
    if not labels:
        raise DataError(f"{path} holds no points")
    return Moons(tuple(points), tuple(labels))
