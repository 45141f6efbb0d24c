"""One browser session of the page, without Streamlit: the board's commands, exactly once each.

The board (static/board.js) sends its whole command state after every action:
cumulative counts of Step clicks, Play ticks and Resets, whether it plays, the step it
was showing, and the plot edits not yet acknowledged. Streamlit may merge several
messages into one rerun; counts make that harmless: every Step click is one step.
While playing, the browser asks for the next step only once it has drawn the last one
(a *tick*), so it never falls behind; the server steps ``batch`` times per tick, more when
one step per redraw is slower than PLAY_RATE. A Pause names the step the page showed:
a step already computed for a tick the page never drew is undone, so nothing moves after
Pause. A failing step stops Play, and Step clicks sent before it are dropped.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from micrograd.app._trainer import Example, Snapshot, Trainer

__all__ = ["MAX_BATCH", "PLAY_RATE", "Commands", "PlotEvent", "Session", "parse_commands"]

#: the steps a second Play aims for: more steps per redraw when one per redraw is slower
PLAY_RATE = 6.0
#: the most steps per redraw
MAX_BATCH = 8
#: the most plot edits one message may carry
_MAX_EVENTS = 100
_ACTIONS = ("add", "move", "delete", "pick")


@dataclass(frozen=True)
class PlotEvent:
    """One edit on the plot: ``add`` (x, y, label), ``move`` (index, x, y), ``delete`` or ``pick`` (index)."""

    id: int
    action: str
    index: Optional[int] = None
    x: Optional[float] = None
    y: Optional[float] = None
    label: Optional[int] = None


@dataclass(frozen=True)
class Commands:
    """What the board says it wants, as cumulative counts (see the module's docstring)."""

    seq: int
    clicks: int = 0
    ticks: int = 0
    resets: int = 0
    playing: bool = False
    shown: int = 0
    cycle_ms: float = 0.0
    events: Tuple[PlotEvent, ...] = ()


def _count(x: Any) -> int:
    if type(x) is not int or x < 0:
        raise ValueError("a count is a whole number >= 0")
    return x


def _finite(v: Any) -> bool:
    return type(v) in (int, float) and math.isfinite(v)


def _event(raw: Any) -> PlotEvent:
    if not isinstance(raw, dict) or raw.get("action") not in _ACTIONS:
        raise ValueError("an event is an object with an action")
    action, index, label = raw["action"], raw.get("index"), raw.get("label")
    x, y = raw.get("x"), raw.get("y")
    if action != "add" and type(index) is not int:
        raise ValueError("the event names no point")
    placed = action in ("add", "move")
    if placed and not (_finite(x) and _finite(y)):
        raise ValueError("the event has no place")
    if action == "add" and type(label) is not int:
        raise ValueError("the event has no class")
    return PlotEvent(_count(raw.get("id")), action, index if action != "add" else None,
                     float(x) if placed else None, float(y) if placed else None,  # type: ignore[arg-type]
                     label if action == "add" else None)


def parse_commands(raw: Any) -> Optional[Commands]:
    """The commands the browser sent, or None when they are malformed."""
    if not isinstance(raw, dict):
        return None
    try:
        events = raw.get("events") or []
        if not isinstance(events, list) or len(events) > _MAX_EVENTS:
            return None
        cycle = raw.get("cycle_ms", 0.0)
        return Commands(_count(raw.get("seq")), _count(raw.get("clicks", 0)), _count(raw.get("ticks", 0)),
                        _count(raw.get("resets", 0)), raw.get("playing") is True, _count(raw.get("shown", 0)),
                        float(cycle) if _finite(cycle) and cycle > 0 else 0.0,
                        tuple(_event(e) for e in events))
    except ValueError:
        return None


@dataclass
class Session:
    """The trainer of one browser session, and where its commands got to."""

    trainer: Trainer
    playing: bool = False
    seq: int = 0
    clicks: int = 0
    ticks: int = 0
    resets: int = 0
    event: int = 0
    batch: int = 1
    messages: List[str] = field(default_factory=list)
    timings: List[float] = field(default_factory=list)
    #: the model before the last Play tick's steps, and why one of them failed
    snapshot: Optional[Snapshot] = None
    failure: str = ""
    #: whether the board played when it last said
    board_playing: bool = False

    def ack(self) -> Dict[str, int]:
        """What the browser's commands got to, for the board."""
        return {"seq": self.seq, "clicks": self.clicks, "ticks": self.ticks, "resets": self.resets,
                "event": self.event}

    def handle(self, raw: Any) -> None:
        """Carry out what the board's command state asks for that is not done yet (see the module's docstring)."""
        commands = parse_commands(raw)
        if commands is None or commands.seq <= self.seq:
            return
        self.seq = commands.seq
        was_playing, self.board_playing = self.board_playing, commands.playing
        if commands.resets > self.resets:
            self.resets = commands.resets
            self.stop()
            self.trainer.reset_model()
        elif was_playing and not commands.playing:
            self.pause(commands.shown)
        for event in commands.events:
            if event.id > self.event:
                self.event = event.id
                self._edit(event)
        clicks, self.clicks = commands.clicks - self.clicks, max(self.clicks, commands.clicks)
        ticks, self.ticks = commands.ticks - self.ticks, max(self.ticks, commands.ticks)
        if not commands.playing:
            for _ in range(max(0, clicks)):
                if not self.step():
                    break
            return
        if not self.playing:
            self.playing, self.batch = True, 1
        elif commands.cycle_ms > 0:
            self._adapt(commands.cycle_ms)
        if ticks > 0 and self.playing:
            self.snapshot, self.failure = self.trainer.snapshot(), ""
            for _ in range(self.batch):
                if not self.step():
                    break

    def _adapt(self, cycle_ms: float) -> None:
        """More steps per redraw when Play runs slower than PLAY_RATE, fewer when it runs at twice that."""
        rate = 1000.0 * self.batch / cycle_ms
        if rate < PLAY_RATE and self.batch < MAX_BATCH:
            self.batch = min(MAX_BATCH, math.ceil(self.batch * PLAY_RATE / rate))
        elif rate > 2 * PLAY_RATE and self.batch > 1:
            self.batch -= 1

    def step(self) -> bool:
        """One step; False (and Play stops) when it failed."""
        start = time.perf_counter()
        evaluation = self.trainer.step()
        self.timings = [*self.timings, time.perf_counter() - start][-20:]
        if evaluation.error or not evaluation.finite:
            if self.playing:
                self.messages.append("Paused: the last step failed (see below).")
                self.failure = evaluation.error or "the loss or the gradients are not finite numbers"
            self.playing = False  # the snapshot stays: a Pause sent while this step ran still goes back
            return False
        return True

    def stop(self) -> None:
        self.playing = False
        self.snapshot, self.failure = None, ""

    def pause(self, shown: int) -> None:
        """Stop playing at the step the page showed: steps computed after it, which the page never drew,
        are undone (and a failure among them is said)."""
        snapshot, failure = self.snapshot, self.failure
        self.stop()
        if snapshot is not None and snapshot.steps == shown < self.trainer.steps:
            self.trainer.restore(snapshot)
            if failure:
                self.messages.append(f"Paused at step {shown}; a step after it failed: {failure}")

    def _edit(self, event: PlotEvent) -> None:
        trainer = self.trainer
        x, y = event.x or 0.0, event.y or 0.0  # parse_commands gave add and move their place
        try:
            if event.action == "add":
                trainer.add_point(x, y, event.label or 0)
                return
            if event.index is None or not 0 <= event.index < len(trainer.points):
                return  # a point that is gone
            if event.action == "move":
                trainer.move_point(event.index, x, y)
            elif event.action == "delete":
                trainer.delete_point(event.index)
            else:
                p = trainer.points[event.index]
                trainer.choose_example(Example(p.x, p.y, p.label, event.index))
        except ValueError as error:
            self.messages.append(f"{error}.")
        self.snapshot = None  # the data changed: a Pause keeps what the page shows
