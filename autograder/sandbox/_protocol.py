"""The wire format between the grader and the sandboxed child: one JSON object per line.

Requests are ``{"kind": ..., "request": request.to_dict()}``; replies are
``{"outcome": outcome.to_dict()}``. Only plain JSON crosses the pipe, and the
parent rebuilds outcomes with the validating ``from_dict`` of their class.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Tuple

from micrograd.program import AdamWOutcome, AdamWProgram, CrossEntropyOutcome, CrossEntropyProgram, Outcome, Program

__all__ = ["decode_request", "encode_request", "kinds", "outcome_class", "request_kind"]


def kinds() -> Dict[str, Tuple[Any, Any]]:
    """kind -> (request class, outcome class) for every request the child understands."""
    table: Dict[str, Tuple[Any, Any]] = {
        "program": (Program, Outcome),
        "cross_entropy": (CrossEntropyProgram, CrossEntropyOutcome),
        "adamw": (AdamWProgram, AdamWOutcome),
    }
    try:
        from micrograd.program._module import ModuleOutcome, ModuleProgram
    except ImportError:  # the module helper is optional until it lands
        pass
    else:
        table["module"] = (ModuleProgram, ModuleOutcome)
    from micrograd.app._wire import StepOutcome, StepRequest  # micrograd app --impl DIR: a training step

    table["app_step"] = (StepRequest, StepOutcome)
    return table


def request_kind(request: Any) -> str:
    for kind, (request_class, _) in kinds().items():
        if isinstance(request, request_class):
            return kind
    raise TypeError(f"the sandbox cannot send a {type(request).__name__}; it sends {', '.join(kinds())}")


def outcome_class(kind: str) -> Any:
    return kinds()[kind][1]


def encode_request(request: Any) -> Tuple[str, bytes]:
    """(kind, one JSON line) for ``request``."""
    kind = request_kind(request)
    line = json.dumps({"kind": kind, "request": request.to_dict()}, separators=(",", ":"))
    return kind, line.encode() + b"\n"


def decode_request(message: Dict[str, Any]) -> Any:
    kind = message.get("kind")
    table = kinds()
    if kind not in table:
        raise ValueError(f"unknown request kind {kind!r}")
    return table[kind][0].from_dict(message["request"])
