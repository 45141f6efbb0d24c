"""A failure that depends on the calls made before it, made to reproduce in a fresh process.

The student's code answers every request of a check in one process (the sandbox's child), so state that a
call leaves behind (a mutable default argument such as ``acc=[]``, a class attribute) changes what later calls
give. A counterexample is one call, pasted into a fresh Python: it shows what the failing call gives there,
which is not what the check saw. So, after a property fails (never when it passes: a passing check pays
nothing), :func:`confirm` runs the failing example again alone, in a fresh evaluator (a new child of the
same code). When it fails there the same way, the failure stands as it is. Otherwise the result depended on
earlier calls: the shortest run of the latest earlier requests (found by trying, each in a fresh evaluator)
that makes the example fail again is replayed at the top of the snippet, and the report shows what that
replay gives, which is what the printed snippet prints. When no replay of at most :data:`MAX_REPLAYED` calls
reproduces it, the report says plainly that the result depends on earlier calls and shows no snippet. Either
way, the hint names the misconception: state shared between calls.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import weakref
from typing import Any, Callable, List, Optional, Sequence, Set, Tuple

from micrograd.impl import Evaluator
from micrograd.judge._status import PROBLEMS
from micrograd.verdict import SpecFailure

__all__ = ["MAX_REPLAYED", "SHARED_STATE", "FirstFailures", "Fresh", "Spare", "confirm", "recording",
           "replayed_snippet"]

#: an evaluator of the same code with nothing evaluated yet (a new child); ``close()`` is called after use
Fresh = Callable[[], Evaluator]
#: runs the failing example's body with this evaluator: the SpecFailure it raises, or None when it passes
Rerun = Callable[[Evaluator], Optional[SpecFailure]]

#: the most earlier calls a snippet replays (more, and the report says so instead of showing a long snippet)
MAX_REPLAYED = 3
#: the most fresh evaluators one confirmation starts
_MAX_TRIES = 16
#: how many shorter earlier requests are tried in place of each replayed one
_SMALLER_TRIES = 2
#: how many of its latest requests an evaluator's history keeps
_KEPT = 256
#: what the hint says when a result depends on earlier calls
SHARED_STATE = ("this call gives another result after earlier calls: state is kept between calls (a mutable "
                "default argument such as acc=[] is made once and shared by every call; so is a class "
                "attribute): build new objects inside each call")
_COMMENT = ("# State carried over between calls changes the result below,\n"
            "# so the earlier calls it needs are replayed first\n"
            "# (their output hidden).\n")
_IMPORT = re.compile(r"^(?:import [\w.]+|from [\w.]+ import [^\n]+)$")

_HISTORIES: weakref.WeakKeyDictionary[Any, List[Any]] = weakref.WeakKeyDictionary()


class _Recording:
    """``inner``, with every request it is asked to evaluate appended to ``history`` (everything else forwarded)."""

    def __init__(self, inner: Any, history: List[Any]) -> None:
        self._inner = inner
        self.history = history
        self.name = str(getattr(inner, "name", "implementation"))

    def evaluate(self, request: Any) -> Any:
        self.history.append(request)
        if len(self.history) > _KEPT:
            del self.history[: len(self.history) - _KEPT]
        return self._inner.evaluate(request)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class Spare:
    """A :data:`Fresh` that keeps the next evaluator started ahead (``make`` must start its child without waiting
    for it): the one taken is replaced at once by another, whose child starts and imports the code while the
    caller uses the first. :meth:`start` starts the first ahead of need; :meth:`close` closes the one not taken.
    Not for an evaluator whose idle time would count against a time budget (grading's)."""

    def __init__(self, make: Fresh) -> None:
        self._make = make
        self._next: Optional[Evaluator] = None

    def start(self) -> None:
        if self._next is None:
            self._next = self._make()

    def __call__(self) -> Evaluator:
        taken = self._next if self._next is not None else self._make()
        self._next = None
        with contextlib.suppress(Exception):  # the next one is only a head start: the next call makes its own
            self._next = self._make()
        return taken

    def close(self) -> None:
        spare, self._next = self._next, None
        close = getattr(spare, "close", None)
        if callable(close):
            close()


class FirstFailures:
    """Which properties get ``fresh`` to confirm a failure with: those of an exercise that has not failed yet (its
    first problem, the one the terminal shows), and every one once a confirmation found a failure that needed
    earlier calls (code that keeps state between calls: each later counterexample may need its replay too).
    Code whose first failures reproduce alone starts one child per failing exercise, not one per failure."""

    def __init__(self, fresh: Optional[Fresh]) -> None:
        self.fresh = fresh
        self._failed: Set[str] = set()
        self._stateful = False

    def for_property(self, prop: Any) -> Optional[Fresh]:
        if self.fresh is None or (prop.exercise in self._failed and not self._stateful):
            return None
        return self.fresh

    def saw(self, result: Any) -> None:
        """Note a property's result (one that failed, timed out or crashed is its exercise's first problem)."""
        if result.status in PROBLEMS:
            self._failed.add(result.exercise)
        failure = getattr(result, "failure", None)
        if failure is not None and SHARED_STATE[1:] in (failure.hint or ""):
            self._stateful = True


def recording(impl: Any) -> _Recording:
    """``impl``, recording the requests it evaluates into its history, which outlives this call: the requests of
    the properties run before on the same evaluator (its child) are in it too."""
    try:
        history = _HISTORIES.setdefault(impl, [])
    except TypeError:  # not weakly referable or not hashable: this property's requests alone
        history = []
    return _Recording(impl, history)


class _Replaying:
    """A fresh evaluator that has evaluated ``earlier`` first; then it evaluates what it is asked, counting it."""

    def __init__(self, inner: Any, earlier: Sequence[Any]) -> None:
        self._inner = inner
        self.name = str(getattr(inner, "name", "implementation"))
        self.asked: List[Any] = []
        #: did an earlier call fail (raise, crash)? Its snippet would stop there: not a usable replay
        self.broke = any(_failed(inner.evaluate(request)) for request in earlier)

    def evaluate(self, request: Any) -> Any:
        self.asked.append(request)
        return self._inner.evaluate(request)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _failed(outcome: Any) -> bool:
    return getattr(outcome, "error", None) is not None or getattr(outcome, "failure", None) is not None


def _same(a: SpecFailure, b: SpecFailure) -> bool:
    def key(f: SpecFailure) -> Tuple[Any, ...]:
        raised = None if f.failure is None else (f.failure.type, f.failure.message)
        return f.summary, [tuple(r) for r in f.rows], raised

    return key(a) == key(b)


class _Trials:
    """Runs the failing example in fresh evaluators, each after some earlier requests, at most _MAX_TRIES times."""

    def __init__(self, rerun: Rerun, fresh: Fresh) -> None:
        self.rerun, self.fresh, self.tries = rerun, fresh, 0

    def __call__(self, earlier: Sequence[Any]) -> Tuple[Optional[SpecFailure], List[Any]]:
        """(the failure it gives, or None; the requests the example made) after ``earlier``."""
        self.tries += 1
        evaluator = self.fresh()
        try:
            replaying = _Replaying(evaluator, earlier)
            if replaying.broke:
                return None, replaying.asked
            return self.rerun(replaying), replaying.asked
        finally:
            close = getattr(evaluator, "close", None)
            if callable(close):
                close()

    @property
    def left(self) -> bool:
        return self.tries < _MAX_TRIES


def confirm(failure: SpecFailure, rerun: Rerun, history: Sequence[Any], fresh: Fresh, *,
            own: int = 0) -> Optional[SpecFailure]:
    """None when ``failure`` (what a property raised on its failing example) reproduces in a fresh evaluator;
    else the failure to report instead (see the module docstring). ``rerun`` runs that example's body with a
    given evaluator; ``history`` holds the requests evaluated before, the failing example's last; those from
    index ``own`` on are the property's own (the requests most like the failing one: a replayed call is
    replaced by the shortest of them that still makes it fail)."""
    trial = _Trials(rerun, fresh)
    alone, asked = trial(())
    if alone is not None and _same(alone, failure):
        return None
    if alone is not None:  # it fails alone too, another way: that failure reproduces as printed
        return _naming_shared_state(alone)
    earlier = list(history)
    if asked and len(earlier) >= len(asked) and earlier[-len(asked):] == asked:
        del earlier[-len(asked):]
    found = _shortest(earlier, trial, earlier[own:])
    if found is not None:
        calls, got = found
        code = _code_of(calls)
        if code is not None and len(calls) <= MAX_REPLAYED:
            replayed = _naming_shared_state(got)
            return dataclasses.replace(replayed, code=replayed_snippet(code, got.code))
    return dataclasses.replace(
        _naming_shared_state(failure), code="",
        summary=f"{failure.summary} (only after earlier calls: this call alone, in a fresh process, "
                "gives the right answer, so no snippet of it can show the failure)")


def _shortest(earlier: List[Any], trial: _Trials, alike: List[Any]) -> Optional[Tuple[List[Any], SpecFailure]]:
    """The fewest of the latest ``earlier`` requests after which the example fails, and that failure; None
    when even all of them (or as many as the tries allow) do not make it fail."""
    found: Optional[Tuple[List[Any], SpecFailure]] = None
    size = 1
    while size <= len(earlier) and trial.left:
        got, _ = trial(earlier[-size:])
        if got is not None:
            found = (earlier[-size:], got)
            break
        size = len(earlier) if size < len(earlier) <= 2 * size else 2 * size
    if found is None:
        return None
    calls, got = found
    i = 0
    while len(calls) > 1 and i < len(calls) and trial.left:  # drop what the failure does not need
        fewer = [*calls[:i], *calls[i + 1:]]
        failed, _ = trial(fewer)
        if failed is not None:
            calls, got = fewer, failed
        else:
            i += 1
    return _smaller(calls, got, alike, trial)


def _smaller(calls: List[Any], got: SpecFailure, earlier: List[Any], trial: _Trials
             ) -> Tuple[List[Any], SpecFailure]:
    """``calls`` with each replaced, if it can be, by one of the shortest earlier requests (the snippet is read)."""
    size = {id(r): len(codes[0]) if codes else 10**9 for r in earlier for codes in [_code_of([r]) or []]}
    for i in range(len(calls)):
        shorter = sorted((r for r in earlier if size[id(r)] < size.get(id(calls[i]), 10**9)), key=lambda r: size[id(r)])
        for candidate in shorter[:_SMALLER_TRIES]:
            if not trial.left:
                return calls, got
            instead = [*calls[:i], candidate, *calls[i + 1:]]
            failed, _ = trial(instead)
            if failed is not None:
                calls, got = instead, failed
                break
    return calls, got


def _naming_shared_state(failure: SpecFailure) -> SpecFailure:
    first = SHARED_STATE[:1].upper() + SHARED_STATE[1:]
    return dataclasses.replace(failure, hint=f"{first}. {failure.hint}" if failure.hint else first)


def _code_of(requests: Sequence[Any]) -> Optional[List[str]]:
    codes = []
    for request in requests:
        to_python = getattr(request, "to_python", None)
        try:
            code = str(to_python()) if callable(to_python) else ""
        except Exception:  # noqa: BLE001 (a request that cannot print itself cannot be replayed)
            code = ""
        if not code.strip():
            return None
        codes.append(code)
    return codes


def replayed_snippet(earlier: Sequence[str], final: str) -> str:
    """One snippet: the imports of every part, then ``earlier`` (each a snippet of an earlier call) run with
    their output hidden, under a comment saying why they are there, then ``final`` (the failing call)."""
    imports: List[str] = ["import contextlib", "import io"]
    blocks: List[List[str]] = []
    for code in [*earlier, final]:
        body: List[str] = []
        for line in code.splitlines():
            if _IMPORT.match(line):
                if line not in imports:
                    imports.append(line)
            else:
                body.append(line)
        while body and not body[0].strip():
            body.pop(0)
        blocks.append(body)
    plain = [line for line in imports if line.startswith("import ")]
    kit = [line for line in imports if line.startswith("from ")]
    lines = [*plain, "", *kit, "", *_COMMENT.splitlines(), "with contextlib.redirect_stdout(io.StringIO()):"]
    for k, body in enumerate(blocks[:-1], start=1):
        if k > 1:
            lines.append("")
        lines.append(f"    # earlier call {k}")
        lines += [("    " + line) if line.strip() else "" for line in body]
    lines += ["", *blocks[-1]]
    return "\n".join(lines).rstrip("\n") + "\n"
