"""Oracles for module programs: what a correct Neuron/Layer/MLP computes.

- :func:`torch_module_outcome`: the same model in PyTorch (float64, autograd);
- :func:`numpy_module_outcome`: the same model in NumPy with backpropagation written
  out by hand (no torch needed; also reports how close every relu input came to 0);
- :func:`graph_module_outcome`: the first forward pass read back from a graph oracle's
  Outcome for :meth:`ModuleProgram.to_program` (JAX, finite differences, ...).

All three return a :class:`ModuleOutcome` laid out like the implementation's
(``micrograd.verdict.compare_module_outcomes`` lists where two of them disagree).
"""

from __future__ import annotations

import functools
import math
from typing import Any, List, Tuple

from micrograd.program import ModuleOutcome, ModuleProgram, ModuleStep, Outcome

__all__ = [
    "MODULE_ORACLES",
    "expected_module_outcome",
    "graph_module_outcome",
    "numpy_module_outcome",
    "relu_margin",
    "torch_module_outcome",
]


def _layers(program: ModuleProgram) -> List[Tuple[int, int, bool, int]]:
    """(nin, nout, relu?, offset of the layer's first parameter) for every layer."""
    out, offset = [], 0
    for nin, nout, nonlin in zip(program.layer_inputs, program.sizes, program.nonlins):
        out.append((nin, nout, nonlin, offset))
        offset += nout * (nin + 1)
    return out


def _single(program: ModuleProgram) -> bool:
    """Whether a correct module returns one Value (not a list) for one example."""
    return program.sizes[-1] == 1


def torch_module_outcome(program: ModuleProgram) -> ModuleOutcome:
    """Run ``program`` on an equivalent PyTorch model (float64 tensors, canonical layout)."""
    import torch

    flat = torch.tensor(program.params, dtype=torch.float64)
    weights, biases = [], []
    for nin, nout, _, offset in _layers(program):
        block = flat[offset:offset + nout * (nin + 1)].reshape(nout, nin + 1)
        weights.append(block[:, :nin].clone().requires_grad_(True))
        biases.append(block[:, nin].clone().requires_grad_(True))
    nonlins = program.nonlins
    x = torch.tensor(program.inputs, dtype=torch.float64)
    targets = torch.tensor(program.targets, dtype=torch.float64)

    def canonical(kind: str) -> Tuple[float, ...]:
        parts = []
        for w, b in zip(weights, biases):
            tw = w.grad if kind == "grad" else w.detach()
            tb = b.grad if kind == "grad" else b.detach()
            if tw is None or tb is None:
                tw, tb = torch.zeros_like(w), torch.zeros_like(b)
            parts.append(torch.cat([tw, tb[:, None]], dim=1).reshape(-1))
        return tuple(float(v) for v in torch.cat(parts).tolist())

    steps = []
    for action in program.actions:
        if action == "forward":
            h = x
            for w, b, nonlin in zip(weights, biases, nonlins):
                h = h @ w.T + b
                if nonlin:
                    h = torch.relu(h)
            if program.loss == "svm":
                data = torch.relu(1 - targets[:, 0] * h[:, 0]).sum() * (1.0 / len(program.inputs))
                zero = torch.zeros((), dtype=torch.float64)
                squares = sum(((w * w).sum() + (b * b).sum() for w, b in zip(weights, biases)), zero)
                loss = data + squares * program.l2
            else:
                loss = ((h - targets) ** 2).sum()
            loss.backward()
            rows = tuple(tuple(float(v) for v in row) for row in h.detach().tolist())
            steps.append(
                ModuleStep("forward", rows, (_single(program),) * len(rows), float(loss.detach()), canonical("grad"),
                           canonical("data"))
            )
        elif action == "zero_grad":
            for t in [*weights, *biases]:
                if t.grad is not None:
                    t.grad.zero_()
            steps.append(ModuleStep("zero_grad", grads=canonical("grad"), params=canonical("data")))
        elif action == "step":
            with torch.no_grad():
                for t in [*weights, *biases]:
                    if t.grad is not None:
                        t -= program.lr * t.grad
            steps.append(ModuleStep("step", grads=canonical("grad"), params=canonical("data")))
        else:
            steps.append(ModuleStep("parameters", grads=canonical("grad"), params=canonical("data"),
                                    order=tuple(range(program.n_params))))
    return ModuleOutcome(program.widths, (0.0,) * program.n_params, tuple(steps))


def numpy_module_outcome(program: ModuleProgram) -> ModuleOutcome:
    """Run ``program`` in NumPy with hand-written backpropagation (an oracle that needs no torch)."""
    return _numpy_run(program)[0]


def relu_margin(program: ModuleProgram) -> float:
    """How close any relu input comes to 0 over every forward pass of ``program`` (the
    neurons' pre-activations and, for the svm loss, the margins); ``inf`` if there is no relu.

    Near 0, rounding decides which side of the kink an evaluation lands on, and finite
    differences straddle it, so strategies keep this above a threshold.
    """
    return _numpy_run(program)[1]


