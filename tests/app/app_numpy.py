"""An independent numpy model of what the app computes: MLP(2, sizes) logits (relu or tanh hidden layers),
the losses, numeric gradients, and AdamW's update written out."""

from __future__ import annotations

from typing import List, Sequence, Tuple

import numpy as np


def layers(params: Sequence[float], sizes: Sequence[int]) -> List[Tuple[np.ndarray, np.ndarray]]:
    out, start = [], 0
    for width, nout in zip((2, *sizes[:-1]), sizes):
        block = np.array(params[start:start + nout * (width + 1)], dtype=float).reshape(nout, width + 1)
        out.append((block[:, :-1], block[:, -1]))
        start += nout * (width + 1)
    return out


def logits(params: Sequence[float], sizes: Sequence[int], points: Sequence[Sequence[float]],
           activation: str = "relu") -> np.ndarray:
    h = np.array(points, dtype=float)
    ls = layers(params, sizes)
    for i, (w, b) in enumerate(ls):
        h = h @ w.T + b
        if i < len(ls) - 1:
            h = np.tanh(h) if activation == "tanh" else np.maximum(h, 0)
    return h


def loss(params: Sequence[float], sizes: Sequence[int], points: Sequence[Sequence[float]],
         labels: Sequence[int], kind: str = "cross_entropy", activation: str = "relu") -> float:
    z = logits(params, sizes, points, activation)
    y = np.array(labels)
    rows = np.arange(len(y))
    if kind in ("cross_entropy", "module_cross_entropy"):
        shifted = z - z.max(axis=1, keepdims=True)
        return float(np.mean(np.log(np.exp(shifted).sum(axis=1)) - shifted[rows, y]))
    margins = np.maximum(0, 1 + z - z[rows, y][:, None])
    margins[rows, y] = 0
    return float(np.mean(margins.sum(axis=1)))


def numeric_grads(params: Sequence[float], sizes: Sequence[int], points: Sequence[Sequence[float]],
                  labels: Sequence[int], kind: str = "cross_entropy", activation: str = "relu",
                  h: float = 1e-6) -> np.ndarray:
    p = np.array(params, dtype=float)
    grads = np.zeros_like(p)
    for i in range(len(p)):
        up, down = p.copy(), p.copy()
        up[i] += h
        down[i] -= h
        grads[i] = (loss(up, sizes, points, labels, kind, activation)
                    - loss(down, sizes, points, labels, kind, activation)) / (2 * h)
    return grads


def adamw(params: Sequence[float], grads: Sequence[float], m: Sequence[float], v: Sequence[float], t: int,
          lr: float, betas: Tuple[float, float], eps: float, weight_decay: float) -> Tuple[np.ndarray, ...]:
    """One AdamW step (torch.optim.AdamW's formulas, decay after the Adam update as the module writes it):
    the new (params, m, v)."""
    p, g = np.array(params, dtype=float), np.array(grads, dtype=float)
    b1, b2 = betas
    t += 1
    m = b1 * np.array(m) + (1 - b1) * g
    v = b2 * np.array(v) + (1 - b2) * g ** 2
    m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
    return p - lr * (m_hat / (np.sqrt(v_hat) + eps) + weight_decay * p), m, v
