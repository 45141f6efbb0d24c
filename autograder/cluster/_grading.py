"""A Dask worker's grading process: a child of the worker that does nothing but grade, as a local pool's
worker does (it adopts orphans and kills them, which only a process that starts nothing else may do).

It reads requests from the worker on one pipe and answers on another (never stdout), every one JSON
(never a pickle: nothing this process reads can execute): ``start`` (the rubric, the layer and the exam
as data) loads the spec, the oracle and the exam, then takes the batch's plan from the next frame (sent
once the grader has made it); ``grade`` (a path, the limits, a status and a reason) grades a prepared
submission, or (``path`` null) records it with ``status`` and ``reason``. Every answer is JSON, a result
as its JSON text. When the worker dies, this process kills every process of its sandboxes and exits, so a
submission never outlives the worker grading it.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any, BinaryIO, Dict, Optional

from autograder.cluster._wire import WireError, plain_from_data, read_frame, rubric_from_data, write_frame

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
    (``{"plan": its JSON text or null}``), read once the spec and the oracle are loaded."""

    def __init__(self, requests: BinaryIO) -> None:
        self.requests = requests

    def get(self, timeout: float) -> Optional[str]:
        frame = read_frame(self.requests)
        if frame is None:
            raise SystemExit(0)  # the worker went before sending it
        plan = json.loads(frame).get("plan")
        return plan if isinstance(plan, str) else None


def _answer(message: Any, requests: BinaryIO) -> Dict[str, Any]:
    kind = message.get("kind") if isinstance(message, dict) else None
    if kind == "start":  # followed by the plan's frame
        from autograder.grade._batch import _init_worker
        from autograder.sandbox import Isolation

        rubric = rubric_from_data(message.get("rubric"))
        isolation = plain_from_data(Isolation, message.get("isolation"))
        exam = message.get("exam")
        if not isinstance(exam, str):
            raise WireError("start: the exam must be its JSON text")
        _init_worker(rubric, True, _PlanFromPipe(requests), exam)  # the exam read back with validation there
        _STATE.update(rubric=rubric, isolation=isolation)
        return {"ok": True}
    if kind == "grade":
        from autograder.sandbox import Limits

        path, status, reason = message.get("path"), message.get("status"), message.get("reason")
        if not (path is None or isinstance(path, str)) or not isinstance(status, str) or not isinstance(reason, str):
            raise WireError("grade: path (a string or null), status and reason (strings) expected")
        return {"result": _grade(path, plain_from_data(Limits, message.get("limits")), status, reason)}
    raise WireError(f"unknown request {kind!r}")


def _grade(path: Optional[str], limits: Any, status: str, reason: str) -> str:
    import dataclasses

    from autograder.grade import _batch
    from autograder.grade._runner import _all, _result
    from autograder.report import to_json

    rubric, isolation = _STATE["rubric"], _STATE["isolation"]
    if path is None:  # not graded: it could not be read, or its grading killed workers (finished as the pool's)
        from micrograd.judge import SubmissionStatus, status_of

        result = _result("submission", rubric, status_of(SubmissionStatus, status, "submission status"), reason,
                         _all(rubric, f"not run: {reason}"), time.monotonic(), _batch._EXAM)
        result = _batch._finished(result, isolation)  # as the pool finishes it (its kit version)
    else:
        result = _batch.grade_one(Path(path), rubric, limits, isolation)
    return to_json(dataclasses.replace(result, isolation=isolation.layer))


def serve(requests: BinaryIO, answers: BinaryIO) -> None:
    """Answer every request until the worker closes the pipe."""
    while True:
        frame = read_frame(requests)
        if frame is None:
            return
        try:
            answer = _answer(json.loads(frame), requests)  # data, never a pickle
        except Exception as error:  # noqa: BLE001 (told to the worker, which reports it for this submission)
            answer = {"error": f"{type(error).__name__}: {error}"[:2000]}
        write_frame(answers, json.dumps(answer).encode())


def main(argv: Any) -> int:
    """``argv``: the pipe to read requests from and the pipe to answer on (file descriptors)."""
    threading.Thread(target=_watch, args=(os.getppid(),), daemon=True, name="micrograd-watch").start()
    with os.fdopen(int(argv[0]), "rb") as requests, os.fdopen(int(argv[1]), "wb") as answers:
        serve(requests, answers)
    return 0
