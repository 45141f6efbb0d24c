"""The app in a real browser (Debian's chromium, driven by playwright): controls, the LLM101n run, a student's
AdamW, a failing step, level sets, offline; the screenshots in docs/ (MICROGRAD_APP_SCREENSHOTS=docs)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, List

import pytest
from app_helpers import (
    app_server,
    board_step,
    browser_missing,
    browser_page,
    graph_grads,
    log_lines,
    metric,
    plot_mode,
    student_copy,
    wait_for,
    wait_for_metric,
)

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


def _open(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(".mg-board .mg-metric")
    page.wait_for_selector(".mg-graph g.node")


def _table(page: Any) -> List[str]:
    return [str(t) for t in page.locator(".mg-table td").all_inner_texts()]


def _clicks(page: Any, n: int, gap: float) -> None:
    step = page.get_by_role("button", name="Step")
    for _ in range(n):
        step.click()
        time.sleep(gap)


def _steady(page: Any, seconds: float) -> str:
    """The step the board shows once it has not changed for ``seconds``."""
    shown, since = board_step(page), time.monotonic()
    while time.monotonic() - since < seconds:
        time.sleep(0.1)
        now = board_step(page)
        if now != shown:
            shown, since = now, time.monotonic()
    return shown


def test_step_edit_play_pause_level_sets_offline(tmp_path: Path) -> None:
    requests: list = []
    with app_server(tmp_path / "app.log") as url, browser_page(tmp_path / "profile", requests) as page:
        _open(page, url)
        assert metric(page, "Step") == "0" and metric(page, "Points") == "90"
        assert metric(page, "Loss") == "1.0122" and metric(page, "Val loss") == "1.0539"  # the module's step 1
        loss_before = metric(page, "Loss")
        grads_before = graph_grads(page)
        assert len(grads_before) > 100  # MLP(2, [8, 3]) on one example: every node drawn

        # step: the loss, the log and at least one node's grad change
        page.get_by_role("button", name="Step").click()
        wait_for_metric(page, "Step", lambda v: v == "1")
        assert metric(page, "Loss") != loss_before
        assert log_lines(page) == ["step 1/100, val loss 1.053898", "step 1/100, train loss 1.0122152826497561"]
        grads_after = wait_for(lambda: (lambda g: g if g != grads_before else None)(graph_grads(page)),
                               "the graph to change after a step")
        assert grads_after.keys() == grads_before.keys()
        assert [n for n in grads_before if _grad(grads_before[n]) != _grad(grads_after[n])], "no grad changed"

        # a click on an empty corner of the plot adds a point of the chosen class
        assert page.locator("circle.mg-point").count() == 90
        page.locator("svg.mg-overlay").click(position={"x": 8, "y": 8})
        wait_for_metric(page, "Points", lambda v: v == "91")
        wait_for(lambda: page.locator("circle.mg-point:not(.mg-pending)").count() == 91, "the new point drawn")

        # drag a point: it moves and stays (the server has it); in delete mode a click deletes one
        dot = page.locator("circle.mg-point").nth(5)
        box = dot.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + 40, y + 30, steps=8)
        page.mouse.up()
        wait_for(lambda: abs(page.locator("circle.mg-point").nth(5).bounding_box()["x"] - (box["x"] + 40)) < 3,
                 "the moved point to stay where it was dropped")
        page.get_by_text("deletes a point").click()
        wait_for(lambda: plot_mode(page) == "delete", "the plot to switch to deleting")
        page.locator("svg.mg-overlay").click(position={"x": 8, "y": 8})  # the point added above
        wait_for_metric(page, "Points", lambda v: v == "90")
        page.get_by_text("adds a point").click()
        wait_for(lambda: plot_mode(page) == "add", "the plot to switch back to adding")

        # the level sets of the 8 hidden neurons, on and off
        levels = page.locator("g.mg-levels")
        assert not levels.is_visible()
        page.get_by_text("level-set lines of the hidden neurons").click()
        assert levels.is_visible() and levels.get_attribute("data-count") == "8"
        page.get_by_text("level-set lines of the hidden neurons").click()
        assert not levels.is_visible()

        # play: the counter and the optimizer's table change while playing; pause stops both at once
        table = _table(page)
        page.get_by_role("button", name="Play").click()
        wait_for_metric(page, "Step", lambda v: int(v) >= 3)
        assert page.get_by_role("button", name="Step").is_disabled()
        assert _table(page) != table
        page.get_by_role("button", name="Pause").click()
        page.get_by_role("button", name="Play").wait_for(timeout=2000)  # at once
        paused_at = board_step(page)
        time.sleep(1.5)
        assert board_step(page) == metric(page, "Step") == paused_at and int(paused_at) >= 3
        assert _table(page) == _table(page)

        shots = _shots(tmp_path)
        page.get_by_text("one box per neuron").click()
        wait_for(lambda: 0 < len(graph_grads(page)) < 40, "the graph drawn by neuron")
        page.locator(".mg-graph").scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "app-graph.png"))

    outside = [u for u in requests if not _local(u, url)]
    assert requests and not outside, outside[:10]
    assert (shots / "app-graph.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_llm101n_preset_replays_the_published_log(tmp_path: Path, published_yinyang_log) -> None:
    with app_server(tmp_path / "app.log") as url, browser_page(tmp_path / "profile", []) as page:
        _open(page, url)
        _clicks(page, 100, 0.02)  # as fast as one can click: each click is one step
        wait_for_metric(page, "Step", lambda v: v == "100", timeout=300)
        assert _steady(page, 1.5) == "100"
        lines = log_lines(page)
        assert len(lines) == 110 and all(line in lines for line in published_yinyang_log), lines[-3:]
        shots = _shots(tmp_path)
        page.set_viewport_size({"width": 1400, "height": 1300})  # the whole board, its log included
        time.sleep(0.5)
        page.screenshot(path=str(shots / "app.png"))
        page.get_by_text("level-set lines of the hidden neurons").click()
        page.locator(".mg-board .mg-row").first.screenshot(path=str(shots / "app-levels.png"))
    for name in ("app.png", "app-levels.png"):
        assert (shots / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_preset_on_a_correct_student_gives_the_module_s_numbers(tmp_path: Path, published_yinyang_log) -> None:
    student = student_copy(tmp_path)
    with app_server(tmp_path / "app.log", "--impl", str(student)) as url, \
            browser_page(tmp_path / "profile", []) as page:
        _open(page, url)
        _clicks(page, 100, 0.02)
        wait_for_metric(page, "Step", lambda v: v == "100", timeout=600)
        lines = log_lines(page)
        assert not page.locator(".stAlert").count()  # every step matched the reference's
    # the student's cross_entropy subtracts the max, the module's does not: the same losses to ~1e-15
    published = dict(line.rsplit(" ", 1) for line in published_yinyang_log)
    shown = dict(line.rsplit(" ", 1) for line in lines)
    for key, value in published.items():
        assert float(shown[key]) == pytest.approx(float(value), rel=1e-12) and (
            "val" not in key or shown[key] == value)


def test_rapid_clicks_and_a_student_adamw_without_bias_correction(tmp_path: Path) -> None:
    student = student_copy(tmp_path, {"m_hat = self.m[i] / (1 - self.beta1**self.t)": "m_hat = self.m[i]",
                                      "v_hat = self.v[i] / (1 - self.beta2**self.t)": "v_hat = self.v[i]"})
    with app_server(tmp_path / "app.log", "--impl", str(student)) as url, \
            browser_page(tmp_path / "profile", []) as page:
        _open(page, url)
        assert not page.locator(".stAlert").count()  # before a step, the student's numbers are the reference's
        _clicks(page, 5, 0.15)
        wait_for_metric(page, "Step", lambda v: v == "5")
        assert _steady(page, 2.0) == "5"
        alert = page.locator(".stAlert").filter(has_text="differ from the reference's on the same state")
        text = alert.inner_text()
        assert "the update of the parameters' data differs on 51 of 51 parameters, most on layers[" in text


def test_pause_during_a_failing_step_stops_at_once_and_for_good(tmp_path: Path) -> None:
    solution = "        self.t += 1\n"
    student = student_copy(tmp_path, {solution: solution + "        while self.t >= 3:\n            pass\n"})
    with app_server(tmp_path / "app.log", "--impl", str(student), "--timeout", "8") as url, \
            browser_page(tmp_path / "profile", []) as page:
        _open(page, url)
        page.get_by_role("button", name="Play").click()
        shown = _steady(page, 3.0)  # the third step hangs (8 s): the page stays where it is
        page.get_by_role("button", name="Pause").click()
        page.get_by_role("button", name="Play").wait_for(timeout=2000)  # at once: the server still hangs
        assert not page.locator(".stAlert").filter(has_text="Timeout").count()
        page.locator(".stAlert").filter(has_text="Timeout").first.wait_for(timeout=60_000)
        time.sleep(2 * 8 + 2)  # two more timeouts: Play does not start again, no step runs
        assert board_step(page) == metric(page, "Step") == shown and int(shown) <= 2
        alerts = page.locator(".stAlert").all_inner_texts()
        assert any("Timeout" in a and "no answer within 8 s" in a for a in alerts), alerts
        assert page.get_by_role("button", name="Play").is_visible()


def test_a_student_exception_shows_in_the_page(tmp_path: Path) -> None:
    broken = student_copy(tmp_path, {"        self.grad = 1\n": "        self.grad = 1\n        1 / 0\n"})
    with app_server(tmp_path / "app.log", "--impl", str(broken)) as url, \
            browser_page(tmp_path / "profile", []) as page:
        page.goto(url)
        alert = page.get_by_text("Your implementation failed")
        alert.wait_for()
        assert "ZeroDivisionError" in alert.inner_text() and "backward()" in alert.inner_text()
        page.get_by_role("button", name="Step").click()  # the page survives and says it again
        time.sleep(2)
        page.get_by_text("Your implementation failed").wait_for()
        assert metric(page, "Step") == "0"


def test_a_streamlit_py_in_the_folder_it_starts_in_does_not_run(tmp_path: Path) -> None:
    student = student_copy(tmp_path)
    marker = tmp_path / "planted-ran"
    (student / "streamlit.py").write_text(f"open({str(marker)!r}, 'w').close()\nraise SystemExit('planted')\n")
    with app_server(tmp_path / "app.log", "--impl", ".", cwd=student) as url, \
            browser_page(tmp_path / "profile", []) as page:
        _open(page, url)
        page.get_by_role("button", name="Step").click()
        wait_for_metric(page, "Step", lambda v: v == "1")
    assert not marker.exists()
