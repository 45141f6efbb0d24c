"""The kill run: the catalogue (or some of it) against the spec, in one profile."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Callable, Iterator, Optional, Sequence, Union

from micrograd.judge import profile_loaded
from micrograd.mutants._catalogue import CATALOGUE, mutant
from micrograd.mutants._kill import Kill, KillReport, kill_mutants, run_spec
from micrograd.oracles import Oracle
from micrograd.spec import load_spec

__all__ = ["default_oracle", "kill_catalogue", "profile"]


@contextlib.contextmanager
def profile(name: str) -> Iterator[str]:
    """Load Hypothesis profile ``name`` (registering the kit's profiles), restore the previous one after."""
    with profile_loaded(name):
        yield name


def default_oracle() -> Oracle:
    """The first available oracle, in micrograd.oracles' order of preference."""
    from micrograd.oracles import ORACLE_NAMES, get_oracle, oracle_skip_reason

    for name in ORACLE_NAMES:
        if oracle_skip_reason(name) is None:
            return get_oracle(name)
    raise RuntimeError("no oracle is available")  # pragma: no cover (fd needs only numpy)


def kill_catalogue(
    names: Optional[Sequence[str]] = None,
    *,
    profile_name: str = "ci",
    oracle: Optional[Oracle] = None,
    timeout: Optional[float] = 120.0,
    spec_dir: Union[str, Path, None] = None,
    reference: bool = True,
    progress: Optional[Callable[[Kill], None]] = None,
) -> KillReport:
    """Run the spec (properties in EXERCISES order, until the first failure) on every mutant
    named in ``names`` (default: the whole catalogue) and, with ``reference``, on the reference."""
    mutants = [mutant(n) for n in names] if names is not None else list(CATALOGUE.values())
    oracle = oracle if oracle is not None else default_oracle()
    with profile(profile_name):
        properties = list(load_spec(spec_dir))
        report = KillReport(profile=profile_name)
        if reference:
            from micrograd.impl import reference_dir

            report.reference = run_spec(reference_dir(), properties, oracle=oracle, timeout=timeout)
        report.kills = kill_mutants(mutants, properties, oracle=oracle, timeout=timeout, progress=progress)
    return report
