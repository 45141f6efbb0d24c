"""The cyclic garbage of a step, collected once the page has its update, not while the page waits.

Every node of a micrograd graph refers to itself through its ``_backward`` closure, so a step
leaves tens of thousands of objects in reference cycles (the training split's graph) that only
the cyclic garbage collector frees: 20 to 40 ms of a step when it runs in the middle of one.
The page holds the collector off while it steps and draws (:meth:`IdleCollector.hold`), then
collects a moment after its update is on its way (:meth:`IdleCollector.release`), while the
browser draws it.
"""

from __future__ import annotations

import gc
import threading
from typing import Optional

__all__ = ["IdleCollector", "collector"]


class IdleCollector:
    """Holds the cyclic garbage collector off, and collects ``delay`` seconds after it is released."""

    def __init__(self, delay: float = 0.03) -> None:
        self.delay = delay
        self._lock = threading.Lock()
        self._timer: Optional[threading.Timer] = None
        self._enable = False  # whether the collector was on when it was first held
        self._held = False
        self.collections = 0

    def hold(self) -> None:
        """No collection until the next one :meth:`release` schedules (one already scheduled still runs: the
        garbage of a run of quick steps never piles up)."""
        with self._lock:
            if not self._held:
                self._enable = gc.isenabled()
                self._held = True
            gc.disable()

    def release(self) -> None:
        """Collect ``delay`` seconds from now (in a thread of its own), then switch the collector back on."""
        with self._lock:
            if not self._held or self._timer is not None:
                return
            self._timer = threading.Timer(self.delay, self._collect)
            self._timer.daemon = True
            self._timer.start()

    def _collect(self) -> None:
        with self._lock:
            self._timer = None
            gc.collect(0)
            self.collections += 1
            if self._enable:
                gc.enable()
            self._held = False


#: the page's collector (one per server process)
collector = IdleCollector()
