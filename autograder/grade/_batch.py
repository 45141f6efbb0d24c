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
import json
import multiprocessing
import queue
import sys
import tempfile
import time
import types
from pathlib import Path
from typing import Any, Callable, Iterator, List, Optional, Sequence, Tuple, Union

from autograder.grade._exam import grading_exam
from autograder.grade._plan import BatchPlan
from autograder.grade._plan_batch import plan_batch
from autograder.report._results import SubmissionResult
from autograder.report._text import writable_result
from autograder.rubric import Rubric
from autograder.sandbox import Isolation, Limits, choose_isolation
from micrograd.judge import Exam, ResultError, SubmissionStatus
from micrograd.judge._exam import exam_from_data

__all__ = ["grade_batch", "grade_one", "spread_order"]

_ORACLE: Any = None
#: is this process a grading worker (its Hypothesis set up for grading for good, see _init_worker)?
_IN_WORKER = False
#: the batch's exam and its recorded requests, in a grading worker
_PLAN: Optional[BatchPlan] = None
_EXAM: Optional[Exam] = None


#: how long a worker waits for the batch's plan before it grades without one (same grades, more time)
PLAN_WAIT = 900.0


def _init_worker(rubric: Rubric, subreaper: bool = True, plan: Any = None, exam: Any = None) -> None:
    """Runs once in each worker: adopt orphans, import the spec, create the oracle, take the batch's exam
    (an Exam, its JSON text, or None: :func:`grading_exam`'s) and plan (:func:`autograder.grade.plan_batch`;
    ``plan`` is the plan, None, or a queue the grading process puts its JSON in once it is made, while
    the workers start). Both come as data, read back with validation (never a pickle).

    ``subreaper``: make this process adopt (and kill) orphaned processes; only for a process that
    does nothing but grade (a subreaper kills every child it did not start as a sandbox).
    """
    global _ORACLE, _PLAN, _EXAM, _IN_WORKER
    from autograder.grade._runner import make_oracle, spec_properties
    from autograder.sandbox import become_subreaper
    from micrograd.judge import keep_hypothesis_out_of_the_folder

    if subreaper:
        become_subreaper()
    keep_hypothesis_out_of_the_folder()
    _IN_WORKER = True
    spec_properties(rubric.spec)
    _ORACLE = make_oracle()
    _EXAM = exam_from_data(json.loads(exam), "(the batch's exam)") if isinstance(exam, str) else exam
    if plan is not None and not isinstance(plan, BatchPlan):
        try:
            text = plan.get(timeout=PLAN_WAIT)
            plan = None if text is None else BatchPlan.from_json(text)
        except (queue.Empty, ResultError):
            plan = None
    _PLAN = plan


def grade_one(path: Path, rubric: Rubric, limits: Limits, isolation: Optional[Isolation] = None,
              exam: Optional[Exam] = None) -> SubmissionResult:
    """Grade one submission (directory, .zip or .ipynb) in this process; never raises for the submission.

    ``isolation``: the sandbox layer (default: the strongest available here); ``exam``: the examples it is
    judged on (default: the worker's, else :func:`grading_exam`'s for the rubric).
    """
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
        exam = exam or _EXAM or grading_exam(rubric)
        if prepared.directory is None:
            result = _result(prepared.student, rubric, SubmissionStatus.INVALID, prepared.error,
                             _all(rubric, f"not run: {prepared.error}"), started, exam)
        else:
            result = grade_directory(prepared.directory, prepared.student, rubric, limits, _ORACLE, isolation,
                                     plan=_PLAN, exam=exam)
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


def _failed(path: Path, rubric: Rubric, error: BaseException, isolation: Isolation,
            exam: Optional[Exam] = None) -> SubmissionResult:
    from autograder.grade._runner import _all, _result
    from autograder.grade._submission import student_id

    reason = f"the grader failed: {type(error).__name__}: {error}"[:500]
    result = _result(student_id(Path(path)), rubric, SubmissionStatus.INVALID, reason, _all(rubric, reason),
                     time.monotonic(), exam or _EXAM)
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


def _send_plan(plans: Any, rubric: Rubric, workers: int, exam: Exam) -> None:
    """Make the batch's plan and put its JSON in ``plans`` once per worker (None if it could not be made: the
    workers then send each request when it is asked, as for a single submission; same grades)."""
    data = None
    try:
        data = plan_batch(rubric, exam).to_json()
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
    exam: Optional[Exam] = None,
) -> List[SubmissionResult]:
    """Grade ``paths`` with ``jobs`` worker processes; results in the order of ``paths``.

    ``isolation``: a layer name (``auto``, ``bwrap``, ``uid``, ``none``) or a chosen Isolation; ``exam``: the
    examples every submission is judged on (default: :func:`grading_exam`'s for the rubric).
    A submission that breaks anything gets its own status; the batch always finishes.
    Raises IsolationError, before grading anything, for a layer that is not available.
    ``executor``: grade elsewhere instead, e.g. an :class:`autograder.cluster.ClusterExecutor` (on a Dask
    cluster, each worker in its own layer: ``jobs`` and ``isolation`` are then its business).
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    exam = exam if exam is not None else grading_exam(rubric)
    if executor is not None:
        return list(executor.grade(paths, rubric, limits, on_done=on_done, exam=exam))
    chosen = isolation if isinstance(isolation, Isolation) else choose_isolation(isolation)
    results: List[Optional[SubmissionResult]] = [None] * len(paths)
    context = multiprocessing.get_context("spawn")
    workers = min(jobs, max(1, len(paths)))
    # one submission runs Hypothesis itself; more replay what the reference was asked (same grades).
    # The plan goes to the workers through a queue once it is made, while they start.
    plans = context.Queue() if len(paths) > 1 else None
    with futures.ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                     initializer=_init_worker,
                                     initargs=(rubric, True, plans, exam.to_text())) as pool:
        with _workers_without_main():  # the workers start here
            pending = {pool.submit(grade_one, Path(paths[i]), rubric, limits, chosen): i for i in spread_order(paths)}
        if plans is not None:
            _send_plan(plans, rubric, workers, exam)
        for future in futures.as_completed(pending):
            i = pending[future]
            try:
                result = future.result()
            except Exception as error:  # noqa: BLE001 (a worker failure is this submission's, not the batch's)
                result = _failed(Path(paths[i]), rubric, error, chosen, exam)
            results[i] = result
            if on_done is not None:
                on_done(result)
    return [r for r in results if r is not None]
