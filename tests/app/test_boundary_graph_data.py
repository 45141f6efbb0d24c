"""The decision boundary and the level sets, the data sets, the graph's order and its drawing."""

from __future__ import annotations

import os
import random
import shutil
from dataclasses import replace

import numpy as np
import pytest
from app_numpy import layers

from micrograd.app._boundary import decision_boundary, level_sets, mlp_logits
from micrograd.app._data import DATASETS, load_dataset
from micrograd.app._graph import (
    GraphError,
    GraphRenderer,
    _number,
    draw_graph,
    in_topological_order,
    neuron_groups,
    render_svg,
)
from micrograd.app._outcome import GraphNode
from micrograd.app._wire import StepRequest, n_params
from micrograd.impl import load_implementation, reference_dir
from micrograd.training import load_moons

needs_dot = pytest.mark.skipif(shutil.which("dot") is None and not os.environ.get("CI"),
                               reason="graphviz's dot is not installed (apt-get install graphviz)")


def _params(sizes, seed=0):
    rng = random.Random(seed)
    return [rng.uniform(-1, 1) for _ in range(n_params(sizes))]


# boundary


def test_mlp_logits_match_the_reference_engine() -> None:
    from micrograd.engine import Value
    from micrograd.nn import MLP

    sizes = (5, 4, 3)
    params = _params(sizes)
    model = MLP(2, list(sizes))
    for p, value in zip(model.parameters(), params):
        p.data = value
    points = [(0.3, -1.2), (1.5, 0.25), (-2.0, 2.0)]
    expected = [[v.data for v in model([Value(x), Value(y)])] for x, y in points]
    np.testing.assert_allclose(mlp_logits(layers(params, sizes), points), expected, rtol=1e-12)


def test_the_boundary_of_a_model_that_looks_at_x_only() -> None:
    # logits (x, -x): class 0 right of x = 0, class 1 left of it
    grid = decision_boundary([(np.array([[1.0, 0.0], [-1.0, 0.0]]), np.zeros(2))], (-1.0, 1.0, -1.0, 1.0), size=4)
    assert grid.classes == "1100" * 4
    assert grid.confidence[0] == grid.confidence[3] > grid.confidence[1] == grid.confidence[2]
    with pytest.raises(ValueError, match="size"):
        decision_boundary([], (0, 1, 0, 1), size=1)


def test_a_model_with_nan_parameters_still_has_a_boundary() -> None:
    grid = decision_boundary([(np.full((2, 2), np.nan), np.zeros(2))], (-1.0, 1.0, -1.0, 1.0), size=3)
    assert len(grid.classes) == 9 and set(grid.confidence) <= set("0123456789")


# data


def test_the_data_sets() -> None:
    yinyang = load_dataset("yin-yang")
    assert yinyang.classes == DATASETS["yin-yang"] and len(yinyang.points) == 90 and "10 test points" in yinyang.note
    assert [p.split for p in yinyang.points] == ["train"] * 80 + ["val"] * 10
    assert {p.label for p in yinyang.points} == {0, 1, 2}
    from micrograd.training import RNG, gen_data_yinyang

    train, val, _ = gen_data_yinyang(RNG(42))
    assert [((p.x, p.y), p.label) for p in yinyang.points] == [*train, *val]
    moons = load_dataset("moons")
    raw = load_moons()
    assert [(p.x, p.y) for p in moons.points] == list(raw.X) and {p.split for p in moons.points} == {"train"}
    assert [1 if p.label == 1 else -1 for p in moons.points] == list(raw.y)
    for dataset in (yinyang, moons):
        x0, x1, y0, y1 = dataset.extent
        assert x1 - x0 == pytest.approx(y1 - y0)
        assert all(x0 < p.x < x1 and y0 < p.y < y1 for p in dataset.points)
    with pytest.raises(ValueError, match="unknown data set 'iris'"):
        load_dataset("iris")


# level sets


