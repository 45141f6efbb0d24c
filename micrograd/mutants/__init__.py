"""Student-bug mutants of the reference, and how well the spec catches them.

Each :class:`Mutant` in :data:`CATALOGUE` is one realistic mistake (a misconception and
the one-line hint that should answer it) written as an exact source edit of
reference/engine.py or reference/nn.py, so the mutants follow the reference.
:func:`write_mutant` materializes one as an implementation directory;
:func:`kill_catalogue` runs the spec on every mutant and reports what killed it
(``micrograd mutants`` on the command line); :func:`upstream_dir` fetches upstream
karpathy/micrograd 0.1.0 from PyPI as a third-party implementation directory.
"""

from micrograd.mutants._catalogue import CATALOGUE, mutant
from micrograd.mutants._command import HELP, configure, format_report, run
from micrograd.mutants._kill import (
    Kill,
    KillReport,
    SpecOutcome,
    counterexample_size,
    kill_mutants,
    own_exercise_first,
    run_spec,
    size_unit,
)
from micrograd.mutants._mutant import FILES, Mutant, MutantError, mutate, write_mutant
from micrograd.mutants._run import default_oracle, kill_catalogue, profile
from micrograd.mutants._upstream import UPSTREAM_VERSION, UpstreamUnavailableError, upstream_dir

__all__ = [
    "HELP",
    "configure",
    "run",
    "format_report",
    "CATALOGUE",
    "FILES",
    "Mutant",
    "MutantError",
    "mutant",
    "mutate",
    "write_mutant",
    "Kill",
    "KillReport",
    "SpecOutcome",
    "counterexample_size",
    "kill_mutants",
    "own_exercise_first",
    "run_spec",
    "size_unit",
    "kill_catalogue",
    "default_oracle",
    "profile",
    "UPSTREAM_VERSION",
    "UpstreamUnavailableError",
    "upstream_dir",
]
