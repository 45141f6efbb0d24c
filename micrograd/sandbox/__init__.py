"""Run a submission in a fresh, limited, isolated child process that only computes; the parent judges.

:class:`SandboxEvaluator` implements micrograd.impl's Evaluator protocol over a JSON pipe.
The child runs a minimal runtime (the loader, the programs and this protocol: never the
reference solution) in the strongest isolation layer the machine offers
(:func:`choose_isolation`: ``bwrap``, ``uid`` or ``none``). ``micrograd check`` and
``micrograd grade`` both evaluate submissions this way, so they give the same verdicts.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional, Union

if TYPE_CHECKING:  # imported on first use: the child imports this package, and needs none of them
    from micrograd.sandbox._cell import SandboxError
    from micrograd.sandbox._choice import available_layers, choose_isolation, default_isolation
    from micrograd.sandbox._evaluator import LoadReport, SandboxEvaluator
    from micrograd.sandbox._layers import CHOICES, LAYERS, Isolation, IsolationError
    from micrograd.sandbox._limits import Limits
    from micrograd.sandbox._local import PlainChild, local_evaluator
    from micrograd.sandbox._procs import become_subreaper
    from micrograd.sandbox._protocol import Encoded, Pickled, kind_table, kinds, register_kind

_WHERE = {
    "LoadReport": "_evaluator", "SandboxEvaluator": "_evaluator", "SandboxError": "_cell",
    "CHOICES": "_layers", "LAYERS": "_layers", "Isolation": "_layers", "IsolationError": "_layers",
    "available_layers": "_choice", "choose_isolation": "_choice", "default_isolation": "_choice",
    "Limits": "_limits", "become_subreaper": "_procs",
    "Encoded": "_protocol", "Pickled": "_protocol", "kind_table": "_protocol", "kinds": "_protocol",
    "register_kind": "_protocol",
    "PlainChild": "_local", "local_evaluator": "_local",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'micrograd.sandbox' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"micrograd.sandbox.{_WHERE[name]}"), name)
    globals()[name] = value
    return value

__all__ = [
    "CHOICES",
    "Encoded",
    "LAYERS",
    "Isolation",
    "IsolationError",
    "Limits",
    "LoadReport",
    "Pickled",
    "SandboxError",
    "SandboxEvaluator",
    "available_layers",
    "become_subreaper",
    "choose_isolation",
    "default_isolation",
    "kind_table",
    "kinds",
    "register_kind",
    "student_evaluator",
    "PlainChild",
    "local_evaluator",
]

#: the layers ``micrograd check`` chooses from by default (the ``uid`` layer is for graders running as root)
CHECK_LAYERS = ("bwrap", "none")


def student_evaluator(path: Union[str, Path], *, timeout: Optional[float] = None,
                      isolation: Optional[Isolation] = None) -> SandboxEvaluator:
    """The evaluator ``micrograd check`` uses: the code in ``path`` in a sandboxed child, messages naming ``path``.

    ``timeout`` bounds one request (None: no limit but the caller's); the child is started (and has
    imported the code, or failed to) when this returns. Raises
    micrograd.impl.ImplementationError for a path that is not an implementation directory.
    """
    import os

    from micrograd.impl import ImplementationError
    from micrograd.impl._loader import implementation_dir
    from micrograd.sandbox._choice import choose_isolation
    from micrograd.sandbox._evaluator import SandboxEvaluator
    from micrograd.sandbox._limits import Limits

    directory = implementation_dir(path)
    if isolation is None:
        requested = os.environ.get("MICROGRAD_ISOLATION", "auto")
        isolation = choose_isolation(requested, layers=CHECK_LAYERS)
    limits = Limits(timeout=timeout or 10.0**6, budget=float("inf"), startup=10.0)
    try:
        evaluator = SandboxEvaluator(directory, limits, isolation=isolation, display=str(directory.resolve()) + os.sep)
    except ValueError as error:
        raise ImplementationError(str(error)) from None
    evaluator.load_report()  # start the child now: its start-up is not the first property's time
    return evaluator
