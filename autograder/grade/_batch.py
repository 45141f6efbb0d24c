"""Grade many submissions in parallel worker processes; each submission in its own sandbox."""

from __future__ import annotations

import concurrent.futures as futures
import multiprocessing
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, List, Optional, Sequence

from autograder.report._results import SubmissionResult
from autograder.rubric import Rubric
from autograder.sandbox import Limits

__all__ = ["grade_batch", "grade_one"]

_ORACLE: Any = None


def _init_worker(rubric: Rubric) -> None:
    """Runs once in each worker: adopt orphans, load the profile, import the spec, create the oracle."""
    global _ORACLE
    from autograder.grade._runner import make_oracle, prepare_hypothesis, spec_properties
    from autograder.sandbox import become_subreaper

    become_subreaper()
    prepare_hypothesis()
    spec_properties(rubric.spec)
    _ORACLE = make_oracle()


def grade_one(path: Path, rubric: Rubric, limits: Limits) -> SubmissionResult:
    """Grade one submission (directory, .zip or .ipynb) in this process; never raises for the submission."""
    from autograder.grade._runner import _all, _result, grade_directory
    from autograder.grade._submission import prepare

    global _ORACLE
    if _ORACLE is None:
        _init_worker(rubric)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="micrograd-submission-") as scratch:
        prepared = prepare(Path(path), Path(scratch))
        if prepared.directory is None:
            return _result(prepared.student, rubric, "invalid", prepared.error,
                           _all(rubric, "failed", f"not run: {prepared.error}"), started)
        return grade_directory(prepared.directory, prepared.student, rubric, limits, _ORACLE)


def _failed(path: Path, rubric: Rubric, error: BaseException) -> SubmissionResult:
    from autograder.grade._runner import _all, _result
    from autograder.grade._submission import student_id

    reason = f"the grader failed: {type(error).__name__}: {error}"[:500]
    return _result(student_id(Path(path)), rubric, "invalid", reason, _all(rubric, "failed", reason), time.monotonic())


def grade_batch(
    paths: Sequence[Path],
    rubric: Rubric,
    limits: Limits,
    jobs: int = 1,
    on_done: Optional[Callable[[SubmissionResult], None]] = None,
) -> List[SubmissionResult]:
    """Grade ``paths`` with ``jobs`` worker processes; results in the order of ``paths``.

    A submission that breaks anything gets its own status; the batch always finishes.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    results: List[Optional[SubmissionResult]] = [None] * len(paths)
    context = multiprocessing.get_context("spawn")
    with futures.ProcessPoolExecutor(max_workers=min(jobs, max(1, len(paths))), mp_context=context,
                                     initializer=_init_worker, initargs=(rubric,)) as pool:
        pending = {pool.submit(grade_one, Path(p), rubric, limits): i for i, p in enumerate(paths)}
        for future in futures.as_completed(pending):
            i = pending[future]
            try:
                result = future.result()
            except Exception as error:  # noqa: BLE001 (a worker failure is this submission's, not the batch's)
                result = _failed(Path(paths[i]), rubric, error)
            results[i] = result
            if on_done is not None:
                on_done(result)
    return [r for r in results if r is not None]
