"""Hold mutants (or any implementation) against the spec and record what killed them."""

from __future__ import annotations

import re
import statistics
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Union

from micrograd.judge import profile_settings, run_property
from micrograd.mutants._mutant import Mutant, write_mutant
from micrograd.oracles import Oracle
from micrograd.sandbox import local_evaluator
from micrograd.spec import Property
from micrograd.verdict import SpecFailure

__all__ = ["Kill", "KillReport", "SpecOutcome", "counterexample_size", "kill_mutants", "own_exercise_first", "run_spec",
           "size_unit"]


@dataclass
class SpecOutcome:
    """How one implementation fared: ``property`` is the first property that failed (None if all
    passed), with its exercise, the SpecFailure's exercise, summary and hint, the counterexample's
    size in operations, and the time until the verdict."""

    passed: bool
    #: passed, or the status of the first property that did not pass: failed, error or timeout
    status: str = "passed"
    property: Optional[str] = None
    property_exercise: Optional[str] = None
    failure_exercise: Optional[str] = None
    summary: str = ""
    hint: str = ""
    code: str = ""
    size: Optional[int] = None
    #: what ``size`` counts: ``ops`` (engine program) or ``params`` (nn scenario)
    size_unit: str = "ops"
    #: the type of the exception the implementation raised, when the failure is one
    failure_type: Optional[str] = None
    #: what the runner said: the failure's summary, the error, the time limit
    message: str = ""
    seconds: float = 0.0
    #: time from the start of the run to the verdict (what "time to kill" means)
    seconds_to_verdict: float = 0.0
    #: time the deciding property took on its own (generating, failing and shrinking)
    property_seconds: float = 0.0
    properties_run: int = 0


@dataclass
class Kill:
    """One mutant's verdict: ``killed`` when some property failed with a SpecFailure."""

    mutant: str
    exercise: str
    misconception: str
    hint: str
    outcome: SpecOutcome
    #: the phrase the student-facing hint must contain to name this misconception
    feedback: str = ""

    @property
    def hint_matches(self) -> bool:
        """Does the failing property's hint name the mutant's misconception (contain its feedback phrase)?"""
        return bool(self.feedback) and self.feedback.lower() in self.outcome.hint.lower()

    @property
    def killed(self) -> bool:
        return self.outcome.status in ("failed", "timeout")

    @property
    def exercise_matches(self) -> bool:
        """Did the failure name the mutant's own exercise?"""
        return self.outcome.failure_exercise == self.exercise

    def to_dict(self) -> Dict[str, Any]:
        data = {k: v for k, v in asdict(self).items() if k != "outcome"}
        data.update(killed=self.killed, exercise_matches=self.exercise_matches, hint_matches=self.hint_matches,
                    **asdict(self.outcome))
        return data


@dataclass
class KillReport:
    """Every mutant's verdict and the totals."""

    profile: str
    kills: List[Kill] = field(default_factory=list)
    reference: Optional[SpecOutcome] = None

    @property
    def kill_rate(self) -> float:
        return sum(k.killed for k in self.kills) / len(self.kills) if self.kills else 0.0

    def median_size(self, unit: str = "ops") -> Optional[float]:
        """The median counterexample size over killed mutants whose counterexample is in ``unit``."""
        sizes = [k.outcome.size for k in self.kills
                 if k.killed and k.outcome.size is not None and k.outcome.size_unit == unit]
        return statistics.median(sizes) if sizes else None

    @property
    def survivors(self) -> List[str]:
        return [k.mutant for k in self.kills if not k.killed]

    @property
    def mismatches(self) -> List[str]:
        """Killed mutants whose failure names another exercise than the mutant's."""
        return [k.mutant for k in self.kills if k.killed and not k.exercise_matches]

    @property
    def hint_mismatches(self) -> List[str]:
        """Killed mutants whose failure's hint does not name the mutant's misconception."""
        return [k.mutant for k in self.kills if k.killed and not k.hint_matches]

    def to_dict(self) -> Dict[str, Any]:
        return {
            "profile": self.profile,
            "reference": None if self.reference is None else asdict(self.reference),
            "mutants": [k.to_dict() for k in self.kills],
            "totals": {
                "mutants": len(self.kills),
                "killed": sum(k.killed for k in self.kills),
                "kill_rate": self.kill_rate,
                "median_counterexample_ops": self.median_size("ops"),
                "median_counterexample_params": self.median_size("params"),
                "survivors": self.survivors,
                "exercise_mismatches": self.mismatches,
                "hint_mismatches": self.hint_mismatches,
                "seconds": sum(k.outcome.seconds_to_verdict for k in self.kills),
            },
        }