def _numpy_run(program: ModuleProgram) -> Tuple[ModuleOutcome, float]:
    import numpy as np

    params = np.array(program.params, dtype=np.float64)
    grads = np.zeros_like(params)
    layers = _layers(program)
    margin = math.inf

    def view(flat: Any, nin: int, nout: int, offset: int) -> Tuple[Any, Any]:
        block = flat[offset:offset + nout * (nin + 1)].reshape(nout, nin + 1)
        return block[:, :nin], block[:, nin]

    steps = []
    for action in program.actions:
        if action == "forward":
            rows, total = [], 0.0
            n = len(program.inputs)
            for x, target in zip(program.inputs, program.targets):
                acts = [np.array(x, dtype=np.float64)]
                pre = []
                for nin, nout, nonlin, offset in layers:
                    w, b = view(params, nin, nout, offset)
                    z = w @ acts[-1] + b
                    pre.append(z)
                    if nonlin:
                        margin = min(margin, float(np.min(np.abs(z))))
                    acts.append(np.maximum(z, 0.0) if nonlin else z)
                out = acts[-1]
                rows.append(tuple(float(v) for v in out))
                if program.loss == "svm":
                    m = 1.0 - target[0] * out[0]
                    margin = min(margin, abs(m))
                    total += max(m, 0.0) / n
                    delta = np.array([-target[0] / n if m > 0 else 0.0])
                else:
                    total += float(np.sum((out - np.array(target)) ** 2))
                    delta = 2.0 * (out - np.array(target))
                for (nin, nout, nonlin, offset), z, a in reversed(list(zip(layers, pre, acts[:-1]))):
                    if nonlin:
                        delta = delta * (z > 0)
                    gw, gb = view(grads, nin, nout, offset)
                    gw += np.outer(delta, a)
                    gb += delta
                    w, _ = view(params, nin, nout, offset)
                    delta = w.T @ delta
            if program.loss == "svm":
                total += program.l2 * float(np.sum(params * params))
                grads += 2.0 * program.l2 * params
            steps.append(ModuleStep("forward", tuple(rows), (_single(program),) * n, total,
                                    tuple(grads.tolist()), tuple(params.tolist())))
        elif action == "zero_grad":
            grads[:] = 0.0
            steps.append(ModuleStep("zero_grad", grads=tuple(grads.tolist()), params=tuple(params.tolist())))
        elif action == "step":
            params -= program.lr * grads
            steps.append(ModuleStep("step", grads=tuple(grads.tolist()), params=tuple(params.tolist())))
        else:
            steps.append(ModuleStep("parameters", grads=tuple(grads.tolist()), params=tuple(params.tolist()),
                                    order=tuple(range(program.n_params))))
    return ModuleOutcome(program.widths, (0.0,) * program.n_params, tuple(steps)), margin


def graph_module_outcome(program: ModuleProgram, outcome: Outcome) -> ModuleOutcome:
    """Read a graph oracle's Outcome for ``program.to_program()`` as a ModuleOutcome.

    It covers the actions up to and including the first ``"forward"`` (``"parameters"``
    and ``"zero_grad"`` before it change nothing). A gradient the oracle does not know
    (``None``) is NaN here, which compares unequal to everything.
    """
    if outcome.error is not None:
        return ModuleOutcome(error=outcome.error)
    graph = program.to_program()
    n = program.n_params
    params = tuple(float(v) for v in graph.leaves[:n])
    grads = tuple(math.nan if g is None else float(g) for g in outcome.grad[:n])
    zeros = (0.0,) * n
    steps = []
    for action in program.actions:
        if action == "forward":
            rows = tuple(tuple(outcome.data[node] for node in out) for out in program.output_nodes())
            steps.append(ModuleStep("forward", rows, (_single(program),) * len(rows),
                                    outcome.data[program.loss_node()], grads, params))
            break
        if action == "step":
            raise ValueError("a step before the first forward pass cannot be unrolled into a Program")
        order = tuple(range(n)) if action == "parameters" else ()
        steps.append(ModuleStep(action, grads=zeros, params=params, order=order))
    return ModuleOutcome(program.widths, zeros, tuple(steps))


#: the module oracles, by name: the NumPy model judges (no dependency, and fast on small models);
#: the PyTorch one cross-checks it (tests/program/test_module.py)
MODULE_ORACLES = ("numpy", "torch")


def expected_module_outcome(program: ModuleProgram, oracle: str = "numpy") -> ModuleOutcome:
    """What a correct module computes, by the module oracle ``oracle`` (``numpy`` or ``torch``).

    Answers are remembered (the last 8192 programs): a grader asks the same derandomized programs
    of every submission, so each is computed once per process.
    """
    if oracle not in MODULE_ORACLES:
        raise ValueError(f"unknown module oracle {oracle!r}; choose one of {', '.join(MODULE_ORACLES)}")
    return _remembered(program, oracle)


@functools.lru_cache(maxsize=8192)
def _remembered(program: ModuleProgram, oracle: str) -> ModuleOutcome:
    return numpy_module_outcome(program) if oracle == "numpy" else torch_module_outcome(program)
