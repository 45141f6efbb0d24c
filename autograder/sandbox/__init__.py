"""The grader's sandbox: :mod:`micrograd.sandbox` (``micrograd check`` runs submissions the same way).

Kept as the autograder's import path; everything lives in :mod:`micrograd.sandbox`.
"""

from micrograd.sandbox import (
    CHOICES,
    LAYERS,
    Isolation,
    IsolationError,
    Limits,
    LoadReport,
    SandboxError,
    SandboxEvaluator,
    available_layers,
    become_subreaper,
    choose_isolation,
    default_isolation,
)

__all__ = [
    "CHOICES",
    "LAYERS",
    "Isolation",
    "IsolationError",
    "Limits",
    "LoadReport",
    "SandboxError",
    "SandboxEvaluator",
    "available_layers",
    "become_subreaper",
    "choose_isolation",
    "default_isolation",
]