_LEAF = re.compile(r"^\s*\w+\s*=\s*Value\(")
_ASSIGN = re.compile(r"^\s*[A-Za-z_]\w*\s*=\s*\S")
_PARAMS = re.compile(r"^params = \[\n(.*?)^\]", re.MULTILINE | re.DOTALL)
_NUMBER = re.compile(r"-?\d+(?:\.\d*)?(?:e-?\d+)?")


def counterexample_size(failure: SpecFailure) -> Optional[int]:
    """How big a failure's counterexample is (see :func:`size_unit`): for an engine program the
    number of operations (the program's ops when the failure carries it, else the snippet's
    assignments that are not leaves ``x = Value(...)``); for an nn scenario the number of
    parameters it sets. None when the snippet says neither."""
    program = getattr(failure, "program", None)
    ops = getattr(program, "ops", None)
    if ops is not None:
        return len(ops)
    if not failure.code:
        return None
    if size_unit(failure) == "params":
        block = _PARAMS.search(failure.code)
        return None if block is None else len(_NUMBER.findall(block.group(1)))
    lines = [line for line in failure.code.splitlines() if not line.lstrip().startswith(("#", "from ", "import "))]
    return sum(1 for line in lines if _ASSIGN.match(line) and not _LEAF.match(line))


def size_unit(failure: SpecFailure) -> str:
    """``ops`` for an engine counterexample, ``params`` for an nn one (it builds a Neuron, Layer or MLP)."""
    return "params" if "from micrograd.nn import" in failure.code else "ops"


def run_spec(
    directory: Union[str, Path],
    properties: Sequence[Property],
    *,
    oracle: Optional[Oracle] = None,
    timeout: Optional[float] = None,
    first_failure: bool = True,
) -> SpecOutcome:
    """Run ``properties`` on the implementation in ``directory``, in order, until the first
    failure (``first_failure``): a SpecFailure, an error of the spec itself, or a time-out."""
    evaluator = local_evaluator(directory)  # a deep chain runs in the sandbox's plain child
    start = time.perf_counter()
    outcome = SpecOutcome(passed=True)
    for prop in properties:
        chosen, seed = profile_settings(prop)  # Hypothesis draws under the loaded profile
        result = run_property(prop, evaluator, oracle, chosen=chosen, seed=seed, timeout=timeout,
                              fresh=lambda: local_evaluator(directory))  # a failure is confirmed in a fresh load
        outcome.properties_run += 1
        if result.status in ("passed", "skipped"):
            continue
        if outcome.passed:
            outcome.passed = False
            outcome.status = result.status
            outcome.property = prop.id
            outcome.property_exercise = prop.exercise
            outcome.message = result.summary
            failure = result.failure
            if failure is not None:
                outcome.failure_exercise = failure.exercise
                outcome.summary = failure.summary
                outcome.hint = failure.hint
                outcome.code = failure.code
                outcome.size = counterexample_size(failure)
                outcome.size_unit = size_unit(failure)
                outcome.failure_type = None if failure.failure is None else failure.failure.type
            outcome.seconds_to_verdict = time.perf_counter() - start
            outcome.property_seconds = result.seconds
        if first_failure:
            break
    evaluator.close()  # the plain child of the deep chain, if one ran
    outcome.seconds = time.perf_counter() - start
    if outcome.passed:
        outcome.seconds_to_verdict = outcome.seconds
    return outcome


def own_exercise_first(properties: Sequence[Property], exercise: str) -> List[Property]:
    """``properties`` with those of ``exercise`` moved to the front (each group keeps its order)."""
    return [p for p in properties if p.exercise == exercise] + [p for p in properties if p.exercise != exercise]


def kill_mutants(
    mutants: Iterable[Mutant],
    properties: Sequence[Property],
    *,
    oracle: Optional[Oracle] = None,
    timeout: Optional[float] = None,
    workdir: Union[str, Path, None] = None,
    own_first: bool = False,
    progress: Optional[Callable[[Kill], None]] = None,
) -> List[Kill]:
    """Write each mutant into ``workdir`` (default a temporary directory) and run the spec on it,
    in spec order until the first failure; with ``own_first``, the properties of the mutant's own
    exercise run first (a faster kill; the verdict is still "killed" only if some property fails)."""
    kills: List[Kill] = []
    with tempfile.TemporaryDirectory(prefix="micrograd-mutants-") as tmp:
        root = Path(workdir) if workdir is not None else Path(tmp)
        for mutant in mutants:
            directory = write_mutant(mutant, root / mutant.name)
            ordered = own_exercise_first(properties, mutant.exercise) if own_first else properties
            kill = Kill(mutant.name, mutant.exercise, mutant.misconception, mutant.hint,
                        run_spec(directory, ordered, oracle=oracle, timeout=timeout), mutant.feedback)
            kills.append(kill)
            if progress is not None:
                progress(kill)
    return kills
