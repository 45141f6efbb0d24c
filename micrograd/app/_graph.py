"""The live graph: one example's forward pass and loss, drawn with graphviz, every node with op, data and grad.

Nodes are grouped by neuron from the graph itself: a node belongs to neuron (layer l,
neuron n) when, of all the parameters it depends on, those of the highest layer are that
one neuron's (a parameter belongs to its own neuron). So ``w*x``, the running sum and
the relu of a neuron are its own, whatever order the implementation builds them in;
what is computed from the logits (the loss) belongs to no neuron. Drawn "by neuron",
each neuron is one box showing its output's op, data and grad.
"""

from __future__ import annotations

import hashlib
import html
import re
import shutil
import subprocess
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Set, Tuple

from micrograd.app._outcome import GraphNode

__all__ = [
    "FULL_LIMIT",
    "MODES",
    "NEURON_LIMIT",
    "Drawing",
    "GraphError",
    "GraphRenderer",
    "Rendered",
    "draw_graph",
    "in_topological_order",
    "neuron_groups",
    "render_svg",
]

#: how the graph is drawn: every node, or one box per neuron
MODES = ("nodes", "neurons")
#: the most nodes drawn one by one (beyond it the graph is drawn by neuron)
FULL_LIMIT = 400
#: the most boxes drawn by neuron (beyond it nothing is drawn)
NEURON_LIMIT = 200

Neuron = Tuple[int, int]

_FILL = {"param": "#dbeafe", "input": "#fef3c7", "loss": "#fecdd3", "out": "#dcfce7", "neuron": "#ede9fe"}


class GraphError(RuntimeError):
    """The graph cannot be drawn (graphviz's dot is missing or failed); the message says what to do."""


@dataclass(frozen=True)
class Drawing:
    """The dot source of a drawing, what it shows, and a note for the reader (a limit that applied).

    In ``source`` every number is a token (``N0000012``) of the same width as a number, so
    that the layout does not depend on the numbers: ``values`` maps each token to its text,
    and :meth:`filled` puts them in.
    """

    source: str
    mode: str
    boxes: int
    note: str = ""
    values: Dict[str, str] = field(default_factory=dict)

    def filled(self, text: str) -> str:
        """``text`` (the source, or the SVG dot made of it) with every token replaced by its number."""
        return _TOKEN.sub(lambda m: self.values.get(m.group(0), m.group(0)), text)


_TOKEN = re.compile(r"N\d{9}")


def _post_order(nodes: Sequence[GraphNode], children: Sequence[Sequence[int]]) -> List[int]:
    """Every node behind node 0 (the loss), each after its inputs, visiting inputs in the given order;
    ValueError for a cycle."""
    order: List[int] = []
    state = [0] * len(nodes)  # 0: not seen, 1: on the path, 2: done
    stack = [(0, 0)]
    state[0] = 1
    while stack:
        i, k = stack[-1]
        if k < len(children[i]):
            stack[-1] = (i, k + 1)
            c = children[i][k]
            if state[c] == 1:
                raise ValueError("the graph has a cycle: a node is among its own inputs' inputs")
            if state[c] == 0:
                state[c] = 1
                stack.append((c, 0))
        else:
            stack.pop()
            state[i] = 2
            order.append(i)
    return order


def in_topological_order(nodes: Sequence[GraphNode]) -> Tuple[GraphNode, ...]:
    """The graph an implementation sent (the loss first, then the nodes as it met them) with every node
    after its inputs and the loss last, in an order that depends on the graph's structure only (not on
    the order a ``_prev`` set happens to give), so the drawing keeps its layout from step to step.
    ValueError for a cycle."""
    if not nodes:
        return ()
    first = _post_order(nodes, [n.children for n in nodes])
    key: Dict[int, int] = {}
    for i in first:  # a node's key: its op, role and inputs' keys (never a number: those change every step)
        node = nodes[i]
        key[i] = hash((node.op, node.role, tuple(sorted(key[c] for c in node.children))))
    sorted_children = [sorted(n.children, key=lambda c: (key.get(c, 0), c)) for n in nodes]
    order = _post_order(nodes, sorted_children)
    position = {old: new for new, old in enumerate(order)}
    return tuple(GraphNode(nodes[i].op, nodes[i].data, nodes[i].grad,
                           tuple(position[c] for c in sorted_children[i]), nodes[i].role) for i in order)


def _neuron_of(sizes: Sequence[int], nin: int = 2) -> List[Neuron]:
    """(layer, neuron) of every canonical parameter of MLP(nin, sizes)."""
    owner = []
    for layer, (width, nout) in enumerate(zip((nin, *sizes[:-1]), sizes)):
        for neuron in range(nout):
            owner += [(layer, neuron)] * (width + 1)
    return owner


