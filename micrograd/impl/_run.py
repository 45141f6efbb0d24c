"""Run one request on an implementation, in this process: what every evaluator ends up doing."""

from __future__ import annotations

from typing import Any

from micrograd.impl._loader import Implementation, ImplementationError
from micrograd.program import DeepChain, Failure, Outcome, Program, run_on_value_class

__all__ = ["run_request"]


def run_request(request: Any, impl: Implementation) -> Any:
    """Run one request on an implementation, in this process."""
    if isinstance(request, Program):
        try:
            value = impl.Value
        except ImplementationError as error:
            return Outcome(error=Failure("ImplementationError", str(error), "load"))
        return run_on_value_class(request, value, files=impl.files)
    if isinstance(request, DeepChain):
        try:
            value = impl.Value
        except ImplementationError as error:
            return Outcome(error=Failure("ImplementationError", str(error), "load"))
        return request.run(value, files=impl.files)
    run_module = getattr(request, "run_on_implementation", None)
    if run_module is None:
        raise TypeError(f"cannot evaluate a {type(request).__name__}")
    return run_module(impl)
