"""A spec property as a Hypothesis test, built with Hypothesis's public API only.

The property's body stays plain; :func:`hypothesis_test` wraps it in ``given`` (its strategies),
``example`` (its explicit examples), ``settings`` (those the caller chose) and ``seed``. Derandomized
runs are seeded from the property's id (:func:`property_seed`), so each property draws its own examples
whatever its source looks like, and no run writes an example database.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional

import hypothesis
from hypothesis import HealthCheck, Phase, example, given, settings

from micrograd.runner import printed, start_printed
from micrograd.spec import Property

__all__ = ["cache_dir", "hypothesis_test", "keep_hypothesis_out_of_the_folder", "note_failing_example",
           "note_running_example", "property_seed", "run_example", "settings_for"]


def property_seed(prop: Property, salt: int = 0) -> int:
    """A seed for ``prop`` that depends only on its id and ``salt`` (an exam's seed)."""
    digest = hashlib.sha256(f"{salt}:{prop.id}".encode()).digest()
    return int.from_bytes(digest[:6], "big")  # below 2**53: exact in any JSON reader


def settings_for(prop: Property, max_examples: int, *, shrink: bool = True, parent: Optional[settings] = None,
                 **overrides: Any) -> settings:
    """The settings to run ``prop`` with: ``max_examples`` (its share of it, :meth:`Property.examples_out_of`),
    no deadline, no database, no health checks (a student's slow code is not the spec's fault), one
    failure reported, the explain phase off (it only annotates Hypothesis's own report); shrinking only if
    ``shrink`` and the property shrinks. ``parent``: the settings to start from (default: Hypothesis's own
    defaults, not the loaded profile)."""
    phases = [Phase.explicit, Phase.generate] + ([Phase.shrink] if shrink and prop.shrink else [])
    values: Dict[str, Any] = dict(
        max_examples=prop.examples_out_of(max_examples), deadline=None, database=None, derandomize=False,
        phases=phases, suppress_health_check=list(HealthCheck), report_multiple_bugs=False, print_blob=False,
    )
    values.update(overrides)
    return settings(parent if parent is not None else settings.get_profile("default"), **values)


def hypothesis_test(prop: Property, fixed: Mapping[str, Any], chosen: settings, *, seed: Optional[int] = None,
                    record: Optional[List[Dict[str, Any]]] = None) -> Callable[[], None]:
    """``prop`` as a Hypothesis test: call it (no arguments) to run it. ``fixed``: its ``impl`` (and
    ``oracle``); ``chosen``: the settings; ``seed``: a fixed seed (None: random, unless derandomized).
    ``record``: a list that receives the drawn arguments of every example that ran to its end (an example
    rejected by ``assume`` is left out), in order, explicit examples first."""
    body = prop.body

    def run(**drawn: Any) -> None:
        run_example(body, fixed, drawn)
        if record is not None:
            record.append(dict(drawn))

    if not prop.generated:  # a property that draws nothing runs once, without Hypothesis
        return run
    test: Any = given(**prop.strategies)(run)
    for explicit in reversed(prop.examples):
        test = example(**explicit)(test)
    test = chosen(test)
    if seed is not None:
        test = hypothesis.seed(seed)(test)
    return test


def run_example(body: Callable[..., Any], fixed: Mapping[str, Any], drawn: Mapping[str, Any]) -> None:
    """Run a property's ``body`` on one example; what it raises carries the example (see
    :func:`note_failing_example` and :func:`note_running_example`)."""
    start_printed()
    try:
        body(**fixed, **drawn)
    except (Exception, SystemExit, GeneratorExit) as failed:  # what the judge takes for a failing example
        note_failing_example(failed, drawn)
        note_running_example(failed, drawn)
        raise
    except BaseException as stopped:
        note_running_example(stopped, drawn)
        raise


def note_running_example(stopped: BaseException, drawn: Mapping[str, Any]) -> None:
    """Keep on a time limit's exception (not an Exception: a BaseException like PropertyTimeout) the example
    that was running when it hit, for the report (``running_example``); on a failure (an Exception), what the
    student's code printed while that example ran (``printed``, bounded: :func:`micrograd.runner.printed`)."""
    if not isinstance(stopped, Exception) and not hasattr(stopped, "running_example"):
        stopped.running_example = dict(drawn)  # type: ignore[attr-defined]
    if isinstance(stopped, Exception) and not hasattr(stopped, "printed"):
        stopped.printed = printed()  # type: ignore[attr-defined]


def note_failing_example(failed: BaseException, drawn: Mapping[str, Any]) -> None:
    """Keep on a failure the example that raised it (``failing_example``): the judge runs it again in a fresh
    process to confirm that it fails there too (:mod:`micrograd.judge._replay`)."""
    try:
        failed.failing_example = dict(drawn)  # type: ignore[attr-defined]
    except AttributeError:  # an exception type that takes no attributes
        pass


def cache_dir() -> Optional[Path]:
    """The kit's cache folder ($MICROGRAD_CACHE; else $XDG_CACHE_HOME/micrograd-kit, else ~/.cache/micrograd-kit),
    or None when $MICROGRAD_CACHE is ``off``."""
    chosen = os.environ.get("MICROGRAD_CACHE")
    if chosen is not None:
        return None if chosen.strip().lower() in ("off", "0", "no", "") else Path(chosen).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "micrograd-kit"


def keep_hypothesis_out_of_the_folder() -> None:
    """Make Hypothesis keep what it writes (its cache of the constants it finds in source files) in the kit's
    cache folder, never in ``./.hypothesis`` of the folder a command runs in (a student's course folder,
    which travels with ``nbgrader submit`` and zips): sets $HYPOTHESIS_STORAGE_DIRECTORY, Hypothesis's own
    setting, unless it is set already. Takes effect if nothing asked Hypothesis for its folder yet in this
    process. No run of the kit writes an example database (``database=None``)."""
    if os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        return
    folder = cache_dir()
    if folder is None:  # no cache: somewhere that is not the working folder, and goes away
        import tempfile

        folder = Path(tempfile.gettempdir()) / f"micrograd-kit-{os.getuid() if hasattr(os, 'getuid') else 0}"
    os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = str(folder / "hypothesis")
