"""Make a batch's plan (:class:`autograder.grade._plan.BatchPlan`): every property run on the kit's reference,
in the grading process, before any submission is graded."""

from __future__ import annotations

import pickle
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

from autograder.grade._plan import BatchPlan, _memory_cache
from autograder.grade._profile import grading_hypothesis
from autograder.grade._runner import make_oracle, run_property
from autograder.rubric import Rubric, spec_properties

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


def _picklable(*data: Any) -> bool:
    """Can ``data`` go to a worker (examples of a spec's own strategies may be any object)?"""
    try:
        pickle.dumps(data)
    except Exception:  # noqa: BLE001 (pickling an arbitrary object may raise anything)
        return False
    return True


def plan_batch(rubric: Rubric, oracle: Any = None, cache: Optional[Path] = None) -> BatchPlan:
    """Run every property of ``rubric`` on the kit's reference, in this process, under the grading settings;
    record the examples and requests of those it passes. ``oracle``: the grading oracle (default
    :func:`autograder.grade.make_oracle`'s); Hypothesis is as grading needs it only inside this call.
    ``cache``: a directory where the examples of an earlier batch are kept (the grader's own, out of
    every sandbox's reach: it holds a pickle), which saves generating them again (about 1.5 s of 2.4)."""
    from micrograd.impl import LocalEvaluator, reference_dir

    started = time.perf_counter()
    by_id = {p.id: p for p in spec_properties(rubric.spec)}
    requests: Dict[str, List[Any]] = {}
    with grading_hypothesis():
        recorded = _memory_cache(rubric, cache)
        judge = oracle if oracle is not None else make_oracle()
        reference = _Recorder(LocalEvaluator(reference_dir()))
        for pid in rubric.property_ids:
            prop = by_id[pid]
            reference.requests = []
            result = run_property(prop, reference, judge, rubric.max_examples, replay=recorded)
            generated = getattr(prop.function, "hypothesis", None) is not None
            if result.status == "passed" and reference.requests and (recorded.get(prop) or not generated) \
                    and _picklable(recorded.get(prop), reference.requests):
                requests[pid] = reference.requests
        recorded.save()
    examples = {pid: found for pid, found in recorded.recorded().items() if pid in requests}
    return BatchPlan(examples, requests, rubric.max_examples, time.perf_counter() - started, rubric.spec)
