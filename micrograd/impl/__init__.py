"""Turn a directory holding ``engine.py`` and ``nn.py`` into an implementation."""

from micrograd.impl._evaluator import Evaluator, LocalEvaluator, run_request
from micrograd.impl._loader import (
    Implementation,
    ImplementationError,
    exercises_dir,
    load_implementation,
    reference_dir,
)

__all__ = [
    "Evaluator",
    "LocalEvaluator",
    "Implementation",
    "ImplementationError",
    "exercises_dir",
    "load_implementation",
    "reference_dir",
    "run_request",
]
