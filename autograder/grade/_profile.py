"""Hypothesis settings for grading: the ``grading`` profile, one failure per property, deterministic."""

from __future__ import annotations

import contextlib
from typing import Any, Iterator, Optional

__all__ = ["graded_settings", "grading_profile", "prepare_hypothesis"]


def prepare_hypothesis() -> None:
    """Load the ``grading`` profile for good (in a grading worker, before the spec is imported)."""
    from micrograd.testing import load_profile

    load_profile("grading")


@contextlib.contextmanager
def grading_profile() -> Iterator[None]:
    """The ``grading`` profile while the spec is imported (properties freeze the default settings when
    they are defined), then whatever profile was active before."""
    from hypothesis import settings

    from micrograd.testing import load_profile

    before = settings.get_current_profile_name()
    load_profile("grading")
    try:
        yield
    finally:
        settings.load_profile(before)


def graded_settings(func: Any, max_examples: Optional[int]) -> Any:
    """The settings to run property ``func`` with: its own (derived from ``grading``), deterministic,
    without deadline or database, reporting one failure; at most ``max_examples`` examples."""
    from hypothesis import HealthCheck, settings

    current: Any = getattr(func, "_hypothesis_internal_use_settings", None) or settings.default
    examples = current.max_examples if max_examples is None else min(current.max_examples, max_examples)
    return settings(
        parent=current,
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        report_multiple_bugs=False,
        print_blob=False,
        suppress_health_check=list(HealthCheck),
    )
