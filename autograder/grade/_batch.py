"""Grade many submissions in parallel worker processes; each submission in its own sandbox.

The isolation layer is chosen once, before anything is graded (a layer asked for by name
that is not available here raises IsolationError), and every result says which layer it
ran in. A worker returns a result only after its sandbox is closed: every process of the
submission is gone and its files are removed.
"""

from __future__ import annotations

import concurrent.futures as futures
import contextlib
import dataclasses
import hashlib
import multiprocessing
import pickle
import queue
import sys
import tempfile
import time
import types
from pathlib import Path
from typing import Any, Callable, Iterator, List, Optional, Sequence, Tuple, Union

from autograder.grade._plan import BatchPlan
from autograder.grade._plan_batch import plan_batch
from autograder.report._results import SubmissionResult
from autograder.report._text import writable_result
from autograder.rubric import Rubric
from autograder.sandbox import Isolation, Limits, choose_isolation

__all__ = ["grade_batch", "grade_one", "spread_order"]

_ORACLE: Any = None
#: is this process a grading worker (its Hypothesis set up for grading for good, see _init_worker)?
_IN_WORKER = False
#: the batch's recorded examples and requests, and their replay cache, in a grading worker
_PLAN: Optional[BatchPlan] = None
_REPLAY: Any = None


#: how long a worker waits for the batch's plan before it grades without one (same grades, more time)
PLAN_WAIT = 900.0


def _init_worker(rubric: Rubric, subreaper: bool = True, plan: Any = None) -> None:
    """Runs once in each worker: adopt orphans, load the profile, import the spec, create the oracle,
    take the batch's plan (:func:`autograder.grade.plan_batch`; ``plan`` is the plan, None, or a queue
    the grading process puts it in once it is made, while the workers start).

    ``subreaper``: make this process adopt (and kill) orphaned processes; only for a process that
    does nothing but grade (a subreaper kills every child it did not start as a sandbox).
    """
    global _ORACLE, _PLAN, _REPLAY, _IN_WORKER
    from autograder.grade._runner import make_oracle, prepare_hypothesis, spec_properties
    from autograder.sandbox import become_subreaper

    if subreaper:
        become_subreaper()
    prepare_hypothesis()
    _IN_WORKER = True
    spec_properties(rubric.spec)
    _ORACLE = make_oracle()
    if plan is not None and not isinstance(plan, BatchPlan):
        try:
            plan = pickle.loads(plan.get(timeout=PLAN_WAIT))  # the grading process's own pickle
        except queue.Empty:
            plan = None
    _PLAN, _REPLAY = plan, None if plan is None else plan.replay_cache(rubric)


def grade_one(path: Path, rubric: Rubric, limits: Limits, isolation: Optional[Isolation] = None) -> SubmissionResult:
    """Grade one submission (directory, .zip or .ipynb) in this process; never raises for the submission.

    ``isolation``: the sandbox layer (default: the strongest available here). In a process that is not
    a grading worker (a notebook kernel, a test run), Hypothesis is as it was once the grade is known.
    """
    if _IN_WORKER:
        return _grade_one(path, rubric, limits, isolation)
    from autograder.grade._profile import grading_hypothesis

    with grading_hypothesis():
        return _grade_one(path, rubric, limits, isolation)


def _grade_one(path: Path, rubric: Rubric, limits: Limits, isolation: Optional[Isolation]) -> SubmissionResult:
    global _ORACLE
    from autograder.grade._runner import _all, _result, grade_directory, make_oracle
    from autograder.grade._submission import prepare
    from autograder.sandbox import default_isolation

    if _ORACLE is None:  # graded outside a worker
        _ORACLE = make_oracle()
    isolation = isolation or default_isolation()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="micrograd-submission-") as scratch:
        prepared = prepare(Path(path), Path(scratch))
        if prepared.directory is None:
            result = _result(prepared.student, rubric, "invalid", prepared.error,
                             _all(rubric, "failed", f"not run: {prepared.error}"), started)
        else:
            plan = _PLAN if _PLAN is not None and _PLAN.fits(rubric) else None
            result = grade_directory(prepared.directory, prepared.student, rubric, limits, _ORACLE, isolation,
                                     plan=plan, replay=_REPLAY if plan is not None else None)
            result = _in_notebook_cells(result, Path(path), Path(scratch), prepared.directory)
    return _finished(result, isolation)


def _in_notebook_cells(result: SubmissionResult, path: Path, scratch: Path, graded: Path) -> SubmissionResult:
    """A notebook's result with the places in the files made from it said as its cells."""
    from autograder.grade._cells import cell_lines, in_cells, source_notebook

    try:
        notebook = source_notebook(path, scratch / "unzipped")
        return result if notebook is None else in_cells(result, cell_lines(notebook, graded))
    except Exception:  # noqa: BLE001 (naming cells only helps the student: it never costs a grade)
        return result


