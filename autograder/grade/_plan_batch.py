"""Make a batch's plan (:class:`autograder.grade._plan.BatchPlan`): every property's exam examples run on the kit's
reference, in the grading process, before any submission is graded."""

from __future__ import annotations

import time
from typing import Any, List

from autograder.grade._plan import BatchPlan
from autograder.rubric import Rubric, spec_properties
from micrograd.judge import Exam, PropertyStatus, run_property
from micrograd.judge._codec import encode_value

__all__ = ["plan_batch"]


class _Recorder:
    """An evaluator that remembers every request it passes on."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.requests: List[Any] = []

    def evaluate(self, request: Any) -> Any:
        self.requests.append(request)
        return self.inner.evaluate(request)


def _writable(requests: List[Any]) -> bool:
    """Can ``requests`` go to the workers as JSON (a spec's own requests may have no JSON form)?"""
    try:
        for request in requests:
            encode_value(request)
    except ValueError:
        return False
    return True


def plan_batch(rubric: Rubric, exam: Exam, oracle: Any = None) -> BatchPlan:
    """Run every property of ``rubric`` on ``exam``'s examples, on the kit's reference, in this process; record the
    requests of those it passes. ``oracle``: the grading oracle (default :func:`autograder.grade.make_oracle`'s)."""
    from autograder.grade._runner import make_oracle
    from micrograd.impl import LocalEvaluator, reference_dir

    started = time.perf_counter()
    by_id = {p.id: p for p in spec_properties(rubric.spec)}
    judge = oracle if oracle is not None else make_oracle()
    local = LocalEvaluator(reference_dir())
    reference = _Recorder(local)
    requests = {}
    try:
        for pid in rubric.property_ids:
            prop = by_id[pid]
            reference.requests = []
            result = run_property(prop, reference, judge, examples=exam.entry(prop).examples)
            if result.status is PropertyStatus.PASSED and reference.requests and _writable(reference.requests):
                requests[pid] = reference.requests
    finally:
        local.close()  # the plain child of the deep chain
    return BatchPlan(requests, exam.digest, time.perf_counter() - started)
