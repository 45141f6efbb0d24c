"""Oracles for module programs: what a correct Neuron/Layer/MLP computes.

- :func:`torch_module_outcome`: the same model in PyTorch (float64, autograd);
- :func:`numpy_module_outcome`: the same model in NumPy with backpropagation written
  out by hand (no torch needed; also reports how close every relu input came to 0);
- :func:`graph_module_outcome`: the first forward pass read back from a graph oracle's
  Outcome for :meth:`ModuleProgram.to_program` (JAX, finite differences, ...).

All three return a :class:`ModuleOutcome` laid out like the implementation's, and
:func:`compare_module_outcomes` lists where two of them disagree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, List, Optional, Sequence, Tuple

from micrograd.program._module import ModuleOutcome, ModuleProgram, ModuleStep
from micrograd.program._outcome import Outcome

__all__ = [
    "Mismatch",
    "compare_module_outcomes",
    "graph_module_outcome",
    "numpy_module_outcome",
    "parameter_name",
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


@dataclass(frozen=True)
class Mismatch:
    """One disagreement: ``what`` (``"step 0 (forward): output[1][0]"``), expected, got."""

    what: str
    expected: str
    got: str


def _close(a: float, b: float, rel: float, abs_: float) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def compare_module_outcomes(
    expected: ModuleOutcome,
    got: ModuleOutcome,
    *,
    fields: Sequence[str] = ("outputs", "single", "loss", "grads", "params", "order", "count"),
    rel: float = 1e-6,
    abs_: float = 1e-9,
    limit: int = 8,
    program: Optional[ModuleProgram] = None,
    steps: Optional[Sequence[int]] = None,
) -> List[Mismatch]:
    """Where ``got`` differs from ``expected`` (at most ``limit`` rows), comparing ``fields``
    of every step present in both, and the neuron widths. Both must be free of errors.
    With ``program``, parameters are named by where they live (``layers[0].neurons[1].b``);
    with ``steps``, only the steps of those indices are compared."""
    rows: List[Mismatch] = []

    def pname(k: int) -> str:
        name = parameter_name(program, k) if program is not None else None
        return name or f"parameter {k}"

    def add(what: str, e: Any, g: Any) -> None:
        if len(rows) < limit:
            rows.append(Mismatch(what, _fmt(e), _fmt(g)))

    if len(got.steps) < len(expected.steps):
        add("actions completed", len(expected.steps), len(got.steps))
    if expected.widths != got.widths:
        add("len(n.w) of each neuron", list(expected.widths), list(got.widths))
    close: Callable[[float, float], bool] = lambda a, b: _close(a, b, rel, abs_)  # noqa: E731
    chosen = None if steps is None else {i % len(expected.steps) for i in steps} if expected.steps else set()
    for i, (e, g) in enumerate(zip(expected.steps, got.steps)):
        if chosen is not None and i not in chosen:
            continue
        where = f"after action {i} ({e.action}): " if len(expected.steps) > 1 else ""
        if "outputs" in fields and e.outputs:
            for j, (er, gr) in enumerate(zip(e.outputs, g.outputs)):
                if len(er) != len(gr):
                    add(where + f"number of outputs for x{j}", len(er), len(gr))
                for k, (ev, gv) in enumerate(zip(er, gr)):
                    if not close(ev, gv):
                        add(where + f"output {k} for x{j}", ev, gv)
        if "single" in fields and e.single and e.single != g.single:
            for j, (es, gs) in enumerate(zip(e.single, g.single)):
                if es != gs:
                    add(where + f"model(x{j}) returns", _kind(es), _kind(gs))
                    break
        if "loss" in fields and e.loss is not None and (g.loss is None or not close(e.loss, g.loss)):
            add(where + "loss", e.loss, g.loss)
        for name in ("grads", "params"):
            if name in fields and e.action != "parameters":
                ev_all, gv_all = getattr(e, name), getattr(g, name)
                for k, (ev, gv) in enumerate(zip(ev_all, gv_all)):
                    if not close(ev, gv):
                        add(where + f"{pname(k)}.{'grad' if name == 'grads' else 'data'}", ev, gv)
        if "count" in fields and e.action == "parameters" and len(e.order) != len(g.order):
            add(where + "len(model.parameters())", len(e.order), len(g.order))
        if "order" in fields and e.action == "parameters" and e.order != g.order:
            if len(e.order) != len(g.order) and "count" not in fields:
                add(where + "len(model.parameters())", len(e.order), len(g.order))
            for k, (ev, gv) in enumerate(zip(e.order, g.order)):
                if ev != gv:
                    add(where + f"model.parameters()[{k}] is", pname(ev), "not a parameter" if gv < 0 else pname(gv))
    return rows


def _kind(single: bool) -> str:
    return "a Value" if single else "a list"


def _fmt(x: Any) -> str:
    if isinstance(x, float):
        return f"{x:.10g}"
    return str(x)


def parameter_name(program: ModuleProgram, index: int) -> Optional[str]:
    """``layers[1].neurons[0].w[2]`` for canonical parameter ``index``."""
    start = 0
    neuron = 0
    for width in program.widths:
        if index <= start + width:
            k = index - start
            leaf = f"w[{k}]" if k < width else "b"
            if program.module == "neuron":
                return leaf
            if program.module == "layer":
                return f"neurons[{neuron}].{leaf}"
            layer, offset = 0, neuron
            for nout in program.sizes:
                if offset < nout:
                    break
                offset -= nout
                layer += 1
            return f"layers[{layer}].neurons[{offset}].{leaf}"
        start += width + 1
        neuron += 1
    return None
