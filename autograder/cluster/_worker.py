"""What runs on a Dask worker: the task that grades one submission, and the worker's grading processes.

Each worker keeps, per run, one grading process per thread (:mod:`autograder.cluster._grading`),
started when the grader announces the run (:func:`start_run`) or by the run's first task there, and
given the run's exam and the batch's plan once. A task writes the submission's files into a private
folder, has a grading process grade it (everything it is sent is JSON: the rubric, the limits, the exam,
the plan), and returns the result as JSON once that process has closed the submission's sandbox. Before
grading, a task counts its attempts in a Dask ``Variable``: a task whose two earlier attempts died with their
workers is not graded a third time but reported ``crashed``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

from autograder.cluster._policy import WorkerRefusedError, cluster_isolation, facts
from autograder.cluster._wire import Job, WireError, read_frame, rubric_data, write_files, write_frame
from autograder.rubric import Rubric
from autograder.sandbox import Isolation, Limits

__all__ = ["MAX_ATTEMPTS", "Batch", "Settings", "WorkerRefusedError", "end_run", "grade_task", "hold", "start_run",
           "worker_facts"]

#: attempts of one submission whose workers died while grading it, before it is reported crashed
MAX_ATTEMPTS = 2
#: a run's grading processes are closed after this long without a task (a grader that went away)
IDLE = 900.0

_BOOT = ("import sys; sys.path = [p for p in sys.path if p not in ('', '.')]; "
         "from autograder.cluster._grading import main; sys.exit(main(sys.argv[1:]))")


@dataclass(frozen=True)
class Settings:
    """What every task of a run shares: the run's id, the rubric, the limits, ``--isolation``."""

    run: str
    rubric: Rubric
    limits: Limits
    isolation: str


@dataclass(frozen=True)
class Batch:
    """Sent to every worker once (see :func:`hold`): the settings, the exam every submission is judged on (its
    JSON text: :meth:`micrograd.judge.Exam.to_text`) and the batch's plan (its JSON text:
    :meth:`autograder.grade.BatchPlan.to_json`, or None). Both are read back with validation where they are
    used: never a pickle."""

    settings: Settings
    exam: str
    plan: Optional[str] = None


def _frame(message: Dict[str, Any]) -> bytes:
    return json.dumps(message, allow_nan=False).encode()


class _Process:
    """One grading process and its two pipes."""

    def __init__(self, settings: Settings, isolation: Isolation, folder: Path, exam: str) -> None:
        ours, theirs = os.pipe()
        answers, mine = os.pipe()
        self.popen = subprocess.Popen([sys.executable, "-c", _BOOT, str(ours), str(mine)], pass_fds=(ours, mine),
                                      stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, cwd=folder)
        os.close(ours)
        os.close(mine)
        self.requests = os.fdopen(theirs, "wb")
        self.answers = os.fdopen(answers, "rb")
        self.waiting = 1  # the answer to start
        self.planned = False
        write_frame(self.requests, _frame({"kind": "start", "rubric": rubric_data(settings.rubric),
                                           "isolation": dataclasses.asdict(isolation), "exam": exam}))

    def ask(self, message: Dict[str, Any], timeout: float) -> Dict[str, Any]:
        """Send ``message`` and return its answer (after the ones still owed); the process is killed if
        it has not answered within ``timeout`` seconds."""
        write_frame(self.requests, _frame(message))
        self.waiting += 1
        timer = threading.Timer(timeout, self.popen.kill)
        timer.start()
        try:
            while self.waiting:
                frame = read_frame(self.answers, limit=16 * 1024 * 1024)
                if frame is None:
                    raise WireError(f"the grading process ended ({_ended(self.popen)})")
                self.waiting -= 1
                answer = json.loads(frame)
                if "error" in answer:
                    raise WireError(f"the grading process failed: {answer['error']}")
        finally:
            timer.cancel()
        return answer

    def send_plan(self, plan: Optional[str]) -> None:
        if not self.planned:
            write_frame(self.requests, _frame({"plan": plan}))
            self.planned = True

    def close(self) -> None:
        for stream in (self.requests, self.answers):
            try:
                stream.close()
            except OSError:
                pass
        try:
            self.popen.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()


def _ended(popen: subprocess.Popen) -> str:
    code = popen.poll()
    return "still running" if code is None else f"exit code {code}"


