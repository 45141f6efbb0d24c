"""micrograd.viz.draw_dot: a node per Value showing data and grad, a node per op."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import xml.etree.ElementTree as ET
from collections import Counter

import pytest

from micrograd.engine import Value
from micrograd.viz import draw_dot, trace

SVG = "{http://www.w3.org/2000/svg}"
needs_graphviz = pytest.mark.skipif(
    importlib.util.find_spec("graphviz") is None,
    reason="the graphviz package is not installed (pip install graphviz)",
)
# CI installs graphviz (.ci/run), so there a missing dot fails instead of skipping
needs_dot = pytest.mark.skipif(
    importlib.util.find_spec("graphviz") is None or (shutil.which("dot") is None and not os.environ.get("CI")),
    reason="the graphviz package or graphviz's dot program is not installed",
)


def all_values(root):
    """Every Value behind root, found independently of micrograd.viz."""
    found, stack = {}, [root]
    while stack:
        v = stack.pop()
        if id(v) not in found:
            found[id(v)] = v
            stack.extend(v._prev)
    return list(found.values())


def svg_nodes(svg: str):
    """(texts of each record node, text of each op node) in the rendered SVG."""
    root = ET.fromstring(svg)
    records, ops = [], []
    for group in root.iter(SVG + "g"):
        if group.get("class") != "node":
            continue
        texts = [t.text for t in group.iter(SVG + "text")]
        (records if group.find(SVG + "polygon") is not None else ops).append(texts)
    return records, ops


def svg_edge_count(svg: str) -> int:
    return sum(1 for g in ET.fromstring(svg).iter(SVG + "g") if g.get("class") == "edge")


@needs_dot
def test_svg_of_the_readme_example_shows_every_value_with_data_and_grad(readme_graph):
    a, b, g = readme_graph
    # upstream's README states these results
    assert f"{g.data:.4f}" == "24.7041" and f"{a.grad:.4f}" == "138.8338" and f"{b.grad:.4f}" == "645.5773"
    svg = draw_dot(g).pipe(format="svg", encoding="utf-8")
    records, ops = svg_nodes(svg)
    values = all_values(g)
    expected = Counter((f"data {v.data:.4f}", f"grad {v.grad:.4f}") for v in values)
    assert Counter(tuple(texts) for texts in records) == expected
    assert ("data 24.7041", "grad 1.0000") in expected  # the root
    assert ("data -4.0000", "grad 138.8338") in expected  # a
    assert ("data 2.0000", "grad 645.5773") in expected  # b
    assert Counter(texts[0] for texts in ops) == Counter(v._op for v in values if v._op)
    inputs = sum(len(set(map(id, v._prev))) for v in values)
    assert svg_edge_count(svg) == inputs + sum(1 for v in values if v._op)


@needs_dot
def test_a_neuron_renders_top_to_bottom_as_png():
    from micrograd.nn import Neuron

    n = Neuron(2)
    out = n([Value(1.0), Value(-2.0)])
    out.backward()
    dot = draw_dot(out, format="png", rankdir="TB")
    assert dot.graph_attr["rankdir"] == "TB"
    assert dot.pipe()[:8] == b"\x89PNG\r\n\x1a\n"


@needs_graphviz
def test_the_source_links_inputs_to_ops_to_results():
    x, y = Value(3.0), Value(5.0)
    z = x * y
    z.backward()
    source = draw_dot(z).source
    assert "data 3.0000 | grad 5.0000" in source
    assert "data 5.0000 | grad 3.0000" in source
    assert "data 15.0000 | grad 1.0000" in source
    # x -> (*) -> z: every edge into z goes through its op node
    assert source.count("->") == 3
    assert "v0_op -> v0" in source


@needs_graphviz
def test_a_value_used_twice_is_drawn_once():
    x = Value(2.0)
    y = x * x
    nodes, edges = trace(y)
    assert len(nodes) == 2 and len(edges) == 2
    assert draw_dot(y).source.count("shape=record") == 2


def test_deep_graphs_are_traced_without_recursion():
    v = Value(0.0)
    for _ in range(3 * sys.getrecursionlimit()):
        v = v + 1
    nodes, _ = trace(v)
    assert len(nodes) == 2 * 3 * sys.getrecursionlimit() + 1


@needs_graphviz
def test_any_value_like_object_can_be_drawn():
    class StudentValue:
        def __init__(self, data, prev=(), op=""):
            self.data, self.grad, self._prev, self._op = data, None, prev, op

    leaf = StudentValue(1.5)
    root = StudentValue(3.0, (leaf, leaf), "+")
    source = draw_dot(root).source
    assert "data 1.5000 | grad None" in source and "label=\"+\"" in source


def test_bad_arguments_get_clear_errors():
    with pytest.raises(ValueError, match=r"rankdir='XY'.*LR"):
        draw_dot(Value(1.0), rankdir="XY")
    with pytest.raises(TypeError, match=r"needs a Value.*float"):
        draw_dot(1.0)


def test_missing_graphviz_package_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)
    with pytest.raises(ModuleNotFoundError, match=r"pip install graphviz.*apt-get install graphviz"):
        draw_dot(Value(1.0))


@needs_graphviz
def test_a_label_is_shown_as_in_the_lecture():
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    e = a * b
    e.label = "e"
    source = draw_dot(e).source
    assert "{ a | data 2.0000 | grad 0.0000 }" in source and "{ e | data -6.0000" in source
    assert "{ data" not in source  # every node has a label here
    assert "{ data 1.0000 | grad 0.0000 }" in draw_dot(Value(1.0)).source  # no label: no empty field
