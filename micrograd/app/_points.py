"""The page's two custom Streamlit components (static/*.js, shipped in the package, no CDN).

The data plot draws the decision boundary under the points and sends back what the user did as one
:class:`PlotEvent` per click or drag.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Optional, Sequence

from micrograd.app._boundary import Boundary
from micrograd.app._data import Point

__all__ = ["CLICK_MODES", "PlotEvent", "graph_view", "parse_event", "plot_data", "points_plot"]

#: what a click on the plot does
CLICK_MODES = ("add", "pick", "delete")
_STATIC = Path(__file__).resolve().parent / "static"
_ACTIONS = ("add", "move", "delete", "pick")
_components: Dict[str, Any] = {}


@dataclass(frozen=True)
class PlotEvent:
    """One user action on the plot: ``add`` (x, y, label), ``move`` (index, x, y), ``delete`` or ``pick`` (index)."""

    action: str
    index: Optional[int] = None
    x: Optional[float] = None
    y: Optional[float] = None
    label: Optional[int] = None


def parse_event(event: Any, n_points: int, n_classes: int) -> Optional[PlotEvent]:
    """The event the browser sent, or None when it is malformed or refers to a point that is gone."""
    if not isinstance(event, dict) or event.get("action") not in _ACTIONS:
        return None
    action = event["action"]
    index: Any = event.get("index")
    x: Any = event.get("x")
    y: Any = event.get("y")
    label: Any = event.get("label")
    if action in ("move", "delete", "pick") and (type(index) is not int or not 0 <= index < n_points):
        return None
    if action in ("add", "move") and not (_finite(x) and _finite(y)):
        return None
    if action == "add" and (type(label) is not int or not 0 <= label < n_classes):
        return None
    if action == "add":
        return PlotEvent(action, x=float(x), y=float(y), label=label)
    if action == "move":
        return PlotEvent(action, index=index, x=float(x), y=float(y))
    return PlotEvent(action, index=index)


def _finite(v: Any) -> bool:
    return type(v) in (int, float) and math.isfinite(v)


def plot_data(points: Sequence[Point], colors: Sequence[str], extent: Sequence[float], boundary: Optional[Boundary],
              example: Optional[Sequence[float]], mode: str, label: int, px: int = 440) -> Dict[str, Any]:
    """The JSON the component draws."""
    if mode not in CLICK_MODES:
        raise ValueError(f"mode must be one of {', '.join(CLICK_MODES)}, got {mode!r}")
    data: Dict[str, Any] = {
        "px": px,
        "extent": list(extent),
        "points": [[p.x, p.y, p.label] for p in points],
        "colors": list(colors),
        "mode": mode,
        "label": label,
        "example": None if example is None else [float(example[0]), float(example[1])],
        "boundary": None,
    }
    if boundary is not None:
        data["boundary"] = {"size": boundary.size, "classes": boundary.classes, "confidence": boundary.confidence}
    return data


def _mount(name: str) -> Any:
    """The component static/NAME.js (with NAME.css), registered once per process."""
    if name not in _components:
        import streamlit as st

        _components[name] = st.components.v2.component(
            f"micrograd_{name}",
            css=(_STATIC / f"{name}.css").read_text(encoding="utf-8"),
            js=(_STATIC / f"{name}.js").read_text(encoding="utf-8"),
        )
    return _components[name]


def points_plot(data: Dict[str, Any], key: str, on_event: Callable[[], None]) -> Any:
    """Show the plot; ``on_event`` runs (before the next run of the page) when the user acts on it,
    and finds the raw event in ``st.session_state[key].event``."""
    result = _mount("points")(data=data, key=key, on_event_change=on_event)
    return getattr(result, "event", None)


def graph_view(svg: Optional[str], layout: str, texts: Sequence[str], on_missing: Callable[[], None],
               zoom: float = 1.0, height: int = 720, key: str = "graph") -> None:
    """Show an SVG drawn by graphviz (inline, so its text is part of the page), scaled by ``zoom``.

    A step changes the numbers, not the layout: with ``svg=None`` the browser keeps the SVG
    of ``layout`` it has and only replaces its texts (``texts``: every ``<text>``, in order).
    If it has no SVG of that layout, it says so and ``on_missing`` runs: send the SVG again.
    """
    data = {"svg": svg, "layout": layout, "texts": list(texts), "zoom": float(zoom), "height": int(height)}
    _mount("graph")(data=data, key=key, on_missing_change=on_missing)