class _Run:
    """A run's grading processes on this worker."""

    def __init__(self, settings: Settings, worker: Any, exam: str) -> None:
        self.settings = settings
        self.exam = exam
        self.isolation = cluster_isolation(settings.isolation, worker)
        self.folder = Path(tempfile.mkdtemp(prefix=f"micrograd-cluster-{settings.run}-"))
        self.idle: List[_Process] = []
        self.lock = threading.Lock()
        self.used = time.monotonic()

    def start(self, count: int) -> None:
        with self.lock:
            while len(self.idle) < count:
                self.idle.append(_Process(self.settings, self.isolation, self.folder, self.exam))

    def take(self) -> _Process:
        with self.lock:
            self.used = time.monotonic()
            if self.idle:
                return self.idle.pop()
        return _Process(self.settings, self.isolation, self.folder, self.exam)

    def give(self, process: _Process) -> None:
        with self.lock:
            if process.popen.poll() is None:
                self.idle.append(process)
            else:
                process.close()

    def close(self) -> None:
        with self.lock:
            processes, self.idle = self.idle, []
        for process in processes:
            process.close()
        shutil.rmtree(self.folder, ignore_errors=True)


_RUNS: Dict[str, _Run] = {}
_RUNS_LOCK = threading.Lock()


def _run_for(settings: Settings, worker: Any, exam: str) -> _Run:
    with _RUNS_LOCK:
        now = time.monotonic()
        for name in [n for n, r in _RUNS.items() if n != settings.run and now - r.used > IDLE]:
            _RUNS.pop(name).close()
        if settings.run not in _RUNS:
            _RUNS[settings.run] = _Run(settings, worker, exam)
        return _RUNS[settings.run]


def start_run(settings: Settings, exam: str, dask_worker: Any = None) -> str:
    """Start this worker's grading processes for a run (one per thread; run by ``Client.run``, while the
    grader makes the batch's plan), each given the run's exam (its JSON text). Returns the layer they grade
    in; raises WorkerRefusedError."""
    run = _run_for(settings, dask_worker, exam)
    run.start(int(dask_worker.state.nthreads))
    return run.isolation.layer


def end_run(run: str, dask_worker: Any = None) -> None:
    """Close a run's grading processes on this worker (``Client.run`` at the end of the run)."""
    with _RUNS_LOCK:
        found = _RUNS.pop(run, None)
    if found is not None:
        found.close()


def worker_facts(rubric: Rubric, requested: str, dask_worker: Any = None) -> Dict[str, Any]:
    """:func:`autograder.cluster._policy.facts` for this worker (run by ``Client.run``)."""
    return facts(rubric, requested, dask_worker)


def hold(batch: Batch) -> Batch:
    """The task whose result is the batch (each worker fetches it once; Dask computes it again if lost)."""
    return batch


def _attempt(settings: Settings, index: int) -> int:
    """Count this attempt at grading submission ``index`` (1 for the first) in the scheduler's metadata, under
    ``["micrograd", run, index]``; attempts follow one another (Dask starts one again only after the worker
    running it is gone), so a get and a set suffice. The grader clears the run's counts at its end."""
    from distributed import get_client

    client, keys = get_client(), ["micrograd", settings.run, str(index)]
    earlier = int(client.get_metadata(keys, 0) or 0)
    client.set_metadata(keys, earlier + 1)
    return earlier + 1


def grade_task(batch: Batch, job: Job) -> str:
    """The Dask task: grade ``job`` on this worker; its SubmissionResult as JSON. Raises WorkerRefusedError
    when this worker may not grade (the grader stops the run and says why)."""
    from distributed import get_worker

    settings = batch.settings
    worker = get_worker()
    run = _run_for(settings, worker, batch.exam)
    attempt = _attempt(settings, job.index)
    status, reason = "invalid", job.error
    if attempt > MAX_ATTEMPTS:
        status, reason = "crashed", (f"the Dask workers grading it died {attempt - 1} times before it was graded: "
                                     "its grading may kill workers (or they were stopped from outside); grade it "
                                     "alone with micrograd grade to see why")
    process = run.take()
    try:
        process.send_plan(batch.plan)
        folder = Path(tempfile.mkdtemp(prefix="job-", dir=run.folder))
        try:
            path: Optional[str] = None
            if not reason:
                write_files(job.files, folder / "submission")
                path = str(folder / "submission")
            timeout = settings.limits.budget + settings.limits.startup + 600.0
            answer = process.ask({"kind": "grade", "path": path, "limits": dataclasses.asdict(settings.limits),
                                  "status": status, "reason": reason}, timeout)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    finally:
        run.give(process)
    return str(answer["result"])

