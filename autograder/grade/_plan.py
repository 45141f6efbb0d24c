"""The examples of a batch, generated once: every property run on the kit's reference before any submission.

Under the derandomized ``grading`` profile Hypothesis generates the same examples for a property
whatever the implementation, for as long as the implementation passes them (it departs from that
sequence only to shrink a failure). So before a batch is graded, the grading process runs each
property once on the reference (trusted code, in this process), records its examples
(:class:`micrograd.testing.ReplayCache`) and the requests it sent, in order, and hands both to the
grading workers. For every submission, the requests of all its properties go to the sandbox in one
message (:meth:`micrograd.sandbox.SandboxEvaluator.submit`), and each property's body runs on its
recorded examples, served the submission's answers as they come: Hypothesis generates nothing, and
the child computes while the grader judges. When an example fails, Hypothesis runs the property as
it did without the plan: it meets the same failure first and shrinks it the same way, so grades and
counterexamples do not change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

from autograder.rubric import Rubric
from micrograd.testing import Property, ReplayCache

__all__ = ["BatchPlan"]


@dataclass
class BatchPlan:
    """What every submission of a batch is asked, recorded on the reference.

    ``examples``: property id -> the keyword arguments of each example Hypothesis generated (its
    ``impl`` and ``oracle`` left out); ``requests``: property id -> every request the property
    sent while running them, in order (for a property without ``@given``, while running once);
    ``max_examples`` and ``spec``: the rubric's count and spec they were generated with (:meth:`fits`);
    ``seconds``: how long recording took. Properties the reference does not pass are in neither: they
    run as before.
    """

    examples: Dict[str, List[Dict[str, Any]]]
    requests: Dict[str, List[Any]]
    max_examples: Optional[int]
    seconds: float = 0.0
    spec: Optional[str] = None
    _encoded: Dict[str, List[Any]] = field(default_factory=dict, repr=False, compare=False)
    _pickled: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def fits(self, rubric: Rubric) -> bool:
        """Was this plan made for ``rubric``'s spec and example count?"""
        return (self.spec, self.max_examples) == (rubric.spec, rubric.max_examples)

    def replay_cache(self, rubric: Rubric) -> ReplayCache:
        """An in-memory cache of the recorded examples, for :func:`micrograd.testing.run_property`."""
        cache = _memory_cache(rubric)
        cache.update(self.examples)
        return cache

    def encoded(self, prop: Property) -> List[Any]:
        """The requests of ``prop``, each encoded for the sandbox once per process (empty if none)."""
        found = self._encoded.get(prop.id)
        if found is None:
            from micrograd.sandbox import Encoded

            found = self._encoded[prop.id] = [Encoded.of(r) for r in self.requests.get(prop.id, ())]
        return found

    def pickled(self, prop: Property) -> Any:
        """The requests of ``prop`` pickled for the sandbox, once per process (a ``micrograd.sandbox.Pickled``)."""
        found = self._pickled.get(prop.id)
        if found is None:
            from micrograd.sandbox import Pickled

            found = self._pickled[prop.id] = Pickled.of(self.encoded(prop))
        return found

    def __getstate__(self) -> Dict[str, Any]:  # sent to the workers without the encoded requests
        return {"examples": self.examples, "requests": self.requests, "max_examples": self.max_examples,
                "seconds": self.seconds, "spec": self.spec}

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.__init__(**state)  # type: ignore[misc]


def _memory_cache(rubric: Rubric, directory: Optional[Path] = None) -> ReplayCache:
    """A cache for the rubric's spec under the ``grading`` profile: in memory, or read from and kept in
    ``directory``."""
    from micrograd import _paths

    spec = Path(rubric.spec) if rubric.spec else _paths.spec_dir()
    return ReplayCache(spec, "grading", directory, max_examples=rubric.max_examples)
