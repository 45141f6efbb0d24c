"""The pytest plugin behind the spec: Hypothesis profiles, ``--impl``, the ``impl`` fixture.

Loaded by ``tests/conftest.py``; ``tests/spec`` turns the spec's properties (:mod:`micrograd.spec`) into
test items with it (:func:`run_under_pytest`). Profiles (choose with ``HYPOTHESIS_PROFILE``; with ``CI`` set
the default is ``ci``, as in Hypothesis):

- ``dev``: fast, random;
- ``ci``: derandomized (each property from its own fixed seed), no deadline, no database, print blob
  (Hypothesis's own ``ci`` settings, which this replaces, plus our example count);
- ``student``: ``ci`` with 30 examples per property (``micrograd check --explore``);
- ``grading``: derandomized, more examples, a fixed budget, no database.

Grades and ``micrograd check`` do not depend on the profile: they judge an exam's examples
(:mod:`micrograd.judge`).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any, Dict, Iterator, Optional, Tuple

import pytest
from hypothesis import HealthCheck, Phase, settings

from micrograd.impl import Evaluator, reference_dir
from micrograd.spec import Property, PropertySkipped

__all__ = [
    "PROFILES",
    "evaluator_for",
    "load_profile",
    "profile_loaded",
    "profile_settings",
    "register_profiles",
    "run_under_pytest",
    "set_evaluator",
]
#: what the deterministic profiles share: the same examples every run, no deadline, nothing kept
_DETERMINISTIC: Dict[str, Any] = dict(
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
#: profile name -> settings; registered once, by register_profiles()
PROFILES = {
    # derandomize=False said explicitly: under CI, Hypothesis's default (every unset setting) is derandomized
    "dev": dict(max_examples=50, deadline=None, derandomize=False),
    "ci": dict(_DETERMINISTIC, max_examples=100),
    "student": dict(_DETERMINISTIC, max_examples=30),
    "grading": dict(_DETERMINISTIC, max_examples=300, phases=[Phase.explicit, Phase.generate, Phase.shrink]),
}


def register_profiles() -> None:
    """Register PROFILES, each over Hypothesis's own defaults (not over whatever profile is loaded now)."""
    default = settings.get_profile("default")
    for name, values in PROFILES.items():
        settings.register_profile(name, parent=default, **values)


def load_profile(name: Optional[str] = None) -> str:
    """Load ``name``, else $HYPOTHESIS_PROFILE, else ``ci`` when $CI is set, else ``dev``."""
    register_profiles()
    chosen = name or os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
    if chosen not in PROFILES:
        raise pytest.UsageError(
            f"unknown Hypothesis profile {chosen!r} (from HYPOTHESIS_PROFILE); choose one of {', '.join(PROFILES)}"
        )
    settings.load_profile(chosen)
    return chosen


@contextlib.contextmanager
def profile_loaded(name: str) -> Iterator[str]:
    """Profile ``name`` loaded inside the block, then the settings loaded before it again (Hypothesis's public
    API of every version pyproject allows: no ``get_current_profile_name``)."""
    before = settings()
    load_profile(name)
    try:
        yield name
    finally:
        settings.register_profile(_RESTORED, before)
        settings.load_profile(_RESTORED)


#: the name under which profile_loaded puts back the settings it found
_RESTORED = "_micrograd_restored"

_EVALUATOR = pytest.StashKey[Evaluator]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("micrograd", "micrograd spec")
    group.addoption(
        "--impl",
        default=None,
        metavar="PATH",
        help="directory holding the engine.py and nn.py to check (default: the reference)",
    )


def pytest_configure(config: pytest.Config) -> None:
    from micrograd.judge import keep_hypothesis_out_of_the_folder

    keep_hypothesis_out_of_the_folder()
    config.stash[_PROFILE] = load_profile()


_PROFILE = pytest.StashKey[str]()


def pytest_report_header(config: pytest.Config) -> str:
    impl = config.getoption("--impl") or str(reference_dir())
    return f"micrograd: implementation {impl}, Hypothesis profile {config.stash.get(_PROFILE, '?')}"


def set_evaluator(config: pytest.Config, evaluator: Evaluator) -> None:
    """Make ``impl`` yield ``evaluator`` (the autograder passes its sandboxed one)."""
    config.stash[_EVALUATOR] = evaluator


def evaluator_for(config: pytest.Config) -> Evaluator:
    """The evaluator the spec checks: one set by set_evaluator, else ``--impl`` loaded locally."""
    if _EVALUATOR not in config.stash:
        path = config.getoption("--impl") or reference_dir()
        if not Path(path).is_dir():
            raise pytest.UsageError(f"--impl {path}: not a directory; give one holding engine.py and nn.py")
        from micrograd.sandbox import local_evaluator

        config.stash[_EVALUATOR] = local_evaluator(path)  # a deep chain runs in the sandbox's plain child
    return config.stash[_EVALUATOR]


@pytest.fixture(scope="session")
def impl(request: pytest.FixtureRequest) -> Any:
    """The implementation under test, as an Evaluator: ``impl.evaluate(program)``."""
    return evaluator_for(request.config)


def profile_settings(prop: Property, current: Optional[settings] = None) -> Tuple[settings, Optional[int]]:
    """The settings and seed to run ``prop`` with under the loaded profile (``current``): its example count, and
    for a derandomized profile a fixed seed of its own (Hypothesis's ``derandomize`` would give every
    property the seed of the one wrapper that runs them all)."""
    from micrograd.judge import property_seed, settings_for

    current = current or settings()
    phases = [p for p in current.phases if p is not Phase.explain]
    chosen = settings_for(prop, current.max_examples, parent=current, shrink=Phase.shrink in phases)
    return chosen, property_seed(prop) if current.derandomize else None


def run_under_pytest(prop: Property, impl: Any, oracle: Any = None) -> None:
    """Run ``prop`` as a pytest test: Hypothesis draws under the loaded profile; a failure propagates
    (a SpecFailure says what is wrong); a property that cannot judge here is skipped."""
    from micrograd.judge import hypothesis_test, missing_oracles

    if prop.skip is not None:
        pytest.skip(prop.skip)
    if prop.needs_oracle and prop.oracles is not None and getattr(oracle, "name", None) not in prop.oracles:
        pytest.skip(missing_oracles(prop.oracles))
    chosen, seed = profile_settings(prop)
    try:
        hypothesis_test(prop, prop.arguments(impl, oracle), chosen, seed=seed)()
    except PropertySkipped as skipped:
        pytest.skip(str(skipped))
