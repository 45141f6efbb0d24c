"""The board's commands: every Step click is one step, Pause stops at once, a failing step stops Play."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Dict, List

import pytest

from micrograd.app._backend import open_backend
from micrograd.app._config import PRESET
from micrograd.app._data import load_dataset
from micrograd.app._outcome import StepFailure
from micrograd.app._session import MAX_BATCH, Commands, PlotEvent, Session, parse_commands
from micrograd.app._trainer import Trainer


class _Board:
    """What the browser's board does: cumulative counts, a sequence number per message."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.state: Dict[str, Any] = {"seq": 0, "clicks": 0, "ticks": 0, "resets": 0, "playing": False, "shown": 0,
                                      "cycle_ms": 0.0, "events": []}
        self.sent: List[Dict[str, Any]] = []

    def send(self, deliver: bool = True, **changes: Any) -> Dict[str, Any]:
        self.state.update(changes, seq=self.state["seq"] + 1)
        message = dict(self.state, events=list(self.state["events"]))
        self.sent.append(message)
        if deliver:
            self.session.handle(message)
        return message

    def click(self, deliver: bool = True) -> Dict[str, Any]:
        return self.send(deliver, clicks=self.state["clicks"] + 1)


@pytest.fixture(scope="module")
def reference():
    return open_backend()


def _session(reference, **config) -> Session:
    return Session(Trainer(reference, load_dataset("moons"), replace(PRESET, hidden=(3,), **config)))


def test_every_click_is_one_step_even_when_messages_are_merged(reference) -> None:
    session = _session(reference)
    board = _Board(session)
    board.click()
    assert session.trainer.steps == 1
    for _ in range(3):  # three clicks while the server was busy: Streamlit delivers only the last state
        last = board.click(deliver=False)
    session.handle(last)
    assert session.trainer.steps == 4 and session.ack()["clicks"] == 4
    session.handle(last)  # the same message again (a rerun of the page): nothing more
    session.handle(board.sent[0])  # an old one: nothing
    assert session.trainer.steps == 4


def test_play_steps_once_per_tick_and_pause_undoes_a_step_the_page_never_showed(reference) -> None:
    session = _session(reference)
    board = _Board(session)
    board.send(playing=True, ticks=1)
    assert session.playing and session.trainer.steps == 1
    board.send(ticks=2, shown=1, cycle_ms=50.0)  # the page drew step 1 and asked for the next
    assert session.trainer.steps == 2
    board.send(playing=False, shown=1)  # paused while step 2 was on its way: the page showed 1
    assert not session.playing and session.trainer.steps == 1 and len(session.trainer.history) == 2
    board.click()
    assert session.trainer.steps == 2


def test_a_pause_merged_with_the_tick_before_it_steps_no_more(reference) -> None:
    session = _session(reference)
    board = _Board(session)
    board.send(playing=True, ticks=1)
    board.send(deliver=False, ticks=2, shown=1)
    session.handle(board.send(deliver=False, playing=False, shown=1))
    assert not session.playing and session.trainer.steps == 1


def test_play_takes_more_steps_per_redraw_when_redrawing_is_slow(reference) -> None:
    session = _session(reference)
    board = _Board(session)
    board.send(playing=True, ticks=1)
    board.send(ticks=2, shown=1, cycle_ms=500.0)  # 2 steps a second: 3 per redraw make 6
    assert session.batch == 3 and session.trainer.steps == 1 + 3
    board.send(ticks=3, shown=4, cycle_ms=60.0)  # 50 a second: fewer
    assert session.batch == 2
    board.send(ticks=4, shown=6, cycle_ms=10000.0)
    assert session.batch == MAX_BATCH


def test_a_failing_step_stops_play_and_drops_the_clicks_sent_before_it(reference) -> None:
    session = _session(reference)
    board = _Board(session)
    failing = session.trainer
    calls = []

    def fail(*args: Any) -> Any:
        calls.append(1)
        return replace(failing.last, outcome=replace(failing.last.outcome, error=StepFailure("Timeout", "no answer",
                                                                                            "run")))
    session.trainer.step = fail  # type: ignore[method-assign]
    board.send(playing=True, ticks=1)
    assert not session.playing and "Paused: the last step failed (see below)." in session.messages
    board.state["playing"] = False  # what the board does when the server says it stopped
    for _ in range(3):
        last = board.click(deliver=False)
    session.handle(last)
    assert len(calls) == 2  # one failing Play tick, one failing click: the two clicks after it are dropped


