"""The grader's side of ``micrograd grade --cluster ADDRESS``: a batch graded on a Dask cluster.

:class:`ClusterExecutor` connects to the scheduler, checks that every worker grades as this
grader would (the same kit, Hypothesis and spec; an isolation layer that keeps submissions away
from Dask's ports: :mod:`autograder.cluster._policy`), sends the exam every submission is judged on to
every worker's grading processes (its JSON text) and the batch's plan (JSON, made here) to every worker
once (the result of a task that holds it), then prepares each submission here and hands its files to a
task (:func:`autograder.cluster._worker.grade_task`), keeping a bounded window of tasks in flight. A
result comes back as JSON and is read by the judge's one validating reader
(:meth:`autograder.report.SubmissionResult.from_json`). Dask grades again, elsewhere, a submission whose
worker died while grading it (and submits again, twice at most, a task that Dask dropped); the second
such death makes it ``crashed``. A scheduler that goes
away stops the run (:class:`ClusterLostError`, holding what was graded).
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import queue
import tempfile
import time
import uuid
from collections import deque
from concurrent.futures import CancelledError
from pathlib import Path
from typing import Any, Callable, Deque, Dict, List, Optional, Sequence

from autograder.cluster._policy import WorkerRefusedError, spec_digest
from autograder.cluster._wire import Job, read_result, submission_files
from autograder.cluster._worker import Batch, Settings, end_run, grade_task, hold, start_run, worker_facts
from autograder.report import SubmissionResult
from autograder.rubric import Rubric
from autograder.sandbox import Limits
from micrograd.judge import Exam

__all__ = ["ClusterError", "ClusterExecutor", "ClusterLostError"]

#: what ``--cluster`` accepts
SCHEMES = ("tcp://", "tls://")
INSTALL = "pip install -e '.[cluster]'"


class ClusterError(Exception):
    """Grading on the cluster cannot start or go on (the message says why and what to do)."""


class ClusterLostError(ClusterError):
    """The run stopped part way (the scheduler went away, no worker was left); ``graded``: index -> result
    of every submission graded before, which the grader writes out."""

    def __init__(self, message: str, graded: Dict[int, SubmissionResult]) -> None:
        super().__init__(message)
        self.graded = graded


class ClusterExecutor:
    """Grades batches on the Dask scheduler at ``address`` (``tcp://HOST:PORT`` or ``tls://HOST:PORT``; TLS as
    Dask's configuration says: ``distributed.comm.tls``), each worker in its strongest isolation layer
    (``isolation``: ``auto``, ``bwrap`` or ``uid``, as ``--isolation``); ``security``: a
    ``distributed.security.Security`` (default: Dask's configuration). Raises ClusterError, before any
    grading, when the scheduler does not answer, no worker joins within ``wait`` seconds, or a worker
    cannot grade as this grader does (``rubric``: the one to check the spec of; else checked by :meth:`grade`).
    """

    isolated = True

    def __init__(self, address: str, isolation: str = "auto", rubric: Optional[Rubric] = None, *,
                 wait: float = 60.0, security: Any = None) -> None:
        if not address.startswith(SCHEMES):
            raise ClusterError(f"--cluster {address}: expected a Dask scheduler's address, tcp://HOST:PORT or "
                               "tls://HOST:PORT (dask scheduler prints it)")
        try:
            from distributed import Client
        except ImportError:
            raise ClusterError(f"--cluster needs Dask's distributed package: {INSTALL}") from None
        self.address, self.isolation, self.wait = address, isolation, wait
        self.layers: Dict[str, str] = {}
        self._checked: Optional[Rubric] = None
        self._exam: Optional[Exam] = None  #: the run's, once grade is called
        self._known: Dict[str, Any] = {}
        self._asked = -1e9
        try:
            self.client = Client(address, timeout=wait, set_as_default=False, security=security)
        except (OSError, TimeoutError, asyncio.TimeoutError, ValueError) as error:
            raise ClusterError(f"--cluster {address}: no Dask scheduler answers there ({error}); start one with "
                               "`dask scheduler` and workers with `dask worker ADDRESS`") from None
        try:
            self.client.wait_for_workers(1, timeout=wait)
        except (OSError, TimeoutError, asyncio.TimeoutError):
            self.close()
            raise ClusterError(f"--cluster {address}: no Dask worker joined the scheduler within {wait:g} s; "
                               f"start workers with `dask worker {address}`") from None
        if rubric is not None:
            self.check(rubric)

    def close(self) -> None:
        self.client.close(timeout=10)

    def __enter__(self) -> ClusterExecutor:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def describe(self) -> str:
        """One line for the run's summary: the layer each worker grades in."""
        by_layer: Dict[str, int] = {}
        for layer in self.layers.values():
            by_layer[layer] = by_layer.get(layer, 0) + 1
        layers = ", ".join(f"{layer} on {n} worker{'s' * (n != 1)}" for layer, n in sorted(by_layer.items()))
        return f"isolation: {layers or 'chosen by each worker'} (Dask cluster at {self.address})"

    def _run(self, function: Callable[..., Any], *args: Any, workers: Optional[List[str]] = None) -> Dict[str, Any]:
        """``function`` on every worker (or on ``workers``); a worker that cannot run it (no kit there) is a
        ClusterError."""
        try:
            return dict(self.client.run(function, *args, workers=workers))
        except WorkerRefusedError as error:
            raise ClusterError(str(error)) from None
        except (ImportError, AttributeError) as error:
            raise ClusterError(f"a Dask worker cannot run the kit ({type(error).__name__}: {error}): install "
                               "micrograd-kit, the same version as here, on every worker") from None

    def check(self, rubric: Rubric) -> None:
        """Raise ClusterError unless every worker has this kit, Hypothesis and spec, and an allowed layer."""
        import hypothesis

        import micrograd

        mine = {"kit": micrograd.__version__, "hypothesis": hypothesis.__version__, "spec": spec_digest(rubric)}
        names = {"kit": "micrograd-kit", "hypothesis": "Hypothesis", "spec": "a spec with digest"}
        problems: List[str] = []
        hosts: Dict[str, List[str]] = {}  # the workers of one machine probe their layer one after another:
        for address in self.client.scheduler_info().get("workers", {}):  # sandboxes started at once can race
            hosts.setdefault(address.rsplit(":", 1)[0], []).append(address)
        found: Dict[str, Any] = {}
        for turn in itertools.zip_longest(*hosts.values()):
            found.update(self._run(worker_facts, rubric, self.isolation, workers=[a for a in turn if a]))
        for address, facts in sorted(found.items()):
            problems += [facts["refused"]] if facts["refused"] else []
            problems += [f"Dask worker {address} has {names[k]} {facts[k]}, the grader {mine[k]}: every worker "
                         "needs the grader's versions (docs/grading.md, Grading on a cluster)" for k in mine
                         if facts[k] != mine[k]]
        if problems:
            more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
            raise ClusterError("; ".join(problems[:3]) + more)
        self.layers = {address: facts["layer"] for address, facts in found.items()}
        self._checked = rubric

    def _workers(self) -> Dict[str, Any]:
        """The scheduler's workers (asked at most every 2 s: the answer describes every worker)."""
        now = time.monotonic()
        if now - self._asked > 2.0:
            self._known = dict(self.client.scheduler_info().get("workers", {}))
            self._asked = now
        return self._known

    def grade(self, paths: Sequence[Path], rubric: Rubric, limits: Limits,
              on_done: Optional[Callable[[SubmissionResult], None]] = None,
              exam: Optional[Exam] = None) -> List[SubmissionResult]:
        """Grade ``paths`` on the cluster, judged on ``exam`` (default: :func:`autograder.grade.grading_exam`'s);
        results in the order of ``paths``, each reported to ``on_done`` as it comes. Raises ClusterError for a
        worker that refuses, ClusterLostError when the run cannot go on."""
        from autograder.grade import grading_exam, spread_order

        if self._checked != rubric:
            self.check(rubric)
        exam = exam if exam is not None else grading_exam(rubric)
        self._exam, text = exam, exam.to_text()
        settings = Settings(uuid.uuid4().hex[:12], rubric, limits, self.isolation)
        self.layers.update(self._run(start_run, settings, text))  # the workers start their grading processes ...
        plan = self._plan(rubric, exam) if len(paths) > 1 else None  # ... while the plan is made here
        # a task that holds the batch: each worker fetches its result once, and should every worker holding it
        # die, Dask computes it again (scattered data would be lost with them, and every task with it)
        batch = self.client.submit(hold, Batch(settings, text, plan), key=f"micrograd-batch-{settings.run}",
                                   pure=False)
        order: Deque[int] = deque(spread_order(paths))
        pending: Dict[Any, int] = {}
        graded: Dict[int, SubmissionResult] = {}
        try:
            self._loop(paths, rubric, settings.run, batch, order, pending, graded, on_done)
        finally:
            if self.client.status == "running":  # else the scheduler is gone, and the tasks with it
                try:
                    self.client.cancel(list(pending))
                    self.client.run(end_run, settings.run)
                    self.client.set_metadata(["micrograd", settings.run], {})  # the attempts counted
                except Exception:  # noqa: BLE001 (the workers close idle runs themselves)
                    pass
        return [graded[i] for i in range(len(paths))]

    def _plan(self, rubric: Rubric, exam: Exam) -> Optional[str]:
        """The batch's plan as JSON: the exam's requests recorded on the reference, here (no submission runs on
        this machine); None if it cannot be made (every worker then sends each request as it is asked, with
        the same grades)."""
        from autograder.grade import plan_batch

        try:
            return plan_batch(rubric, exam).to_json()
        except Exception:  # noqa: BLE001 (the plan only saves time)
            return None

    def _loop(self, paths: Sequence[Path], rubric: Rubric, run: str, batch: Any, order: Deque[int],
              pending: Dict[Any, int],
              graded: Dict[int, SubmissionResult], on_done: Optional[Callable[[SubmissionResult], None]]) -> None:
        finished: queue.Queue = queue.Queue()
        dropped: Dict[int, int] = {}  # submission -> times Dask dropped its task
        alone_since: Optional[float] = None
        while order or pending:
            window = 2 * sum(int(w.get("nthreads", 1)) for w in self._workers().values()) + 4
            while order and len(pending) < window:
                i = order.popleft()
                future = self._submit(batch, run, i, Path(paths[i]))
                pending[future] = i
                future.add_done_callback(finished.put)
            done = []
            try:
                done.append(finished.get(timeout=2.0))
                while True:
                    done.append(finished.get_nowait())
            except queue.Empty:
                pass
            if self.client.status != "running":
                raise self._lost(f"the Dask scheduler at {self.address} went away", paths, graded)
            if not self._workers():
                alone_since = alone_since or time.monotonic()
                if time.monotonic() - alone_since > self.wait:
                    raise self._lost(f"no Dask worker was left on {self.address} for {self.wait:g} s", paths, graded)
            else:
                alone_since = None
            for future in done:
                if future not in pending:
                    continue
                i = pending.pop(future)
                if future.cancelled() and self.client.status == "running" and dropped.get(i, 0) < 2:
                    dropped[i] = dropped.get(i, 0) + 1  # Dask dropped the task (workers lost): once more
                    again = self._submit(batch, f"{run}-r{dropped[i]}", i, Path(paths[i]))
                    pending[again] = i
                    again.add_done_callback(finished.put)
                    continue
                result = self._result(future, Path(paths[i]), rubric, paths, graded)
                graded[i] = result
                if on_done is not None:
                    on_done(result)

    def _submit(self, batch: Any, run: str, index: int, path: Path) -> Any:
        """Prepare submission ``index`` here (bounded: autograder.grade.prepare) and hand its files to a task."""
        from autograder.grade import prepare

        with tempfile.TemporaryDirectory(prefix="micrograd-prepare-") as scratch:
            prepared = prepare(path, Path(scratch))
            if prepared.directory is None:
                job = Job(index, error=prepared.error)
            else:
                job = Job(index, files=submission_files(prepared.directory))
        return self.client.submit(grade_task, batch, job, key=f"micrograd-{run}-{index}", pure=False)

    def _result(self, future: Any, path: Path, rubric: Rubric, paths: Sequence[Path],
                graded: Dict[int, SubmissionResult]) -> SubmissionResult:
        from distributed.scheduler import KilledWorker

        from autograder.grade import student_id

        try:
            result = read_result(future.result())
        except WorkerRefusedError as error:
            raise self._lost(str(error), paths, graded) from None
        except CancelledError as error:
            if self.client.status != "running":
                raise self._lost(f"the Dask scheduler at {self.address} went away ({error})", paths, graded) from None
            result = _unrun(rubric, "crashed", f"Dask dropped its task 3 times ({error})", self._exam)
        except KilledWorker as error:
            result = _unrun(rubric, "crashed", f"Dask stopped grading it: {error}", self._exam)
        except Exception as error:  # noqa: BLE001 (the grader failed on this submission (WireError...), not the batch)
            result = _unrun(rubric, "invalid", f"the grader failed: {type(error).__name__}: {error}"[:500],
                            self._exam)
        return dataclasses.replace(result, student=student_id(path))

    def _lost(self, why: str, paths: Sequence[Path], graded: Dict[int, SubmissionResult]) -> ClusterLostError:
        left = [str(paths[i]) for i in range(len(paths)) if i not in graded]
        shown = ", ".join(left[:10]) + (f" and {len(left) - 10} more" if len(left) > 10 else "")
        return ClusterLostError(f"{why}: {len(graded)} of {len(paths)} submissions were graded (their results are "
                           f"written); not graded: {shown}", dict(graded))


def _unrun(rubric: Rubric, status: str, reason: str, exam: Optional[Exam] = None) -> SubmissionResult:
    """A result for a submission no worker graded (``status`` and ``reason`` say why), on ``exam``."""
    from autograder.grade._runner import _all, _result
    from micrograd.judge import SubmissionStatus, status_of

    return _result("submission", rubric, status_of(SubmissionStatus, status, "submission status"), reason,
                   _all(rubric, f"not run: {reason}"), time.monotonic(), exam)
