"""Show a CheckReport: rich text for students (root causes first), or JSON for tools.

The student's view, top to bottom: what is checked and against what; the failure of each
failing exercise as soon as it is known (in dependency order, so the root cause leads); the
table of every exercise; what to fix first; the summary line. Text from the spec and from the
student's code is never read as rich markup (``[n(x) for n in self.neurons]`` stays as it is).

A counterexample runs as printed, pasted into a fresh Python in the folder where the check ran:
its folder is written relative to there, and its lines are printed as they are, never wrapped,
cropped or indented by rich, whatever the terminal's width (a long line is the terminal's to
scroll or fold on screen; copied, it is one line). The expected-vs-got table is stacked, one value
per line, when it does not fit the terminal.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple, Union

from rich.console import Console
from rich.padding import Padding
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from micrograd.check._run import CheckReport, first_problem
from micrograd.impl import snippet_folder, student_snippet
from micrograd.judge import PROBLEMS, ExerciseResult, PropertyResult, shown_output, stub_of
from micrograd.verdict import EXERCISES, ORACLE_TITLES, SpecFailure

__all__ = ["Renderer", "render_json", "render_report", "runnable_code"]

_STYLE = {
    "passing": ("passing", "green"),
    "failing": ("failing", "bold red"),
    "not_started": ("not started", "yellow"),
    "blocked": ("blocked", "dim yellow"),
    "error": ("spec error", "bold magenta"),
    "not_run": ("not run", "dim"),
    "skipped": ("skipped", "dim"),
    "interrupted": ("interrupted", "bold magenta"),
}


_Cwd = Union[str, Path, None]


def runnable_code(code: str, path: Path, cwd: _Cwd = None) -> str:
    """``code`` with ``from micrograd.engine import Value`` (the reference) rewritten to load
    the classes from ``path``, written relative to ``cwd`` (default: the current directory, where
    the student runs the check and pastes the snippet), so running it there shows what the checked
    implementation does."""
    return student_snippet(code, snippet_folder(path, cwd))


def render_json(report: CheckReport, cwd: _Cwd = None) -> str:
    """The report as JSON; its snippets load the checked code as the text report's do (relative to ``cwd``)."""
    data = report.to_dict()
    for failure in (data["load_failure"], data["nn_failure"]):
        if failure and failure.get("code"):
            failure["code"] = runnable_code(failure["code"], report.path, cwd)
    for exercise in data["exercises"]:
        for prop in exercise["properties"]:
            if prop.get("code"):
                prop["code"] = runnable_code(prop["code"], report.path, cwd)
    return json.dumps(data, indent=2)


def render_report(report: CheckReport, console: Console, cwd: _Cwd = None) -> None:
    """The whole report at once: header, failures (root causes first), table, next step, summary."""
    renderer = Renderer(console, report.path, cwd)
    renderer.header(report.path, report.why, report.oracle, report.profile)
    for verdict in report.exercises:
        renderer.exercise_done(verdict, report.results_of(verdict.exercise))
    renderer.finish(report)


def oracle_title(name: Optional[str]) -> str:
    return ORACLE_TITLES.get(name or "", name or "no oracle")