def test_the_first_layer_s_level_sets_are_its_lines_inside_the_plot() -> None:
    w = np.array([[1.0, 0.0], [1.0, -1.0], [0.0, 0.0], [0.0, 1.0]])
    b = np.array([-0.5, 0.0, 1.0, 5.0])
    found = level_sets([(w, b), (np.ones((2, 4)), np.zeros(2))], (-1.0, 1.0, -1.0, 1.0))
    assert [(s.layer, s.neuron) for s in found] == [(0, 0), (0, 1), (0, 2), (0, 3)]
    (x0, y0, x1, y1), = found[0].segments
    assert x0 == x1 == 0.5 and {y0, y1} == {-1.0, 1.0}  # x = 0.5
    (x0, y0, x1, y1), = found[1].segments
    assert x0 == y0 and x1 == y1 and {x0, x1} == {-1.0, 1.0}  # the diagonal
    assert found[2].segments == () and found[3].segments == ()  # never 0; 0 at y = -5, outside


def test_a_deeper_layer_s_level_sets_are_traced_on_a_grid() -> None:
    # layer 1's neuron is relu(x) - 0.25: zero on the line x = 0.25
    layers_ = [(np.array([[1.0, 0.0]]), np.zeros(1)), (np.array([[1.0]]), np.array([-0.25])),
               (np.ones((2, 1)), np.zeros(2))]
    found = level_sets(layers_, (-1.0, 1.0, -1.0, 1.0), "relu", size=40)
    deep = next(s for s in found if s.layer == 1)
    assert len(deep.segments) >= 30
    assert all(abs(x - 0.25) < 1e-9 for seg in deep.segments for x in seg[0::2])
    assert level_sets(layers_[-1:], (-1.0, 1.0, -1.0, 1.0)) == []  # no hidden layer: no level sets


def test_tanh_logits_match_the_reference_engine_s() -> None:
    from micrograd.engine import Value

    sizes = (5, 3)
    params = _params(sizes, 4)
    (w0, b0), (w1, b1) = layers(params, sizes)
    point = (0.3, -1.2)
    hidden = [(Value(b0[j]) + sum(Value(w0[j, k]) * point[k] for k in range(2))).tanh() for j in range(5)]
    expected = [(Value(b1[j]) + sum((w1[j, k] * h for k, h in enumerate(hidden)), Value(0.0))).data for j in range(3)]
    np.testing.assert_allclose(mlp_logits(layers(params, sizes), [point], "tanh")[0], expected, rtol=1e-12)


# graph


@pytest.fixture(scope="module")
def graph():
    sizes = (3, 2, 3)
    request = StepRequest(sizes=sizes, params=tuple(_params(sizes, 1)), points=((0.5, 0.5),), labels=(1,),
                          example=(0.5, -0.25, 1))
    outcome = request.run_on_implementation(load_implementation(reference_dir()))
    return sizes, in_topological_order(outcome.graph)


def test_the_app_orders_the_graph_inputs_first_whatever_order_prev_gives(graph) -> None:
    _, nodes = graph
    assert nodes[-1].role == "loss" and all(c < i for i, n in enumerate(nodes) for c in n.children)
    # the same graph sent in another order (a _prev that is a set): the same order, so the same layout
    rng = random.Random(5)
    for _ in range(3):
        order = [len(nodes) - 1, *rng.sample(range(len(nodes) - 1), len(nodes) - 1)]  # the loss first
        where = {old: new for new, old in enumerate(order)}
        shuffled = [replace(nodes[old], children=tuple(where[c] for c in rng.sample(nodes[old].children,
                                                                                    len(nodes[old].children))))
                    for old in order]
        assert in_topological_order(shuffled) == nodes
    cycle = [GraphNode("+", 1.0, 0.0, (1,), "loss"), GraphNode("*", 1.0, 0.0, (0,))]
    with pytest.raises(ValueError, match="cycle"):
        in_topological_order(cycle)


def test_numbers_in_the_graph_never_read_minus_zero() -> None:
    assert _number(-1e-6) == "0.0000" and _number(-0.00012) == "-0.0001" and _number(12345.6) == "1.235e+04"


