"""The pytest plugin behind the spec: Hypothesis profiles, ``--impl``, the ``impl`` fixture.

Loaded by ``tests/conftest.py`` and by ``micrograd check``. Profiles (choose with
``HYPOTHESIS_PROFILE``; with ``CI`` set the default is ``ci``, as in Hypothesis):

- ``dev``: fast, random, with the example database;
- ``ci``: derandomized, no deadline, no database, print blob (Hypothesis's own ``ci``
  settings, which this replaces, plus our example count);
- ``student``: ``ci`` with 30 examples per property: what ``micrograd check`` runs by
  default, so that a first check is a few seconds (every property's first examples are small
  programs that catch the catalogued bugs: ``micrograd mutants --profile student``);
- ``grading``: derandomized, more examples, a fixed budget, no database.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, Optional

import pytest
from hypothesis import HealthCheck, Phase, settings

from micrograd.impl import Evaluator, LocalEvaluator, reference_dir
from micrograd.testing._collect import Property, PropertyResult, SpecCollectionError, collect_properties, run_property
from micrograd.testing._replay import ReplayCache, cache_dir
from micrograd.verdict import exercise

__all__ = [
    "PROFILES",
    "evaluator_for",
    "load_profile",
    "register_profiles",
    "set_evaluator",
    "Property",
    "PropertyResult",
    "ReplayCache",
    "cache_dir",
    "SpecCollectionError",
    "collect_properties",
    "run_property",
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
    profile = load_profile()
    config.stash[_PROFILE] = profile
    config.addinivalue_line(
        "markers", "exercise(name): the exercise a spec property checks (a key of micrograd.verdict.EXERCISES)"
    )
    config.addinivalue_line(
        "markers", "needs(*names): the exercises a spec property uses (default: those its exercise needs)"
    )


def pytest_collection_modifyitems(items: list) -> None:
    """Reject a misspelled exercise marker at collection, naming the test."""
    for item in items:
        for marker in [*item.iter_markers("exercise"), *item.iter_markers("needs")]:
            try:
                for name in marker.args if marker.name == "needs" else marker.args[:1] or [None]:
                    exercise(name)
            except (ValueError, TypeError) as error:
                raise pytest.UsageError(f"{item.nodeid}: {error}") from None


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
        config.stash[_EVALUATOR] = LocalEvaluator(path)
    return config.stash[_EVALUATOR]


@pytest.fixture(scope="session")
def impl(request: pytest.FixtureRequest) -> Any:
    """The implementation under test, as an Evaluator: ``impl.evaluate(program)``."""
    return evaluator_for(request.config)