class Renderer:
    """Prints a check as it runs: ``header``, then ``exercise_done`` for each exercise (a failing
    one's failure is printed at once), then ``finish`` (the table and the summary)."""

    def __init__(self, console: Console, path: Path, cwd: _Cwd = None) -> None:
        self.console = console
        self.path = path
        #: the folder where the snippets run: the current directory when the check started
        self.cwd = Path(cwd) if cwd is not None else Path(os.getcwd())
        #: what a failure showed -> the exercise that showed it, so a repeated one is only named
        self.shown: Dict[Tuple[str, str, str], str] = {}
        self._header: Optional[Text] = None
        self._first: Set[str] = set()  # exercises whose first failure of their own was seen (property_done)
        self._printed: Set[str] = set()  # ... and printed then

    def pending_header(self, path: Path, why: str, oracle: Optional[str], profile: str) -> None:
        """Keep the header to print once the check has started (:meth:`print_header`)."""
        self._header = self._header_line(path, why, oracle, profile)

    def print_header(self) -> None:
        if self._header is not None:
            self.console.print(self._header)
            self._header = None

    def header(self, path: Path, why: str, oracle: Optional[str], profile: str) -> None:
        self.console.print(self._header_line(path, why, oracle, profile))

    @staticmethod
    def _header_line(path: Path, why: str, oracle: Optional[str], profile: str) -> Text:
        line = Text("Checking ")
        line.append(str(path), style="bold")
        if why:
            line.append(f" ({why})")
        line.append(f" against {oracle_title(oracle)} (nn.py: {ORACLE_TITLES['numpy']}), Hypothesis profile {profile}")
        return line

    def property_done(self, result: PropertyResult) -> None:
        """A property's result, once final: an exercise's first failure of its own is printed at once (the
        exercise fails whatever its other properties give, and this is the failure :meth:`exercise_done` shows)."""
        if (result.exercise in self._first or result.blocked_by is not None
                or result.status not in PROBLEMS):
            return
        self._first.add(result.exercise)
        if stub_of(result) is None:  # (a stub's exercise is not started: nothing to print)
            self.print_header()
            self._print_problem(result.exercise, EXERCISES[result.exercise].title, result)
            self._printed.add(result.exercise)

    def exercise_done(self, verdict: ExerciseResult, results: List[PropertyResult]) -> None:
        self.print_header()
        if verdict.status in ("failing", "error", "interrupted") and verdict.exercise not in self._printed:
            self._print_failure(verdict, results)

    def finish(self, report: CheckReport) -> None:
        self.print_header()
        for note in report.notes:  # e.g. a cached exam that was not valid, discarded
            self.console.print(Text(f"note: {note}", style="dim"))
        if report.load_failure is not None:
            self._print_load_failure(report.load_failure, "engine.py")
            self.console.print(_summary(report))
            return
        if report.nn_failure is not None:
            self._print_load_failure(report.nn_failure, "nn.py")
        self.console.print(_table(report))
        _print_next_step(report, self.console)
        self.console.print(_summary(report))

    def _print_load_failure(self, failure: SpecFailure, which: str) -> None:
        self.console.rule(Text(f"{which} cannot be used", style="bold red"), align="left")
        raised = failure.failure
        if raised is not None and raised.type == "ImplementationError":
            self.console.print(Text("Your code cannot be loaded: ") + Text(raised.message, style="bold"))
        else:
            _print_spec_failure(failure, self._folder(), self.console)
        needs = "every exercise needs it" if which == "engine.py" else "the nn exercises need it"
        self.console.print(Text(f"Fix this first: {needs}.\n"))

    def _print_failure(self, verdict: ExerciseResult, results: List[PropertyResult]) -> None:
        """The first problem of a failing (or spec error) exercise; a failure already shown is only named."""
        problem = first_problem(results)
        if problem is None:  # pragma: no cover (failing and error exercises always have one)
            return
        self._print_problem(verdict.exercise, verdict.title, problem)

    def _print_problem(self, name: str, exercise_title: str, problem: PropertyResult) -> None:
        title = Text(f"{name}", style="bold red") + Text(f": {exercise_title}")
        self.console.rule(title, align="left")
        self.console.print(Text(f"property {problem.id}", style="dim"))
        failure = problem.failure
        if problem.status == "error" or failure is None:
            _print_not_a_verdict(problem, self.console, self._folder())
            return
        key = (failure.code, repr(failure.rows), failure.hint)
        if key in self.shown:  # one bug often fails several exercises the same way: say it once
            self.console.print(Text(f"{failure.summary}: the same counterexample and hint as {self.shown[key]} "
                                    "above.\n"))
            return
        self.shown[key] = name
        _print_spec_failure(failure, self._folder(), self.console, output=problem.output)

    def _folder(self) -> str:
        return snippet_folder(self.path, self.cwd)


