"""SpecFailure: what a property raises when an implementation disagrees with the oracles."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from micrograd.program import Failure

__all__ = ["Row", "SpecFailure"]

#: one line of an expected-vs-got table: (what, expected, got)
Row = Tuple[str, str, str]


@dataclass
class SpecFailure(AssertionError):  # noqa: N818 (a verdict, named like Hypothesis's Flaky, not an Error)
    """A property's verdict against an implementation, with everything a student needs.

    ``exercise`` is a key of EXERCISES; ``summary`` one line; ``code`` a runnable snippet
    reproducing it; ``rows`` expected vs got; ``hint`` names the likely misconception;
    ``failure`` is set when the implementation raised instead of answering.
    """

    exercise: str
    summary: str
    code: str = ""
    rows: List[Row] = field(default_factory=list)
    hint: str = ""
    failure: Optional[Failure] = None

    def __post_init__(self) -> None:
        AssertionError.__init__(self, self.summary)

    def __str__(self) -> str:
        parts = [self.summary]
        if self.code:
            code = ["    " + line for line in self.code.rstrip().splitlines()]
            parts += ["", "Counterexample (runnable):", "", *code]
        if self.rows:
            width = max(len(r[0]) for r in self.rows)
            parts += ["", f"    {'':{width}}  expected                  got"]
            parts += [f"    {what:{width}}  {expected:24}  {got}" for what, expected, got in self.rows]
        if self.hint:
            parts += ["", f"Hint: {self.hint}"]
        return "\n".join(parts)

    def to_dict(self) -> Dict[str, Any]:
        return {
            "exercise": self.exercise,
            "summary": self.summary,
            "code": self.code,
            "rows": [list(r) for r in self.rows],
            "hint": self.hint,
            "failure": None if self.failure is None else self.failure.__dict__,
        }