def test_every_node_of_a_neuron_is_grouped_with_it(graph) -> None:
    sizes, nodes = graph
    groups = neuron_groups(nodes, sizes)
    owner = [(0, j) for j in range(3) for _ in range(3)] + [(1, j) for j in range(2) for _ in range(4)] + \
            [(2, j) for j in range(3) for _ in range(3)]
    for node, group in zip(nodes, groups):
        if node.role.startswith("p"):
            assert group == owner[int(node.role[1:])]
        if node.role.startswith("out"):
            assert group == (2, int(node.role[3:]))
        if node.role in ("x0", "x1", "loss"):
            assert group is None
    # nothing computed from a logit belongs to a neuron: the loss is the loss's
    outputs = {i for i, n in enumerate(nodes) if n.role.startswith("out")}
    downstream = set()
    for i, node in enumerate(nodes):
        if any(c in outputs or c in downstream for c in node.children):
            downstream.add(i)
    assert downstream and all(groups[i] is None for i in downstream)
    # a hidden neuron's relu belongs to it, and feeds the next layer
    relus = [i for i, n in enumerate(nodes) if n.op == "ReLU"]
    assert sorted({groups[i] for i in relus}) == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1)]


def test_drawing_every_node_or_one_box_per_neuron(graph) -> None:
    sizes, nodes = graph
    full = draw_graph(nodes, sizes, "nodes")
    assert full.mode == "nodes" and full.boxes == len(nodes) and full.note == ""
    assert all(f"  n{i} [" in full.source for i in range(len(nodes)))
    assert full.source.count("subgraph cluster_") == 8
    by_neuron = draw_graph(nodes, sizes, "neurons")
    free = sum(1 for g in neuron_groups(nodes, sizes) if g is None)
    assert by_neuron.boxes == 8 + free < len(nodes)
    assert "layers[1].neurons[0]  ReLU" in by_neuron.source
    assert "layers[2].neurons[1]  +  logit 1" in by_neuron.source


def test_a_large_graph_is_drawn_by_neuron_with_a_note_and_a_huge_one_not_at_all(graph) -> None:
    sizes, nodes = graph
    drawing = draw_graph(nodes, sizes, "nodes", full_limit=20)
    assert drawing.mode == "neurons" and f"has {len(nodes)} nodes, more than the 20" in drawing.note
    with pytest.raises(GraphError, match="limit is 5 boxes"):
        draw_graph(nodes, sizes, "nodes", full_limit=20, neuron_limit=5)
    with pytest.raises(ValueError, match="mode"):
        draw_graph(nodes, sizes, "tiles")


def test_labels_are_escaped(graph) -> None:
    sizes, nodes = graph
    odd = [*nodes[:-1], replace(nodes[-1], op="{|}<>\"")]
    source = draw_graph(odd, sizes, "nodes").source
    assert '\\{\\|\\}\\<\\>\\"' in source


@needs_dot
def test_render_svg_shows_every_node_s_data_and_grad(graph) -> None:
    sizes, nodes = graph
    drawing = draw_graph(nodes, sizes, "nodes")
    svg = drawing.filled(render_svg(drawing.source))
    assert svg.startswith("<svg") and svg.count('class="node"') == len(nodes)
    assert f"grad {nodes[-1].grad:.4f}" in svg and f"data {nodes[0].data:.4f}" in svg


@needs_dot
def test_the_renderer_lays_out_a_structure_once_and_fills_in_new_numbers(graph) -> None:
    from dataclasses import replace

    sizes, nodes = graph
    renderer = GraphRenderer()
    first = renderer.render(draw_graph(nodes, sizes, "nodes"))
    moved = [replace(n, data=n.data + 1, grad=-n.grad) for n in nodes]
    second = renderer.render(draw_graph(moved, sizes, "nodes"))
    assert renderer.layouts_made == 1 and first.key == second.key
    assert f"data {moved[0].data:.4f}" in second.svg and f"grad {moved[-1].grad:.4f}" in second.texts
    assert len(first.texts) == len(second.texts) == 3 * len(nodes) + 8  # title, data, grad; 8 cluster labels
    assert "-" in "".join(second.texts) and "&#45;" not in "".join(second.texts)
    by_neuron = renderer.render(draw_graph(nodes, sizes, "neurons"))
    assert renderer.layouts_made == 2 and by_neuron.key != first.key


def test_render_svg_without_dot_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(GraphError, match="apt-get install graphviz"):
        render_svg("digraph G {}")
