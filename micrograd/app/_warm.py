"""What the server does before anyone opens the page: import the page, make the first page's state.

``micrograd app`` calls :func:`prepare` in the server's process before Streamlit starts. A thread
imports the page's modules, starts the student's sandboxed child (``--impl``) and evaluates the
starting point, and lays out its graph, while Streamlit starts; the first browser session takes
that state (:func:`take`) instead of making it while the user waits.
"""

from __future__ import annotations

import threading
from typing import Any, List, Optional, Sequence

__all__ = ["prepare", "take"]

_lock = threading.Lock()
_thread: Optional[threading.Thread] = None
_prepared: List[Any] = []  # [(page arguments, PageState)] until the first session takes it


def prepare(argv: Sequence[str]) -> None:
    """Make the first page's state in a thread; ``argv`` is the server's command line (the page's
    arguments follow ``--``)."""
    global _thread
    argv = list(argv)
    args = argv[argv.index("--") + 1:] if "--" in argv else []
    with _lock:
        if _thread is None:
            _thread = threading.Thread(target=_prepare, args=(args,), name="micrograd-warm", daemon=True)
            _thread.start()


def _prepare(args: List[str]) -> None:
    try:
        from micrograd.app._page import new_state

        state = new_state(args)
    except Exception:  # noqa: BLE001 (the first session makes its own, and reports what went wrong)
        return
    with _lock:
        _prepared.append((args, state))


def take(args: Sequence[str]) -> Optional[Any]:
    """The state made for the page arguments ``args`` (waiting for it if it is being made), once; else None."""
    thread = _thread
    if thread is not None:
        thread.join()
    with _lock:
        for i, (prepared_args, state) in enumerate(_prepared):
            if list(prepared_args) == list(args):
                del _prepared[i]
                return state
    return None
