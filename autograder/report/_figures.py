"""The class report's plots (matplotlib, optional): scores, pass rate per exercise, misconceptions."""

from __future__ import annotations

import base64
import io
import textwrap
from typing import Any, List, Optional, Sequence, Tuple

__all__ = ["NO_PLOTS", "figures", "misconceptions_figure", "pass_rate_figure"]

#: the line report.html shows instead of its plots when matplotlib is missing
NO_PLOTS = "Plots need matplotlib: <code>pip install matplotlib</code>, then grade again."


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(fig: Any) -> str:
    plt = _pyplot()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def pass_rate_figure(exercises: Sequence[str], rates: Sequence[float]) -> Any:
    """The pass rate per exercise as horizontal bars: one exercise name per row, so the names never
    overlap however many exercises there are (needs matplotlib)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 0.3 * len(exercises) + 1))
    ax.barh(list(exercises)[::-1], list(rates)[::-1], color="#55a868")
    ax.set_xlim(0, 1)
    ax.set_xlabel("fraction of checks passed")
    ax.set_title("Pass rate per exercise")
    return fig


def misconceptions_figure(common: Sequence[Tuple[Tuple[str, str], int]], more: int = 0) -> Any:
    """Misconceptions (:func:`autograder.report.misconceptions`) as horizontal bars, the most common at
    the top, one bar per hint, numbered as in the report's table: two hints of one exercise may read
    alike once shortened to fit. ``more``: how many the table lists beyond these (said in the title)."""
    from matplotlib.ticker import MaxNLocator

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 0.4 * len(common) + 1))
    labels = [textwrap.shorten(f"{i}. {ex}: {text}", 70, placeholder="...")
              for i, ((ex, text), _) in enumerate(common, 1)]
    positions = list(range(len(common)))[::-1]
    ax.barh(positions, [n for _, n in common], color="#c44e52")
    ax.set_yticks(positions)
    ax.set_yticklabels(labels)
    ax.set_xlabel("students")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    title = "Most common misconceptions"
    ax.set_title(title + (f" (the top {len(common)}; {more} more in the table)" if more else ""))
    return fig


def figures(scores: Sequence[float], exercises: Sequence[str], rates: Sequence[float],
            common: Sequence[Tuple[Tuple[str, str], int]], more: int = 0) -> Optional[List[Tuple[str, str]]]:
    """(title, base64 PNG) for each plot; None when matplotlib is not installed."""
    try:
        plt = _pyplot()
    except ImportError:
        return None
    made = []
    if common:
        made.append(("Misconceptions", _png(misconceptions_figure(common, more))))
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.hist(list(scores), bins=min(20, max(5, len(scores))), color="#4c72b0")
    ax.set_xlabel("score")
    ax.set_ylabel("students")
    ax.set_title("Score distribution")
    made.append(("Scores", _png(fig)))
    made.append(("Exercises", _png(pass_rate_figure(exercises, rates))))
    return made