def neuron_groups(nodes: Sequence[GraphNode], sizes: Sequence[int]) -> List[Optional[Neuron]]:
    """The neuron each node belongs to, or None (inputs, the loss, constants shared by several neurons)."""
    owner = _neuron_of(sizes)
    top: List[Optional[Tuple[int, Set[int]]]] = []
    for node in nodes:
        if node.role.startswith("p") and int(node.role[1:]) < len(owner):
            layer, neuron = owner[int(node.role[1:])]
            top.append((layer, {neuron}))
            continue
        best: Optional[Tuple[int, Set[int]]] = None
        for c in node.children:
            t = top[c]
            if t is None:
                continue
            if best is None or t[0] > best[0]:
                best = (t[0], set(t[1]))
            elif t[0] == best[0]:
                best[1].update(t[1])
        top.append(best)
    # what is computed from the model's outputs (the logits) is the loss's, even when it reads one logit only
    after_output = [False] * len(nodes)
    for i, node in enumerate(nodes):
        after_output[i] = any(nodes[c].role.startswith("out") or after_output[c] for c in node.children)
    groups: List[Optional[Neuron]] = [
        (t[0], next(iter(t[1]))) if t is not None and len(t[1]) == 1 and not after else None
        for t, after in zip(top, after_output)
    ]
    # a constant leaf (such as the 0 a sum starts from) joins the neuron that alone uses it
    users: Dict[int, Set[Optional[Neuron]]] = {}
    for i, node in enumerate(nodes):
        for c in node.children:
            users.setdefault(c, set()).add(groups[i])
    for i, node in enumerate(nodes):
        if not node.children and not node.role and groups[i] is None:
            used_by = users.get(i, set())
            if len(used_by) == 1:
                groups[i] = next(iter(used_by))
    return groups


def _number(x: float) -> str:
    """4 decimals (a number that rounds to 0 shows as 0.0000, never -0.0000), or 3 significant ones."""
    if abs(x) < 5e-5:
        return "0.0000"
    return format(x, ".4f") if abs(x) < 1e4 else format(x, ".3e")


def _escape(text: str) -> str:
    """Escape what structures a graphviz record label."""
    for special in "\\{}|<>\"":
        text = text.replace(special, "\\" + special)
    return text


def _head(node: GraphNode, sizes: Sequence[int]) -> Tuple[str, str]:
    """(title, fill kind) of a node."""
    role = node.role
    if role.startswith("p"):
        k = int(role[1:])
        owner = _neuron_of(sizes)
        layer, neuron = owner[k]
        first = owner.index((layer, neuron))
        width = (2, *sizes[:-1])[layer]
        return ("b" if k - first == width else f"w[{k - first}]"), "param"
    if role.startswith("x"):
        return f"x[{role[1:]}]", "input"
    op = node.op or ("const" if not node.children else "?")
    if role.startswith("out"):
        return f"{op}  logit {role[3:]}", "out"
    if role == "loss":
        return f"{op}  loss", "loss"
    return op, ""


def _record(name: str, title: str, data: str, grad: str, fill: str) -> str:
    # left to right, a record's fields stack vertically: title, data, grad
    label = f"{_escape(title)} | data {data} | grad {grad}"
    style = f', style=filled, fillcolor="{_FILL[fill]}"' if fill else ""
    return f'  {name} [label="{label}"{style}];'


