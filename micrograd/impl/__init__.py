"""Turn a directory holding ``engine.py`` and ``nn.py`` (and helper modules) into an implementation."""

from micrograd._paths import exercises_dir, reference_dir
from micrograd.impl._evaluator import Evaluator, LocalEvaluator, run_request
from micrograd.impl._loader import Implementation, ImplementationError, load_implementation

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
