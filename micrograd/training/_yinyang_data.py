"""The yin-yang data set of the LLM101n micrograd module: 2-D points in 3 classes.

Points are drawn uniformly in the disc of radius ``r_big`` centred at
``(r_big, r_big)`` (rejection sampling in its bounding square), labelled yin (0),
yang (1) or one of the two small dots (2), and scaled to [-2, 2]. Point ``i`` is
redrawn until its class is ``i % 3``, so the classes are balanced. The first 80% are
the training split, the next 10% validation, the last 10% test. (The data set is
from the yin_yang_data_set project of L. Kriener et al.)
"""

from __future__ import annotations

from typing import List, Tuple

from micrograd.training._rng import RNG

__all__ = ["Example", "gen_data_yinyang", "yinyang_class"]

#: one data point: ``((x, y), label)``, label 0 (yin), 1 (yang) or 2 (a dot)
Example = Tuple[Tuple[float, float], int]


def yinyang_class(x: float, y: float, r_small: float = 0.1, r_big: float = 0.5) -> int:
    """The class of the point (x, y) of the unscaled disc: 2 inside either small dot, else 0 (yin) or 1 (yang)."""
    d_right = ((x - 1.5 * r_big) ** 2 + (y - r_big) ** 2) ** 0.5
    d_left = ((x - 0.5 * r_big) ** 2 + (y - r_big) ** 2) ** 0.5
    if d_right < r_small or d_left < r_small:
        return 2
    yin = d_right <= r_small or r_small < d_left <= 0.5 * r_big or (y > r_big and d_right > 0.5 * r_big)
    return 0 if yin else 1


def _sample(rng: RNG, goal: int, r_small: float, r_big: float) -> Example:
    """Draw points until one falls in the disc with class ``goal``; return it scaled to [-2, 2]."""
    while True:
        x = rng.uniform(0, 2 * r_big)
        y = rng.uniform(0, 2 * r_big)
        if ((x - r_big) ** 2 + (y - r_big) ** 2) ** 0.5 > r_big:
            continue
        if yinyang_class(x, y, r_small, r_big) == goal:
            return ((x / r_big - 1) * 2, (y / r_big - 1) * 2), goal


def gen_data_yinyang(
    rng: RNG, n: int = 100, r_small: float = 0.1, r_big: float = 0.5
) -> Tuple[List[Example], List[Example], List[Example]]:
    """``n`` yin-yang points drawn with ``rng``, split 80/10/10: ``(train, val, test)``."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive whole number of points, not {n!r}")
    if not 0 < r_small < 0.5 * r_big:
        raise ValueError(f"need 0 < r_small < r_big / 2 (the dots sit inside the halves), got {r_small!r}, {r_big!r}")
    points = [_sample(rng, i % 3, r_small, r_big) for i in range(n)]
    train_end, val_end = int(0.8 * n), int(0.9 * n)
    return points[:train_end], points[train_end:val_end], points[val_end:]
