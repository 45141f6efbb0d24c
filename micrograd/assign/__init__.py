"""``micrograd assign``: generate ``exercises/`` from ``reference/``."""

from micrograd.assign._command import HELP, configure, run
from micrograd.assign._generate import (
    BEGIN,
    END,
    FILES,
    AssignError,
    Region,
    check_exercises,
    generate,
    solution_regions,
    write_exercises,
)

__all__ = [
    "HELP",
    "BEGIN",
    "END",
    "FILES",
    "AssignError",
    "Region",
    "check_exercises",
    "configure",
    "generate",
    "run",
    "solution_regions",
    "write_exercises",
]
