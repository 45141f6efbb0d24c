"""Hypothesis settings for grading: the ``grading`` profile, one failure per property, deterministic."""

from __future__ import annotations

import contextlib
from typing import Any, Iterator, Optional

from autograder.rubric import grading_profile

__all__ = ["graded_settings", "grading_hypothesis", "grading_profile", "prepare_hypothesis", "without_local_constants"]


def prepare_hypothesis() -> None:
    """Load the ``grading`` profile for good (in a grading worker, before the spec is imported),
    without Hypothesis's local constants."""
    from micrograd.testing import load_profile

    load_profile("grading")
    without_local_constants()


def without_local_constants() -> None:
    """Make Hypothesis draw no constants from "local" modules, for good in this process.

    Hypothesis (6.131 and later) mixes into the examples it generates numbers found in the source
    of every imported module it deems local: not the standard library, not site-packages. Which
    modules those are depends on how the kit is installed (editable: the kit is local; a wheel: it
    is not) and on what the process imported (a student's engine.py in a notebook kernel), so the
    same submission got different examples, hence different grades, from ``micrograd grade`` in a
    checkout and on Gradescope. Graded examples come from the spec's strategies alone.
    """
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # pragma: no cover (a Hypothesis without the module has no local constants)
        return
    current = getattr(providers, "_get_local_constants", None)
    if current is None or getattr(current, "_micrograd_none", False):
        return
    empty = type(providers._local_constants)()

    def no_local_constants() -> Any:
        return empty

    no_local_constants._micrograd_none = True  # type: ignore[attr-defined]
    providers._get_local_constants = no_local_constants
    providers.CONSTANTS_CACHE.cache.clear()  # answers computed with the local constants


@contextlib.contextmanager
def grading_hypothesis() -> Iterator[None]:
    """Hypothesis as grading needs it (:func:`prepare_hypothesis`) inside the block, and as it was
    after: for grading in a process that goes on with other work (a notebook kernel, a test run)."""
    from hypothesis import settings

    before = settings.get_current_profile_name()
    providers: Any = None
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # pragma: no cover (a Hypothesis without local constants)
        pass
    saved = getattr(providers, "_get_local_constants", None)
    prepare_hypothesis()
    try:
        yield
    finally:
        settings.load_profile(before)
        if providers is not None and saved is not None:
            providers._get_local_constants = saved
            providers.CONSTANTS_CACHE.cache.clear()


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
