"""A Dask worker's grading process: a child of the worker that does nothing but grade, as a local pool's
worker does (it adopts orphans and kills them, which only a process that starts nothing else may do).

It reads requests from the worker on one pipe and answers on another (never stdout): ``("start",
rubric, isolation)`` loads the spec and the oracle, then takes the batch's examples from the next
frame (sent once the grader has made them); ``("grade", path, limits, status, reason)`` grades a
prepared submission, or (``path`` None) records it with ``status`` and ``reason``. Requests are the
worker's own pickles (no submission runs in either process); every answer is JSON, a result as its
JSON text. When the worker dies, this process kills every process of its sandboxes and exits, so a
submission never outlives the worker grading it.
"""

from __future__ import annotations

import json
import os
import pickle
import threading
import time
from pathlib import Path
from typing import Any, BinaryIO, Dict, Optional

from autograder.cluster._wire import read_frame, write_frame

__all__ = ["main"]

_STATE: Dict[str, Any] = {}


def _watch(parent: int) -> None:
    """Once the worker that started this process is gone, kill every process under it and exit."""
    from micrograd.sandbox._procs import children_of, kill_tree

    while os.getppid() == parent:
        time.sleep(0.2)
    for child in children_of(os.getpid()):
        kill_tree(child)
    os._exit(3)


class _PlanFromPipe:
    """What :func:`autograder.grade._batch._init_worker` takes the batch's plan from: the frame after ``start``
    (the plan pickled by the worker, or a pickled None), read once the spec and the oracle are loaded."""

    def __init__(self, requests: BinaryIO) -> None:
        self.requests = requests

    def get(self, timeout: float) -> bytes:
        frame = read_frame(self.requests)
        if frame is None:
            raise SystemExit(0)  # the worker went before sending it
        return frame


def _answer(message: Any, requests: BinaryIO) -> Dict[str, Any]:
    kind = message[0]
    if kind == "start":  # followed by the plan's frame
        from autograder.grade._batch import _init_worker

        _, rubric, isolation = message
        _init_worker(rubric, True, _PlanFromPipe(requests))
        _STATE.update(rubric=rubric, isolation=isolation)
        return {"ok": True}
    if kind == "grade":
        _, path, limits, status, reason = message
        return {"result": _grade(path, limits, status, reason)}
    raise ValueError(f"unknown request {kind!r}")


def _grade(path: Optional[str], limits: Any, status: str, reason: str) -> str:
    import dataclasses

    from autograder.grade._batch import _finished, grade_one
    from autograder.grade._runner import _all, _result
    from autograder.report import to_json

    rubric, isolation = _STATE["rubric"], _STATE["isolation"]
    if path is None:  # not graded: it could not be read, or its grading killed workers (finished as the pool's)
        result = _finished(_result("submission", rubric, status, reason, _all(rubric, "failed", f"not run: {reason}"),
                                   time.monotonic()), isolation)
    else:
        result = grade_one(Path(path), rubric, limits, isolation)
    return to_json(dataclasses.replace(result, isolation=isolation.layer))


def serve(requests: BinaryIO, answers: BinaryIO) -> None:
    """Answer every request until the worker closes the pipe."""
    while True:
        frame = read_frame(requests)
        if frame is None:
            return
        try:
            answer = _answer(pickle.loads(frame), requests)  # the worker's own pickle (no submission runs there)
        except Exception as error:  # noqa: BLE001 (told to the worker, which reports it for this submission)
            answer = {"error": f"{type(error).__name__}: {error}"[:2000]}
        write_frame(answers, json.dumps(answer).encode())


def main(argv: Any) -> int:
    """``argv``: the pipe to read requests from and the pipe to answer on (file descriptors)."""
    threading.Thread(target=_watch, args=(os.getppid(),), daemon=True, name="micrograd-watch").start()
    with os.fdopen(int(argv[0]), "rb") as requests, os.fdopen(int(argv[1]), "wb") as answers:
        serve(requests, answers)
    return 0