def _finished(result: SubmissionResult, isolation: Isolation) -> SubmissionResult:
    """The result as it leaves grading: its layer and kit recorded, every text in it writable (a child's
    exception or a folder's name may hold anything: autograder.report.writable)."""
    from micrograd import __version__

    return writable_result(dataclasses.replace(result, isolation=isolation.layer,
                                               kit_version=result.kit_version or __version__))


def _failed(path: Path, rubric: Rubric, error: BaseException, isolation: Isolation) -> SubmissionResult:
    from autograder.grade._runner import _all, _result
    from autograder.grade._submission import student_id

    reason = f"the grader failed: {type(error).__name__}: {error}"[:500]
    result = _result(student_id(Path(path)), rubric, "invalid", reason, _all(rubric, "failed", reason),
                     time.monotonic())
    return _finished(result, isolation)


@contextlib.contextmanager
def _workers_without_main() -> Iterator[None]:
    """Start grading workers without the caller's ``__main__``: a spawned worker re-runs it (by path
    or by name) before it does anything, and a script without a main guard, a notebook kernel or a
    test harness's generated script would then run again, or fail, in every worker. The workers
    need nothing of it."""
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


def spread_order(paths: Sequence[Path]) -> List[int]:
    """The order submissions are graded in: shuffled, the same way every time (by a hash of each one's name
    and folder). Submissions that take long (hung ones wait for their time limits) tend to sit together in
    a class list (a block of copies, a Gradescope export in upload order); graded last, they would leave
    the cores idle while they wait. Results are in the order of ``paths`` whatever the order of grading."""
    def key(i: int) -> Tuple[bytes, int]:
        path = Path(paths[i])  # any bytes: a name that is not UTF-8 holds surrogates, which surrogatepass keeps
        return hashlib.sha256(f"{path.parent.name}/{path.name}".encode("utf-8", "surrogatepass")).digest(), i

    return sorted(range(len(paths)), key=key)


def _send_plan(plans: Any, rubric: Rubric, workers: int, isolation: Isolation) -> None:
    """Make the batch's plan and put it in ``plans`` once per worker (None if it could not be made: the
    workers then run Hypothesis on every submission, as a single submission does). Its examples are kept
    in the grader's cache directory for the next batch, unless submissions run unisolated (``none``: their
    code could write there as this user)."""
    from micrograd.testing import cache_dir

    data = pickle.dumps(None)
    try:
        cache = cache_dir() if isolation.layer in ("bwrap", "uid") else None
        data = pickle.dumps(plan_batch(rubric, cache=cache), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 (the plan only saves time: grading goes on without it)
        pass
    finally:
        for _ in range(workers):
            plans.put_nowait(data)
        plans.close()
        plans.cancel_join_thread()  # a worker that died never takes its copy: exiting does not wait for it


def grade_batch(
    paths: Sequence[Path],
    rubric: Rubric,
    limits: Limits,
    jobs: int = 1,
    on_done: Optional[Callable[[SubmissionResult], None]] = None,
    isolation: Union[str, Isolation] = "auto",
    executor: Any = None,
) -> List[SubmissionResult]:
    """Grade ``paths`` with ``jobs`` worker processes; results in the order of ``paths``.

    ``isolation``: a layer name (``auto``, ``bwrap``, ``uid``, ``none``) or a chosen Isolation.
    A submission that breaks anything gets its own status; the batch always finishes.
    Raises IsolationError, before grading anything, for a layer that is not available.
    ``executor``: grade elsewhere instead, e.g. an :class:`autograder.cluster.ClusterExecutor` (on a Dask
    cluster, each worker in its own layer: ``jobs`` and ``isolation`` are then its business).
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    if executor is not None:
        return list(executor.grade(paths, rubric, limits, on_done=on_done))
    chosen = isolation if isinstance(isolation, Isolation) else choose_isolation(isolation)
    results: List[Optional[SubmissionResult]] = [None] * len(paths)
    context = multiprocessing.get_context("spawn")
    workers = min(jobs, max(1, len(paths)))
    # one submission runs Hypothesis itself; more replay what the reference was asked (same grades).
    # The plan goes to the workers through a queue once it is made, while they start.
    plans = context.Queue() if len(paths) > 1 else None
    with futures.ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                     initializer=_init_worker, initargs=(rubric, True, plans)) as pool:
        with _workers_without_main():  # the workers start here
            pending = {pool.submit(grade_one, Path(paths[i]), rubric, limits, chosen): i for i in spread_order(paths)}
        if plans is not None:
            _send_plan(plans, rubric, workers, chosen)
        for future in futures.as_completed(pending):
            i = pending[future]
            try:
                result = future.result()
            except Exception as error:  # noqa: BLE001 (a worker failure is this submission's, not the batch's)
                result = _failed(Path(paths[i]), rubric, error, chosen)
            results[i] = result
            if on_done is not None:
                on_done(result)
    return [r for r in results if r is not None]
