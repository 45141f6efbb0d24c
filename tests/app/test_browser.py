"""The app in a real browser: step, add a point, play and pause, offline; screenshots for docs/."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from app_helpers import (
    app_server,
    browser_missing,
    browser_page,
    graph_grads,
    metric,
    plot_mode,
    wait_for,
    wait_for_metric,
)

from micrograd.impl import reference_dir

pytestmark = [pytest.mark.slow, pytest.mark.skipif(browser_missing() is not None, reason=str(browser_missing()))]

#: where the screenshots go: docs/ when MICROGRAD_APP_SCREENSHOTS=docs (to refresh the checked-in ones)
_DOCS = Path(__file__).resolve().parents[2] / "docs"


def _shots(tmp_path: Path) -> Path:
    return _DOCS if os.environ.get("MICROGRAD_APP_SCREENSHOTS") == "docs" else tmp_path


def _grad(texts: str) -> str:
    """The grad field of a node's texts ("op | data 0.1 | grad 0.2")."""
    return next((t for t in texts.split(" | ") if t.startswith("grad")), "")


def _local(url: str, base: str) -> bool:
    return url.startswith(base) or url.startswith(("data:", "blob:", "about:"))


def test_step_add_point_play_pause_offline(tmp_path: Path) -> None:
    requests: list = []
    with app_server(tmp_path / "app.log") as url, browser_page(tmp_path / "profile", requests) as page:
        page.goto(url)
        page.wait_for_selector("circle.mg-point")
        page.wait_for_selector(".mg-graph g.node")
        assert metric(page, "Step") == "0"
        loss_before = metric(page, "Loss")
        grads_before = graph_grads(page)
        assert len(grads_before) > 100  # MLP(2, [8, 3]) on one example: every node drawn

        # step: the loss and at least one node's grad change
        page.get_by_role("button", name="Step").click()
        wait_for_metric(page, "Step", lambda v: v == "1")
        assert metric(page, "Loss") != loss_before
        grads_after = wait_for(lambda: (lambda g: g if g != grads_before else None)(graph_grads(page)),
                               "the graph to change after a step")
        assert grads_after.keys() == grads_before.keys()
        changed_grads = [name for name in grads_before
                         if _grad(grads_before[name]) != _grad(grads_after[name])]
        assert changed_grads, "no node's grad changed after a step"

        # a click on an empty corner of the plot adds a point of the chosen class
        points = int(metric(page, "Points"))
        assert page.locator("circle.mg-point").count() == points
        page.locator("svg.mg-points").click(position={"x": 8, "y": 8})
        wait_for_metric(page, "Points", lambda v: int(v) == points + 1)
        wait_for(lambda: page.locator("circle.mg-point:not(.mg-pending)").count() == points + 1,
                 "the plot to show the new point")

        # drag a point: it moves and stays (the server has it); in delete mode a click deletes one
        dot = page.locator("circle.mg-point").nth(5)
        box = dot.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + 40, y + 30, steps=8)
        page.mouse.up()
        time.sleep(1.0)  # the server's reply redraws the plot
        moved = page.locator("circle.mg-point").nth(5).bounding_box()
        assert abs(moved["x"] - (box["x"] + 40)) < 3 and abs(moved["y"] - (box["y"] + 30)) < 3
        assert page.locator("circle.mg-point").count() == points + 1
        page.get_by_text("deletes a point").click()
        wait_for(lambda: plot_mode(page) == "delete", "the plot to switch to deleting")
        page.locator("svg.mg-points").click(position={"x": 8, "y": 8})  # the point added above
        wait_for_metric(page, "Points", lambda v: int(v) == points)
        page.get_by_text("adds a point").click()
        wait_for(lambda: plot_mode(page) == "add", "the plot to switch back to adding")

        # play, then pause: the step counter advances, then stops
        page.get_by_role("button", name="Play").click()
        wait_for_metric(page, "Step", lambda v: int(v) >= 4)
        page.get_by_role("button", name="Pause").click()
        page.get_by_role("button", name="Play").wait_for()
        time.sleep(0.5)
        paused_at = int(metric(page, "Step"))
        assert paused_at >= 4
        time.sleep(1.0)
        assert int(metric(page, "Step")) == paused_at

        # screenshots for the README: the whole page, and the graph drawn by neuron
        shots = _shots(tmp_path)
        page.screenshot(path=str(shots / "app.png"))
        page.get_by_text("one box per neuron").click()
        wait_for(lambda: 0 < len(graph_grads(page)) < 40, "the graph drawn by neuron")
        page.locator(".mg-graph").scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "app-graph.png"))

    outside = [u for u in requests if not _local(u, url)]
    assert requests and not outside, outside[:10]
    for name in ("app.png", "app-graph.png"):
        assert (shots / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_student_exception_shows_in_the_page(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    for name in ("engine.py", "nn.py"):
        shutil.copyfile(reference_dir() / name, broken / name)
    engine = broken / "engine.py"
    source = engine.read_text()
    assert source.count("        self.grad = 1\n") == 1
    engine.write_text(source.replace("        self.grad = 1\n", "        self.grad = 1\n        1 / 0\n"))
    with app_server(tmp_path / "app.log", "--impl", str(broken)) as url, \
            browser_page(tmp_path / "profile", []) as page:
        page.goto(url)
        alert = page.get_by_text("Your implementation failed")
        alert.wait_for()
        assert "ZeroDivisionError" in alert.inner_text()
        assert "backward()" in alert.inner_text()
        page.get_by_role("button", name="Step").click()  # the page survives and says it again
        time.sleep(2)
        page.get_by_text("Your implementation failed").wait_for()
        assert metric(page, "Step") == "0"
