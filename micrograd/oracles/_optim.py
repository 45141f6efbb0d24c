"""Oracles for the cross-entropy and AdamW requests: exact formulas in plain Python, and PyTorch.

- :func:`exact_cross_entropy`: ``log(sum(exp(l - m))) - (l[target] - m)`` with ``m = max(l)``
  (``math.fsum`` for the sum), and the closed-form gradient ``softmax(l) - onehot(target)``;
- :func:`torch_cross_entropy`: ``torch.nn.functional.cross_entropy`` in float64, with autograd;
- :func:`exact_adamw`: AdamW's update written out, in PyTorch's order (decay the weight, then
  the Adam step); its keyword arguments switch on one classic mistake each, so a verdict can
  say which mistake a wrong answer matches (:data:`ADAMW_MISTAKES`);
- :func:`torch_adamw`: ``torch.optim.AdamW`` in float64 (``foreach=False``).

Each returns the outcome class of its request. Only :func:`torch_cross_entropy` and
:func:`torch_adamw` need torch, imported when called.
"""

from __future__ import annotations

import math
from typing import Dict, List

from micrograd.runner import (
    AdamWOutcome,
    AdamWProgram,
    AdamWStep,
    CrossEntropyOutcome,
    CrossEntropyProgram,
)

__all__ = [
    "ADAMW_MISTAKES",
    "CROSS_ENTROPY_MISTAKES",
    "cross_entropy_mistake",
    "exact_adamw",
    "exact_cross_entropy",
    "torch_adamw",
    "torch_cross_entropy",
]


def exact_cross_entropy(program: CrossEntropyProgram) -> CrossEntropyOutcome:
    """The loss ``-log softmax(l)[target]`` and its gradient ``softmax(l) - onehot(target)``, stably."""
    logits = program.logits
    top = max(logits)
    exps = [math.exp(x - top) for x in logits]
    total = math.fsum(exps)
    loss = math.log(total) - (logits[program.target] - top)
    grads = tuple(e / total - (i == program.target) for i, e in enumerate(exps))
    return CrossEntropyOutcome(loss=loss, grads=grads)


#: cross-entropy mistakes :func:`cross_entropy_mistake` can compute
CROSS_ENTROPY_MISTAKES = ("sign_flipped", "not_normalized", "first_class")


def cross_entropy_mistake(program: CrossEntropyProgram, mistake: str) -> CrossEntropyOutcome:
    """What a cross-entropy with one classic mistake returns (one of CROSS_ENTROPY_MISTAKES):
    ``+log p`` instead of ``-log p``, ``-log exp(l[target] - max)`` (no division by the sum), or the
    first class's loss whatever the target."""
    if mistake == "sign_flipped":
        right = exact_cross_entropy(program)
        return CrossEntropyOutcome(-float(right.loss or 0.0), tuple(-g for g in right.grads))
    if mistake == "not_normalized":
        top = max(program.logits)
        t = program.target
        return CrossEntropyOutcome(top - program.logits[t], tuple(-1.0 * (i == t) for i in range(len(program.logits))))
    if mistake == "first_class":
        return exact_cross_entropy(CrossEntropyProgram(program.logits, 0))
    raise ValueError(f"unknown mistake {mistake!r}; expected one of {', '.join(CROSS_ENTROPY_MISTAKES)}")


def torch_cross_entropy(program: CrossEntropyProgram) -> CrossEntropyOutcome:
    """``torch.nn.functional.cross_entropy`` on the logits (float64) and its autograd gradient."""
    import torch

    logits = torch.tensor([program.logits], dtype=torch.float64, requires_grad=True)
    loss = torch.nn.functional.cross_entropy(logits, torch.tensor([program.target]))
    (grads,) = torch.autograd.grad(loss, logits)
    return CrossEntropyOutcome(loss=float(loss.detach()), grads=tuple(float(g) for g in grads[0].tolist()))


#: AdamW mistakes: keyword -> what :func:`exact_adamw` then computes instead
ADAMW_MISTAKES: Dict[str, str] = {
    "no_bias_correction": "m and v are used without dividing by (1 - beta**t)",
    "swapped_bias_correction": "m is divided by (1 - beta2**t) and v by (1 - beta1**t)",
    "coupled_weight_decay": "weight_decay * p is added to the gradient (Adam with L2), not to the update",
    "no_weight_decay": "the weights are not decayed",
    "eps_inside_sqrt": "the denominator is sqrt(v_hat + eps)",
    "moments_not_kept": "m and v start from 0 at every step",
    "shared_moments": "one m and one v for all parameters",
    "t_per_parameter": "t grows by one per parameter, not per step",
}


def exact_adamw(program: AdamWProgram, mistake: str = "") -> AdamWOutcome:
    """Every parameter's data and ``t`` after each step of AdamW, written out:
    ``p *= 1 - lr*wd``; ``m = b1*m + (1-b1)*g``; ``v = b2*v + (1-b2)*g*g``;
    ``p -= lr * (m / (1 - b1**t)) / (sqrt(v / (1 - b2**t)) + eps)``.

    ``mistake`` (a key of ADAMW_MISTAKES) computes that classic mistake instead.
    """
    if mistake and mistake not in ADAMW_MISTAKES:
        raise ValueError(f"unknown mistake {mistake!r}; expected one of {', '.join(ADAMW_MISTAKES)}")
    b1, b2, lr, eps, wd = program.beta1, program.beta2, program.lr, program.eps, program.weight_decay
    params: List[float] = list(program.params)
    n = len(params)
    m, v = [0.0] * n, [0.0] * n
    t = 0
    steps = []
    for row in program.grads:
        if mistake != "t_per_parameter":
            t += 1
        for i, g in enumerate(row):
            if mistake == "t_per_parameter":
                t += 1
            j = 0 if mistake == "shared_moments" else i
            if mistake == "moments_not_kept":
                m[j] = v[j] = 0.0
            p = params[i]
            if mistake == "coupled_weight_decay":
                g = g + wd * p
            elif mistake != "no_weight_decay":
                p = p * (1 - lr * wd)
            m[j] = b1 * m[j] + (1 - b1) * g
            v[j] = b2 * v[j] + (1 - b2) * g * g
            c1, c2 = 1 - b1**t, 1 - b2**t
            if mistake == "no_bias_correction":
                c1 = c2 = 1.0
            elif mistake == "swapped_bias_correction":
                c1, c2 = c2, c1
            v_hat = v[j] / c2
            denominator = math.sqrt(v_hat + eps) if mistake == "eps_inside_sqrt" else math.sqrt(v_hat) + eps
            params[i] = p - lr * (m[j] / c1) / denominator
        steps.append(AdamWStep(params=tuple(params), t=float(t)))
    return AdamWOutcome(steps=tuple(steps))


def torch_adamw(program: AdamWProgram) -> AdamWOutcome:
    """``torch.optim.AdamW`` (float64, one tensor per parameter, ``foreach=False``) fed the same grads."""
    import torch

    params = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in program.params]
    optimizer = torch.optim.AdamW(params, lr=program.lr, betas=program.betas, eps=program.eps,
                                  weight_decay=program.weight_decay, foreach=False)
    steps = []
    for k, row in enumerate(program.grads, start=1):
        for p, g in zip(params, row):
            p.grad = torch.tensor(g, dtype=torch.float64)
        optimizer.step()
        steps.append(AdamWStep(params=tuple(float(p.detach()) for p in params), t=float(k)))
    return AdamWOutcome(steps=tuple(steps))
