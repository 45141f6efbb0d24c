"""The pytest plugin behind the spec: a Hypothesis profile loaded (:mod:`micrograd.judge` defines them),
``--impl``, the ``impl`` fixture.

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

from pathlib import Path
from typing import Any

import pytest

from micrograd.impl import Evaluator, reference_dir
from micrograd.judge import ProfileError, load_profile, profile_settings
from micrograd.spec import Property, PropertySkipped

__all__ = [
    "evaluator_for",
    "run_under_pytest",
    "set_evaluator",
]
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
    try:
        config.stash[_PROFILE] = load_profile()
    except ProfileError as error:
        raise pytest.UsageError(str(error)) from None


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
