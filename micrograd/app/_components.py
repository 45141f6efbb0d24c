"""The page's two custom Streamlit components (static/*.js, shipped in the package, no CDN).

The board (controls, metrics, data plot, curves, the optimizer's table, the log) sends back
its command state (see micrograd.app._session); the graph view shows the SVG graphviz drew.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Dict

__all__ = ["board", "graph_view"]

_STATIC = Path(__file__).resolve().parent / "static"
#: each component's scripts, in order (one module: the last one has the default export)
_SCRIPTS = {"board": ("plot.js", "chart.js", "board.js"), "graph": ("graph.js",)}
_components: Dict[str, Any] = {}


def _mount(name: str) -> Any:
    """The component ``name``, registered once per process."""
    if name not in _components:
        import streamlit as st

        _components[name] = st.components.v2.component(
            f"micrograd_{name}",
            css=(_STATIC / f"{name}.css").read_text(encoding="utf-8"),
            js="\n".join((_STATIC / script).read_text(encoding="utf-8") for script in _SCRIPTS[name]),
        )
    return _components[name]


def board(data: Dict[str, Any], on_commands: Callable[[], None], key: str = "board") -> None:
    """Show the board; ``on_commands`` runs (before the next run of the page) when the user acts on
    it, and finds the browser's command state in ``st.session_state[key]["commands"]``."""
    _mount("board")(data=data, key=key, on_commands_change=on_commands)


def graph_view(view: Dict[str, Any], on_missing: Callable[[], None], key: str = "graph") -> None:
    """Show the graph's heading and text, and an SVG drawn by graphviz (inline, so its text is part of the
    page; or ``view["message"]`` saying why there is none).

    A step changes the numbers, not the layout: with ``svg`` None the browser keeps the SVG of
    ``layout`` it has and only replaces its texts (``texts``: every ``<text>``, in order). If it
    has no SVG of that layout, it says so and ``on_missing`` runs: send the SVG again.
    """
    data = {"title": "", "text": "", "caption": "", "message": "", "svg": None, "layout": "", "texts": [],
            "zoom": 1.0, "height": 720, **view}
    _mount("graph")(data=data, key=key, on_missing_change=on_missing)
