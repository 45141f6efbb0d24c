"""Run one request on an implementation, in this process: what every evaluator ends up doing."""

from __future__ import annotations

from typing import Any

from micrograd.impl._loader import Implementation, ImplementationError
from micrograd.runner import DeepChain, Failure, Outcome, Script, run_script

__all__ = ["run_request"]


def run_request(request: Any, impl: Implementation) -> Any:
    """Run one request on an implementation, in this process.

    A request that must not reach an implementation as it is runs as what its ``child_request()``
    gives (a Program: the Script the kit compiles it to), as it would in the sandboxed child.
    """
    convert = getattr(type(request), "child_request", None)
    if callable(convert):
        request = convert(request)
    if isinstance(request, (Script, DeepChain)):
        try:
            value = impl.Value
        except ImplementationError as error:
            return Outcome(error=Failure("ImplementationError", str(error), "load"))
        if isinstance(request, Script):
            return run_script(request, value, files=impl.files)
        return request.run(value, files=impl.files)
    run_module = getattr(request, "run_on_implementation", None)
    if run_module is None:
        raise TypeError(f"cannot evaluate a {type(request).__name__}")
    return run_module(impl)
