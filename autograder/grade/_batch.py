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
import multiprocessing
import sys
import tempfile
import time
import types
from pathlib import Path
from typing import Any, Callable, Iterator, List, Optional, Sequence, Union

from autograder.report._results import SubmissionResult
from autograder.rubric import Rubric
from autograder.sandbox import Isolation, Limits, choose_isolation

__all__ = ["grade_batch", "grade_one"]

_ORACLE: Any = None


def _init_worker(rubric: Rubric, subreaper: bool = True) -> None:
    """Runs once in each worker: adopt orphans, load the profile, import the spec, create the oracle.

    ``subreaper``: make this process adopt (and kill) orphaned processes; only for a process that
    does nothing but grade (a subreaper kills every child it did not start as a sandbox).
    """
    global _ORACLE
    from autograder.grade._runner import make_oracle, prepare_hypothesis, spec_properties
    from autograder.sandbox import become_subreaper

    if subreaper:
        become_subreaper()
    prepare_hypothesis()
    spec_properties(rubric.spec)
    _ORACLE = make_oracle()


def grade_one(path: Path, rubric: Rubric, limits: Limits, isolation: Optional[Isolation] = None) -> SubmissionResult:
    """Grade one submission (directory, .zip or .ipynb) in this process; never raises for the submission.

    ``isolation``: the sandbox layer (default: the strongest available here).
    """
    from autograder.grade._runner import _all, _result, grade_directory
    from autograder.grade._submission import prepare
    from autograder.sandbox import default_isolation

    global _ORACLE
    if _ORACLE is None:  # graded in a process that may do other things: no subreaper
        _init_worker(rubric, subreaper=False)
    isolation = isolation or default_isolation()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="micrograd-submission-") as scratch:
        prepared = prepare(Path(path), Path(scratch))
        if prepared.directory is None:
            result = _result(prepared.student, rubric, "invalid", prepared.error,
                             _all(rubric, "failed", f"not run: {prepared.error}"), started)
        else:
            result = grade_directory(prepared.directory, prepared.student, rubric, limits, _ORACLE, isolation)
    return dataclasses.replace(result, isolation=isolation.layer)


def _failed(path: Path, rubric: Rubric, error: BaseException, isolation: Isolation) -> SubmissionResult:
    from autograder.grade._runner import _all, _result
    from autograder.grade._submission import student_id

    reason = f"the grader failed: {type(error).__name__}: {error}"[:500]
    result = _result(student_id(Path(path)), rubric, "invalid", reason, _all(rubric, "failed", reason),
                     time.monotonic())
    return dataclasses.replace(result, isolation=isolation.layer)


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


def grade_batch(
    paths: Sequence[Path],
    rubric: Rubric,
    limits: Limits,
    jobs: int = 1,
    on_done: Optional[Callable[[SubmissionResult], None]] = None,
    isolation: Union[str, Isolation] = "auto",
) -> List[SubmissionResult]:
    """Grade ``paths`` with ``jobs`` worker processes; results in the order of ``paths``.

    ``isolation``: a layer name (``auto``, ``bwrap``, ``uid``, ``none``) or a chosen Isolation.
    A submission that breaks anything gets its own status; the batch always finishes.
    Raises IsolationError, before grading anything, for a layer that is not available.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    chosen = isolation if isinstance(isolation, Isolation) else choose_isolation(isolation)
    results: List[Optional[SubmissionResult]] = [None] * len(paths)
    context = multiprocessing.get_context("spawn")
    with futures.ProcessPoolExecutor(max_workers=min(jobs, max(1, len(paths))), mp_context=context,
                                     initializer=_init_worker, initargs=(rubric,)) as pool:
        with _workers_without_main():  # the workers start here
            pending = {pool.submit(grade_one, Path(p), rubric, limits, chosen): i for i, p in enumerate(paths)}
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
