"""TEMPORARY adapter: the yin-yang data set and AdamW, until the yin-yang work is merged.

The yin-yang branch adds ``micrograd.training.RNG``, ``micrograd.training.gen_data_yinyang``
and ``micrograd.nn.AdamW`` (with ``cross_entropy``). This module uses them when they are
there and otherwise falls back on the small stand-ins below, so that the app runs on
either side of the merge. AFTER MERGING: delete the fallbacks (everything below the
imports' ``except ImportError`` branches), keep only the imports, or import the three
names directly where this module's names are used (``_data.py``, ``_trainer.py``).
"""

from __future__ import annotations

from typing import Any, List, Sequence, Tuple

__all__ = ["RNG", "AdamW", "gen_data_yinyang"]

try:
    from micrograd.training import RNG, gen_data_yinyang  # type: ignore[attr-defined]
except ImportError:  # TEMPORARY fallback until the yin-yang branch is merged

    class RNG:  # type: ignore[no-redef]
        """xorshift* random numbers (stand-in for micrograd.training.RNG)."""

        def __init__(self, seed: int) -> None:
            self.state = seed or 1

        def random_u32(self) -> int:
            self.state ^= (self.state >> 12) & 0xFFFFFFFFFFFFFFFF
            self.state ^= (self.state << 25) & 0xFFFFFFFFFFFFFFFF
            self.state ^= (self.state >> 27) & 0xFFFFFFFFFFFFFFFF
            return ((self.state * 0x2545F4914F6CDD1D) >> 32) & 0xFFFFFFFF

        def random(self) -> float:
            return (self.random_u32() >> 8) / 16777216.0

        def uniform(self, a: float = 0.0, b: float = 1.0) -> float:
            return a + (b - a) * self.random()

    def _yinyang_class(x: float, y: float, r_small: float, r_big: float) -> int:
        d_right = ((x - 1.5 * r_big) ** 2 + (y - r_big) ** 2) ** 0.5
        d_left = ((x - 0.5 * r_big) ** 2 + (y - r_big) ** 2) ** 0.5
        if d_right < r_small or d_left < r_small:
            return 2
        yin = d_right <= r_small or r_small < d_left <= 0.5 * r_big or (y > r_big and d_right > 0.5 * r_big)
        return 0 if yin else 1

    def gen_data_yinyang(
        rng: Any, n: int = 100, r_small: float = 0.1, r_big: float = 0.5
    ) -> Tuple[List[Any], List[Any], List[Any]]:
        """Stand-in for micrograd.training.gen_data_yinyang: (train, val, test) of ((x, y), label)."""
        points = []
        for i in range(n):
            while True:
                x, y = rng.uniform(0, 2 * r_big), rng.uniform(0, 2 * r_big)
                inside = ((x - r_big) ** 2 + (y - r_big) ** 2) ** 0.5 <= r_big
                if inside and _yinyang_class(x, y, r_small, r_big) == i % 3:
                    points.append((((x / r_big - 1) * 2, (y / r_big - 1) * 2), i % 3))
                    break
        train_end, val_end = int(0.8 * n), int(0.9 * n)
        return points[:train_end], points[train_end:val_end], points[val_end:]

try:
    from micrograd.nn import AdamW
except ImportError:  # TEMPORARY fallback until the yin-yang branch is merged

    class AdamW:  # type: ignore[no-redef]
        """Adam with decoupled weight decay (stand-in for micrograd.nn.AdamW): t, and m, v per parameter."""

        def __init__(self, parameters: Sequence[Any], lr: float = 0.1, betas: Tuple[float, float] = (0.9, 0.95),
                     eps: float = 1e-8, weight_decay: float = 0.0) -> None:
            self.parameters = list(parameters)
            self.lr = lr
            self.beta1, self.beta2 = betas
            self.eps = eps
            self.weight_decay = weight_decay
            self.t = 0
            self.m = [0.0 for _ in self.parameters]
            self.v = [0.0 for _ in self.parameters]

        def step(self) -> None:
            self.t += 1
            for i, p in enumerate(self.parameters):
                self.m[i] = self.beta1 * self.m[i] + (1 - self.beta1) * p.grad
                self.v[i] = self.beta2 * self.v[i] + (1 - self.beta2) * p.grad**2
                m_hat = self.m[i] / (1 - self.beta1**self.t)
                v_hat = self.v[i] / (1 - self.beta2**self.t)
                p.data -= self.lr * (m_hat / (v_hat**0.5 + self.eps) + self.weight_decay * p.data)

        def zero_grad(self) -> None:
            for p in self.parameters:
                p.grad = 0