def draw_graph(nodes: Sequence[GraphNode], sizes: Sequence[int], mode: str = "nodes",
               full_limit: int = FULL_LIMIT, neuron_limit: int = NEURON_LIMIT) -> Drawing:
    """The dot source of the example's graph, every node (``mode="nodes"``) or one box per neuron.

    A graph of more than ``full_limit`` nodes is drawn by neuron, with a note; GraphError
    when even that would exceed ``neuron_limit`` boxes.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    if not nodes:
        raise GraphError("the graph is empty")
    note = ""
    if mode == "nodes" and len(nodes) > full_limit:
        mode = "neurons"
        note = (f"This example's graph has {len(nodes)} nodes, more than the {full_limit} that stay readable "
                "drawn one by one: it is drawn with one box per neuron.")
    groups = neuron_groups(nodes, sizes) if mode == "neurons" else [None] * len(nodes)
    lines = ["digraph G {", '  graph [rankdir=LR, bgcolor="transparent", nodesep=0.12, ranksep=0.3];',
             '  node [shape=record, fontname="Helvetica", fontsize=9, height=0.2, margin="0.04,0.02"];',
             '  edge [arrowsize=0.6, color="#64748b"];']
    rep: List[str] = []
    boxes = 0
    values: Dict[str, str] = {}

    def token(x: float) -> str:
        name = f"N{len(values):09d}"
        values[name] = _number(x)
        return name
    if mode == "neurons":
        # a neuron's box shows the last of its nodes that another group uses (its output)
        outputs: Dict[Neuron, int] = {}
        for i, node in enumerate(nodes):
            for c in node.children:
                g = groups[c]
                if g is not None and g != groups[i]:
                    outputs[g] = c if c > outputs.get(g, -1) else outputs[g]
        for i, g in enumerate(groups):
            if g is not None and g not in outputs:
                outputs[g] = max(i, outputs.get(g, -1))
        boxes = len(outputs) + sum(1 for g in groups if g is None)
        if boxes > neuron_limit:
            raise GraphError(f"This example's graph has {len(nodes)} nodes and {len(outputs)} neurons: too many "
                             f"to draw readably even with one box per neuron (the limit is {neuron_limit} boxes). "
                             "Choose smaller hidden layers to see the graph.")
        for (layer, neuron), i in sorted(outputs.items()):
            node = nodes[i]
            title = f"layers[{layer}].neurons[{neuron}]  {node.op or '?'}"
            if node.role.startswith("out"):
                title += f"  logit {node.role[3:]}"
            lines.append(_record(f"L{layer}N{neuron}", title, token(node.data), token(node.grad), "neuron"))
        rep = [f"L{g[0]}N{g[1]}" if g is not None else f"n{i}" for i, g in enumerate(groups)]
    else:
        rep = [f"n{i}" for i in range(len(nodes))]
        boxes = len(nodes)
        clusters: Dict[Neuron, List[int]] = {}
        for i, g in enumerate(neuron_groups(nodes, sizes)):
            if g is not None:
                clusters.setdefault(g, []).append(i)
        for (layer, neuron), members in sorted(clusters.items()):
            lines.append(f"  subgraph cluster_L{layer}N{neuron} {{")
            lines.append(f'    label="layers[{layer}].neurons[{neuron}]"; fontsize=9; fontname="Helvetica"; '
                         'style="rounded"; color="#c4b5fd";')
            for i in members:
                title, fill = _head(nodes[i], sizes)
                lines.append("  " + _record(f"n{i}", title, token(nodes[i].data), token(nodes[i].grad), fill))
            lines.append("  }")
        clustered = {i for members in clusters.values() for i in members}
        groups = [None] * len(nodes)
    for i, node in enumerate(nodes):
        if mode == "nodes" and i in clustered:
            continue
        if mode == "neurons" and groups[i] is not None:
            continue
        title, fill = _head(node, sizes)
        lines.append(_record(f"n{i}", title, token(node.data), token(node.grad), fill))
    edges = set()
    for i, node in enumerate(nodes):
        for c in node.children:
            if rep[c] != rep[i] and (rep[c], rep[i]) not in edges:
                edges.add((rep[c], rep[i]))
                lines.append(f"  {rep[c]} -> {rep[i]};")
    lines.append("}")
    return Drawing("\n".join(lines) + "\n", mode, boxes, note, values)


def render_svg(source: str, timeout: float = 30.0) -> str:
    """The SVG that graphviz's ``dot`` makes of ``source`` (without the XML prolog)."""
    dot = shutil.which("dot")
    if dot is None:
        raise GraphError("drawing the graph needs graphviz's dot program, which is not installed "
                         "(Debian/Ubuntu: apt-get install graphviz, macOS: brew install graphviz)")
    try:
        done = subprocess.run([dot, "-Tsvg"], input=source.encode(), capture_output=True, timeout=timeout,
                              check=False)
    except subprocess.TimeoutExpired:
        raise GraphError(f"graphviz's dot took more than {timeout:g} s to lay out the graph") from None
    if done.returncode != 0:
        raise GraphError(f"graphviz's dot failed: {done.stderr.decode(errors='replace')[:300]}")
    svg = done.stdout.decode()
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


@dataclass(frozen=True)
class Rendered:
    """A drawing's SVG with its numbers, the key of its layout, and the text of every ``<text>`` in order."""

    svg: str
    key: str
    texts: Tuple[str, ...]


_TEXT = re.compile(r"<text[^>]*>([^<]*)</text>")


class GraphRenderer:
    """Lays out each graph structure once (with ``dot``) and fills in the numbers at every step.

    A step changes the numbers, not the structure, so the layout is reused: the graph
    keeps its shape while training, and a step costs a text substitution instead of a
    layout. Keeps the last ``size`` layouts.
    """

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self._layouts: OrderedDict[str, str] = OrderedDict()
        self.layouts_made = 0

    def render(self, drawing: Drawing) -> Rendered:
        key = hashlib.sha1(drawing.source.encode()).hexdigest()[:16]
        template = self._layouts.get(key)
        if template is None:
            template = render_svg(drawing.source)
            self.layouts_made += 1
            self._layouts[key] = template
            while len(self._layouts) > self.size:
                self._layouts.popitem(last=False)
        else:
            self._layouts.move_to_end(key)
        svg = drawing.filled(template)
        return Rendered(svg, key, tuple(html.unescape(text) for text in _TEXT.findall(svg)))