def test_a_pause_sent_while_a_tick_was_failing_goes_back_to_the_step_shown(reference) -> None:
    session = _session(reference)
    board = _Board(session)
    board.send(playing=True, ticks=1)
    session.batch = 3
    real, calls = session.trainer.step, []

    def third_fails() -> Any:  # a step that fails changes nothing
        calls.append(1)
        if len(calls) == 3:
            last = session.trainer.last
            return replace(last, outcome=replace(last.outcome, error=StepFailure("Timeout", "no answer", "run")))
        return real()
    session.trainer.step = third_fails  # type: ignore[method-assign]
    board.send(ticks=2, shown=1)  # steps 2 and 3, then the failure; the page still shows 1
    assert session.trainer.steps == 3 and not session.playing
    board.send(playing=False, shown=1)  # the user paused while that tick ran
    assert session.trainer.steps == 1 and any("Paused at step 1; a step after it failed: Timeout: no answer" in m
                                              for m in session.messages)


def test_reset_stops_play_and_starts_again(reference) -> None:
    session = _session(reference)
    board = _Board(session)
    board.send(playing=True, ticks=1)
    board.send(resets=1, playing=False)
    assert not session.playing and session.trainer.steps == 0 and session.snapshot is None


def test_plot_edits_are_applied_once_in_order(reference) -> None:
    session = _session(reference)
    board = _Board(session)
    n = len(session.trainer.points)
    add = {"id": 1, "action": "add", "x": 0.5, "y": 0.5, "label": 1}
    move = {"id": 2, "action": "move", "index": n, "x": -0.5, "y": 0.25}
    board.send(events=[add, move])
    assert len(session.trainer.points) == n + 1 and session.trainer.points[n].x == -0.5
    board.send(events=[add, move, {"id": 3, "action": "pick", "index": 2}])  # 1 and 2 again: not again
    assert len(session.trainer.points) == n + 1 and session.trainer.example.index == 2 and session.ack()["event"] == 3
    board.send(events=[{"id": 4, "action": "delete", "index": 999}, {"id": 5, "action": "add", "x": 0, "y": 0,
                                                                      "label": 7}])
    assert len(session.trainer.points) == n + 1 and any("class 7" in m for m in session.messages)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"seq": 3, "clicks": 2}, Commands(3, clicks=2)),
        ({"seq": 1, "playing": True, "ticks": 1, "cycle_ms": 80}, Commands(1, ticks=1, playing=True, cycle_ms=80.0)),
        ({"seq": 2, "events": [{"id": 1, "action": "pick", "index": 4}]},
         Commands(2, events=(PlotEvent(1, "pick", index=4),))),
        ({"seq": 2, "events": [{"id": 1, "action": "add", "x": 0.5, "y": -1, "label": 2}]},
         Commands(2, events=(PlotEvent(1, "add", x=0.5, y=-1.0, label=2),))),
        ({"seq": -1}, None),
        ({"seq": 1, "clicks": True}, None),
        ({"seq": 1, "events": [{"id": 1, "action": "add", "x": float("nan"), "y": 0, "label": 0}]}, None),
        ({"seq": 1, "events": [{"id": 1, "action": "move", "index": "3", "x": 0, "y": 0}]}, None),
        ({"seq": 1, "events": [{"id": 1, "action": "explode"}]}, None),
        ({"seq": 1, "events": [{}] * 101}, None),
        ("step", None),
        (None, None),
    ],
)
def test_commands_from_the_browser_are_checked(raw, expected) -> None:
    assert parse_commands(raw) == expected


def test_the_page_s_garbage_is_collected_after_its_update() -> None:
    import gc
    import time

    from micrograd.app._collect import IdleCollector

    collector = IdleCollector(delay=0.01)
    assert gc.isenabled()
    collector.hold()
    collector.hold()  # held twice, released once: one collection
    assert not gc.isenabled()
    collector.release()
    deadline = time.monotonic() + 60  # a wait, not a speed goal: a loaded machine may be slow to run the thread
    while not gc.isenabled() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert gc.isenabled() and collector.collections == 1
    collector.release()  # nothing held: nothing to do
    time.sleep(0.05)
    assert collector.collections == 1
