"""Turn a directory holding ``engine.py`` and ``nn.py`` (and helper modules) into an implementation."""

from micrograd._paths import exercises_dir, reference_dir
from micrograd.impl._choose import Choice, choose_implementation, course_exercises
from micrograd.impl._evaluator import Children, Evaluator, LocalEvaluator
from micrograd.impl._loader import Implementation, ImplementationError, load_implementation
from micrograd.impl._run import run_request
from micrograd.impl._snippet import IN_NOTEBOOK, SNIPPET_WIDTH, snippet_folder, student_snippet

__all__ = [
    "Children",
    "Choice",
    "choose_implementation",
    "course_exercises",
    "Evaluator",
    "LocalEvaluator",
    "Implementation",
    "ImplementationError",
    "exercises_dir",
    "load_implementation",
    "reference_dir",
    "run_request",
    "IN_NOTEBOOK",
    "SNIPPET_WIDTH",
    "snippet_folder",
    "student_snippet",
]
