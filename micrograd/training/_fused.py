"""Fused nodes: the moons demo's fast path, for any engine written in micrograd's pattern.

The plain forward pass builds about 640 Value nodes per point (a ``*`` and a ``+``
per weight, a ``relu`` per neuron); creating them, and the cyclic garbage collector
scanning them again and again while the graph grows, is where the time goes (see
docs/speed.md). Here each neuron becomes ONE node (``relu(w . x + b)``) and the L2
penalty one node (``sum p*p``), built with the model's own Value class, so the
result is still a micrograd graph that ``loss.backward()`` differentiates.

The arithmetic is the plain graph's, operation for operation and in the same order,
so losses and gradients agree with it (bit for bit on the reference engine):

- the forward sum is ``b + w0*x0 + w1*x1 + ...`` from left to right, as
  ``sum((wi*xi for ...), b)`` computes it (no ``sum()`` of floats, which rounds
  differently from Python 3.12 on);
- each weight gets ``x * grad`` and each input ``w * grad``, exactly the products the
  ``*`` nodes would send, and a node's inputs are listed in the order the plain graph
  first reaches them, so ``backward()`` visits the nodes in the same order;
- ``p*p`` sends ``p * grad`` twice, as a ``*`` node whose two inputs are the same Value.
"""

from __future__ import annotations

from typing import Any, List, Sequence, Tuple

__all__ = ["ModelShapeError", "fused_scores", "sum_of_squares"]


class ModelShapeError(TypeError):
    """The model is not laid out like micrograd's MLP (``layers`` of ``neurons`` with ``w``, ``b``, ``nonlin``)."""


def _layers(model: Any) -> List[List[Tuple[list, Any, bool]]]:
    """(weights, bias, relu?) for every neuron, layer by layer."""
    try:
        layers = [[(list(n.w), n.b, bool(n.nonlin)) for n in layer.neurons] for layer in model.layers]
    except AttributeError as error:
        raise ModelShapeError(
            f"the fast path needs an MLP laid out like micrograd's (model.layers[i].neurons[j].w, .b, .nonlin): {error}"
        ) from error
    if not layers or any(not layer for layer in layers) or len(layers[-1]) != 1:
        raise ModelShapeError("the fast path needs an MLP whose last layer has exactly one neuron")
    return layers


def fused_scores(model: Any, points: Sequence[Sequence[float]]) -> List[Any]:
    """The model's output Value for each point (a sequence of floats), one node per neuron.

    The points are constants (no gradient flows to them), as with upstream's
    ``list(map(Value, xrow))`` inputs whose gradients are never read.
    """
    layers = _layers(model)
    value_class = type(layers[0][0][1])
    # weights do not change during a forward pass: read every .data once per call
    plans = [[(w, [wi.data for wi in w], b, relu) for w, b, relu in layer] for layer in layers]
    scores = []
    for point in points:
        x_data: List[float] = [float(c) for c in point]
        x_nodes: Any = None
        for plan in plans:
            nodes = [_neuron(value_class, w, w_data, b, relu, x_data, x_nodes) for w, w_data, b, relu in plan]
            x_nodes = nodes
            x_data = [node.data for node in nodes]
        scores.append(x_nodes[0])
    return scores


def _neuron(value_class: Any, w: list, w_data: list, b: Any, relu: bool, x_data: list, x_nodes: Any) -> Any:
    """One node for ``relu(w . x + b)`` (or ``w . x + b``); x_nodes is None for constant inputs."""
    act = b.data
    for wi, xi in zip(w_data, x_data):
        act = act + wi * xi
    if relu:
        act = 0 if act < 0 else act  # the engine's relu, as written in micrograd
    children = (b, *w) if x_nodes is None else (b, *x_nodes, *w)
    out = value_class(act, children, "relu(w.x+b)" if relu else "w.x+b")

    def _backward() -> None:
        g = out.grad
        if not g or (relu and not out.data > 0):
            return  # every contribution would be +-0.0
        b.grad += g
        for wi, xi in zip(w, x_data):
            wi.grad += xi * g
        if x_nodes is not None:
            for wi, node in zip(w_data, x_nodes):
                node.grad += wi * g

    out._backward = _backward
    return out


def sum_of_squares(params: Sequence[Any]) -> Any:
    """One node for ``sum(p*p for p in params)``, summed from left to right starting at 0."""
    params = list(params)
    if not params:
        raise ValueError("sum_of_squares needs at least one parameter")
    total = 0
    for p in params:
        total = total + p.data * p.data
    out = type(params[0])(total, tuple(params), "sum p*p")

    def _backward() -> None:
        g = out.grad
        for p in params:
            p.grad += p.data * g  # p*p sends p.data * grad to each of its two (identical) inputs
            p.grad += p.data * g

    out._backward = _backward
    return out
