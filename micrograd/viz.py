"""Draw the expression graph behind a Value, as upstream micrograd's ``trace_graph`` notebook does.

``draw_dot(root)`` returns a :class:`graphviz.Digraph` with one record node per Value
(showing its ``label``, if it has one as in the lecture, its ``data`` and its ``grad``) and one
small node per operation, wired from the
inputs to the operation to its result. In Jupyter the Digraph displays itself; elsewhere
call ``.render()`` or ``.pipe()`` (which need graphviz's ``dot`` program, Debian package
``graphviz``).

Any object with upstream's attributes works (``data``, ``grad``, ``_prev``, ``_op``), so a
student's own Value can be drawn too.
"""

from __future__ import annotations

import functools
from typing import Any, Dict, List, Tuple

__all__ = ["draw_dot", "trace"]

_RANKDIRS = ("LR", "TB", "RL", "BT")
_INSTALL_HINT = (
    "micrograd.viz needs the graphviz Python package: pip install graphviz "
    "(or pip install -e '.[notebooks]' in a clone of the kit); rendering also needs the dot program "
    "(Debian/Ubuntu: apt-get install graphviz, macOS: brew install graphviz)"
)


def trace(root: Any) -> Tuple[List[Any], List[Tuple[Any, Any]]]:
    """Every Value ``root`` depends on (root first, then depth-first) and every (input, result) edge.

    Walks ``_prev`` without recursion, so graphs of any depth can be traced.
    """
    _check_value(root, "root")
    nodes: List[Any] = []
    edges: List[Tuple[Any, Any]] = []
    seen = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        nodes.append(node)
        children = tuple(getattr(node, "_prev", ()))
        for child in children:
            _check_value(child, "an input in the graph")
            edges.append((child, node))
        stack.extend(reversed(children))
    return nodes, edges


def draw_dot(root: Any, format: str = "svg", rankdir: str = "LR") -> Any:
    """A graphviz Digraph of the graph behind ``root``: a node per Value with its data and grad,
    a node per operation. ``format`` is the output format for ``render``/``pipe`` (svg, png, ...);
    ``rankdir`` is the layout direction: LR (left to right, the default) or TB, RL, BT."""
    if rankdir not in _RANKDIRS:
        raise ValueError(f"rankdir={rankdir!r} is not a layout direction; use one of {', '.join(_RANKDIRS)}")
    if not isinstance(format, str) or not format:
        raise ValueError(f"format={format!r} is not an output format; use e.g. 'svg' or 'png'")
    _check_value(root, "root")
    try:
        import graphviz
    except ImportError:  # one message saying what to install (not "No module named 'graphviz'" first)
        raise ModuleNotFoundError(_INSTALL_HINT, name="graphviz") from None

    nodes, edges = trace(root)
    names: Dict[int, str] = {id(node): f"v{index}" for index, node in enumerate(nodes)}
    dot = _drawing(graphviz)(format=format, graph_attr={"rankdir": rankdir})
    for node in nodes:
        name = names[id(node)]
        given = getattr(node, "label", "")
        shown = f"{_escape(given)} | " if isinstance(given, str) and given else ""
        label = f"{{ {shown}data {_number(node.data)} | grad {_number(node.grad)} }}"
        dot.node(name, label=label, shape="record")
        op = _op(node)
        if op:
            dot.node(name + "_op", label=op)
            dot.edge(name + "_op", name)
    for child, parent in edges:
        target = names[id(parent)] + ("_op" if _op(parent) else "")
        dot.edge(names[id(child)], target)
    return dot


_DOT_HINT = (
    "drawing this graph needs graphviz's dot program, which is not installed: apt-get install graphviz "
    "(Debian/Ubuntu) or brew install graphviz (macOS); draw_dot(root).source is the graph in the dot language"
)


@functools.cache
def _drawing(graphviz: Any) -> Any:
    """graphviz.Digraph, shown in Jupyter as the message saying what to install when ``dot`` is missing
    (instead of a traceback ending in graphviz's ExecutableNotFound)."""

    class Drawing(graphviz.Digraph):
        def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **options: Any) -> Any:
            try:
                return super()._repr_mimebundle_(include, exclude, **options)
            except graphviz.ExecutableNotFound:
                return {"text/plain": _DOT_HINT}

    Drawing.__module__, Drawing.__qualname__ = __name__, "Drawing"
    return Drawing


def _check_value(node: Any, what: str) -> None:
    if not (hasattr(node, "data") and hasattr(node, "grad")):
        raise TypeError(
            f"draw_dot needs a Value (an object with .data, .grad and ._prev); {what} is a {type(node).__name__}"
        )


def _op(node: Any) -> str:
    op = getattr(node, "_op", "")
    return str(op) if op else ""


def _number(x: Any) -> str:
    try:
        return _escape(format(x, ".4f"))
    except (TypeError, ValueError):
        return _escape(repr(x))


def _escape(text: str) -> str:
    """Escape the characters that structure a graphviz record label."""
    for special in "\\{}|<>\"":
        text = text.replace(special, "\\" + special)
    return text
