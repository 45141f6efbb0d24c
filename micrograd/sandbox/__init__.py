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
    from micrograd.sandbox._choice import available_layers, choose_isolation, default_isolation, same_layer
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
    "same_layer": "_choice",
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
    "check_isolation",
    "same_layer",
    "student_evaluator",
    "PlainChild",
    "local_evaluator",
]

#: the layers ``micrograd check`` chooses from by default (the ``uid`` layer is for graders running as root)
CHECK_LAYERS = ("bwrap", "none")


def check_isolation(*, probe: bool = True) -> Isolation:
    """The isolation ``micrograd check`` runs a student's code in: ``$MICROGRAD_ISOLATION`` (default ``auto``:
    the strongest of CHECK_LAYERS that works here), chosen once per process. Raises IsolationError for a layer
    asked for by name that does not work here. Without ``probe``: the layer it would choose if its probe passed
    (see :func:`~micrograd.sandbox._choice.unprobed_isolation`: a child that fails to start in it is the cue to
    probe)."""
    import os

    from micrograd.sandbox._choice import choose_isolation, unprobed_isolation

    requested = os.environ.get("MICROGRAD_ISOLATION", "auto")
    if not probe:
        return unprobed_isolation(requested, layers=CHECK_LAYERS)
    return choose_isolation(requested, layers=CHECK_LAYERS)


def student_evaluator(path: Union[str, Path], *, timeout: Optional[float] = None,
                      isolation: Optional[Isolation] = None, wait: bool = True) -> SandboxEvaluator:
    """The evaluator ``micrograd check`` uses: the code in ``path`` in a sandboxed child, messages naming ``path``.

    ``timeout`` bounds one request (None: no limit but the caller's); ``isolation``: default
    :func:`check_isolation`. The child is started when this returns, and (if ``wait``) has imported the code
    or failed to; without ``wait`` its ``load_report()`` (or first request) waits for that. Raises
    micrograd.impl.ImplementationError for a path that is not an implementation directory.
    """
    import os

    from micrograd.impl import ImplementationError
    from micrograd.impl._loader import implementation_dir
    from micrograd.sandbox._evaluator import SandboxEvaluator
    from micrograd.sandbox._limits import Limits

    directory = implementation_dir(path)
    if isolation is None:
        isolation = check_isolation()
    limits = Limits(timeout=timeout or 10.0**6, budget=float("inf"), startup=10.0)
    try:
        evaluator = SandboxEvaluator(directory, limits, isolation=isolation, display=str(directory.resolve()) + os.sep)
    except ValueError as error:
        raise ImplementationError(str(error)) from None
    if wait:
        evaluator.load_report()  # its start-up is not the first property's time
    else:
        evaluator.start()
    return evaluator
