"""What every submission of a batch is asked, recorded once on the kit's reference.

Every property runs on the exam's examples (:mod:`micrograd.judge`), whatever the submission; for as long
as a submission passes them, it is asked the requests the reference was asked, in the same order. So before
a batch is graded, the grading process runs each property's exam examples on the reference (trusted code,
in this process), records the requests it sent, and hands them to the grading workers as JSON (data, read
back with each request's validating ``from_dict``; never a pickle). For every submission, the requests of
all its properties go to the sandbox in one message (:meth:`micrograd.sandbox.SandboxEvaluator.submit`),
and each property's body is served the submission's answers as they come: the child computes while the
grader judges. When an example fails, Hypothesis runs as it does without the plan, so grades and
counterexamples do not change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, List

from micrograd.judge import ResultError
from micrograd.judge._codec import decode_value, encode_value
from micrograd.spec import Property

__all__ = ["PLAN_FORMAT", "BatchPlan"]

#: the version of the plan's JSON form
PLAN_FORMAT = 1


@dataclass
class BatchPlan:
    """``requests``: property id -> every request the property sent while running its exam examples on the
    reference, in order (properties the reference does not pass are left out: they run as before);
    ``exam``: the digest of the exam they were recorded with (:meth:`fits`); ``seconds``: how long recording
    took."""

    requests: Dict[str, List[Any]]
    exam: str
    seconds: float = 0.0
    _encoded: Dict[str, List[Any]] = field(default_factory=dict, repr=False, compare=False)
    _pickled: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def fits(self, exam: str) -> bool:
        """Was this plan recorded with the exam of digest ``exam``?"""
        return self.exam == exam

    def encoded(self, prop: Property) -> List[Any]:
        """The requests of ``prop``, each encoded for the sandbox once per process (empty if none)."""
        found = self._encoded.get(prop.id)
        if found is None:
            from micrograd.sandbox import Encoded

            found = self._encoded[prop.id] = [Encoded.of(r) for r in self.requests.get(prop.id, ())]
        return found

    def pickled(self, prop: Property) -> Any:
        """The requests of ``prop`` pickled for the child, once per process (a ``micrograd.sandbox.Pickled``):
        written by the grader, read only by the child, which may trust the grader."""
        found = self._pickled.get(prop.id)
        if found is None:
            from micrograd.sandbox import Pickled

            found = self._pickled[prop.id] = Pickled.of(self.encoded(prop))
        return found

    def to_json(self) -> str:
        """The plan as JSON text, for the grading workers."""
        return json.dumps({"format": PLAN_FORMAT, "exam": self.exam, "seconds": self.seconds,
                           "requests": {pid: [encode_value(r) for r in found] for pid, found in self.requests.items()}},
                          separators=(",", ":"), allow_nan=False)

    @classmethod
    def from_json(cls, text: str) -> BatchPlan:
        """The plan :meth:`to_json` gave; ResultError for anything else (every request checked)."""
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.get("format") != PLAN_FORMAT or type(data.get("exam")) is not str \
                    or type(data.get("seconds")) not in (int, float) or not isinstance(data.get("requests"), dict):
                raise ValueError("not a batch plan of this kit")
            requests = {}
            for pid, found in data["requests"].items():
                if not isinstance(found, list):
                    raise ValueError(f"{pid}: its requests must be a list")
                requests[str(pid)] = [decode_value(r) for r in found]
        except (ValueError, RecursionError) as error:
            raise ResultError(f"the batch's plan cannot be read: {error}") from None
        return cls(requests, data["exam"], float(data["seconds"]))