def _table(report: CheckReport) -> Table:
    table = Table(show_edge=False, pad_edge=False, box=None, header_style="bold")
    table.add_column("exercise", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("passed", justify="right", no_wrap=True)
    table.add_column("detail", overflow="fold")
    statuses = {**report.checked, **{v.exercise: str(v.status) for v in report.exercises}}
    for verdict in report.exercises:
        label, style = _STYLE[verdict.status]
        table.add_row(
            Text(verdict.exercise),
            Text(label, style=style),
            Text(f"{verdict.passed}/{verdict.total}"),
            # Text: spec wording like [n(x) for n in self.neurons] is not markup
            Text(_detail(verdict, report.results_of(verdict.exercise), statuses)),
        )
    return table


def _detail(verdict: ExerciseResult, results: List[PropertyResult], statuses: Optional[Dict[str, str]] = None) -> str:
    problem = first_problem(results)
    if verdict.status == "skipped":
        return "; ".join(sorted({r.summary for r in results if r.summary}))
    if verdict.status == "passing":
        skipped = sorted({r.summary for r in results if r.status == "skipped" and r.summary})
        return verdict.info.functions + (f" (not run here: {'; '.join(skipped)})" if skipped else "")
    if verdict.status == "not_run":
        stopped = f"the check stopped after the timeout in {verdict.stopped_by}" if verdict.stopped_by else ""
        return verdict.reason or stopped or "not run"
    if verdict.status == "blocked":
        blocker = verdict.blocked_by
        own = " (what ran of its own passes)" if verdict.passed else ""
        state = (statuses or {}).get(blocker or "")
        todo = {"not_started": "implement it first", "failing": "fix it first", "error": "a spec error"}.get(
            state or "", "wait for it")
        return f"blocked by {blocker}: {todo}{own}"
    if problem is None:  # pragma: no cover (failing and not started always have a problem)
        return ""
    if verdict.status == "not_started":
        stub = verdict.stub
        return f"implement {stub}" if stub is not None else f"implement {verdict.info.functions}"
    return _one_line(problem)


def _one_line(result: PropertyResult) -> str:
    return result.summary.splitlines()[0] if result.summary else str(result.status)


def _print_not_a_verdict(problem: PropertyResult, console: Console, folder: str = ".") -> None:
    """A timeout (with the input that was running, and what the code printed), or a property that broke
    (a spec bug)."""
    if problem.status == "timeout":
        console.print(Text(f"timeout: {problem.summary}"))
        if problem.code:
            console.print("\nIt was running this input (runnable; it does not finish either):\n")
            _print_code(student_snippet(problem.code, folder), console)
        _print_output(problem.output, console)
        console.print(
            "\nThe check stopped here: fix the loop, then run it again. "
            "If your code is only slow, not stuck, give it more time with --timeout SECONDS.\n"
        )
    elif problem.status == "interrupted":
        console.print(Text(f"interrupted: {problem.summary}"))
        console.print("Something outside your code stopped the check here: run it again.\n")
    else:
        console.print(Text(f"The check itself broke, not your code: {problem.summary}"))
        console.print("Please report this to your instructors with the output of --json.\n")


def _print_spec_failure(failure: SpecFailure, folder: str, console: Console, output: str = "") -> None:
    """SpecFailure's fields, as its str() lays them out, with the snippet loading the checked code
    from ``folder`` (as the student types it where the check runs), and what the code printed while the
    failing example ran (``output``; else what it printed when it raised)."""
    console.print(Text(failure.summary))
    if failure.failure is not None and str(failure.failure) not in failure.summary:
        console.print(Text("Your code raised ") + Text(str(failure.failure), style="bold"))
    if failure.code:
        console.print("\nCounterexample (runnable):\n")
        _print_code(student_snippet(failure.code, folder), console)
    if failure.rows:
        console.print("\nExpected vs got:\n")
        _print_rows(failure.rows, console)
    if failure.hint:
        console.print(Text("\nHint: ", style="bold") + Text(failure.hint))
    _print_output(output or (failure.failure.output if failure.failure is not None else ""), console)
    console.print()


def _print_output(output: str, console: Console) -> None:
    """What the student's code printed while it ran (the sandbox keeps the last part), as plain text."""
    shown = shown_output(output)
    if not shown:
        return
    console.print(Text(f"\n{shown[0]}\n"))
    for line in shown[1:]:
        console.print(Text(line), soft_wrap=True)


def _print_code(code: str, console: Console) -> None:
    """``code`` highlighted, each line exactly as it is: no indent added, never wrapped or cropped
    (``soft_wrap``: a line longer than the terminal is the terminal's to fold on screen), so that
    copying it from any terminal, at any width, gives code that runs."""
    code = code.rstrip()
    highlighted = Syntax(code, "python", theme="ansi_dark").highlight(code)
    highlighted.rstrip()
    for line in highlighted.split("\n"):
        console.print(line, soft_wrap=True)


_INDENT = 4


def _print_rows(rows: List[tuple], console: Console) -> None:
    """The expected-vs-got table, indented; stacked (the row's name, then its expected and its got
    value, each on a line of its own, never wrapped) when the table does not fit the terminal."""
    table = _rows_table(rows)
    if console.measure(table).maximum + _INDENT <= console.width:
        console.print(Padding(table, (0, 0, 0, _INDENT), expand=False))
        return
    pad = " " * _INDENT
    for i, (what, expected, got) in enumerate(rows):
        if i:
            console.print()
        console.print(Text(pad) + Text(str(what), style="bold"), soft_wrap=True)
        console.print(Text(f"{pad}  expected  ") + Text(str(expected)), soft_wrap=True)
        console.print(Text(f"{pad}  got       ") + Text(str(got), style="red" if got != expected else ""),
                      soft_wrap=True)


def _rows_table(rows: List[tuple]) -> Table:
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    table.add_column("", no_wrap=True)
    table.add_column("expected", no_wrap=True)
    table.add_column("got", no_wrap=True)
    for what, expected, got in rows:
        table.add_row(Text(str(what)), Text(str(expected)), Text(str(got), style="red" if got != expected else ""))
    return table


def _print_next_step(report: CheckReport, console: Console) -> None:
    causes = report.root_causes
    if causes:
        line = Text("\nFix first, in this order: ")
        for i, cause in enumerate(causes):
            name = cause.exercise
            blocked = [e.exercise for e in report.blocked_by(name)]
            line.append(", " if i else "")
            line.append(name, style="bold")
            if blocked:
                line.append(f" ({len(blocked)} exercise{'s wait' if len(blocked) > 1 else ' waits'} for it: "
                            f"{', '.join(blocked)})")
        console.print(line + Text("."))
        return
    first_stub = next((e for e in report.exercises if e.status == "not_started"), None)
    if first_stub is None:
        return
    where = first_stub.stub or first_stub.info.functions
    console.print(
        Text("\nNext: implement ") + Text(where, style="bold")
        + Text(f" in {first_stub.info.file} (exercise {first_stub.exercise}: {first_stub.title}).")
    )


def _summary(report: CheckReport) -> Text:
    if report.load_failure is not None:
        text = Text(f"0/{len(report.exercises)} exercises checked: your engine.py cannot be used", style="bold")
        text.append(f" ({report.duration:.1f} s)", style="dim")
        return text
    counted = report.counted
    labels = {"failing": "failing", "not_started": "not started", "blocked": "blocked",
              "error": "with a spec error", "not_run": "not run", "interrupted": "interrupted"}
    counts = {status: sum(e.status == status for e in counted) for status in labels}
    extra = ", ".join(f"{n} {labels[status]}" for status, n in counts.items() if n)
    skipped = len(report.exercises) - len(counted)
    if skipped:
        extra += (", " if extra else "") + f"{skipped} skipped"
    text = Text(f"{len(report.passing)}/{len(counted)} exercises pass", style="bold green" if report.ok else "bold")
    if extra:
        text.append(f" ({extra})")
    text.append(f" in {report.duration:.1f} s", style="dim")
    return text
