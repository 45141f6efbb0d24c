"""Show a CheckReport: a rich table for students, or JSON for tools."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Tuple

from rich.console import Console
from rich.markup import escape
from rich.padding import Padding
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from micrograd.check._run import CheckReport, ExerciseResult
from micrograd.impl import student_snippet
from micrograd.testing import PropertyResult
from micrograd.verdict import SpecFailure

__all__ = ["render_json", "render_report", "runnable_code"]

_STYLE = {
    "passing": ("passing", "green"),
    "failing": ("failing", "bold red"),
    "not started": ("not started", "yellow"),
    "error": ("spec error", "bold magenta"),
    "not run": ("not run", "dim"),
    "skipped": ("skipped", "dim"),
}


def runnable_code(code: str, path: Path) -> str:
    """``code`` with ``from micrograd.engine import Value`` (the reference) rewritten to load
    the classes from ``path``, so running it shows what the checked implementation does."""
    return student_snippet(code, str(path))


def render_json(report: CheckReport) -> str:
    data = report.to_dict()
    for exercise in data["exercises"]:  # snippets load the checked code, as in the text report
        for prop in exercise["properties"]:
            if (prop.get("failure") or {}).get("code"):
                prop["failure"]["code"] = runnable_code(prop["failure"]["code"], report.path)
    return json.dumps(data, indent=2)


def render_report(report: CheckReport, console: Console) -> None:
    """The table of exercises, the first failure of each failing one, and a summary line."""
    oracle = f"the {report.oracle} oracle" if report.oracle else "no oracle"
    console.print(
        f"Checking [bold]{escape(str(report.path))}[/] against {escape(oracle)} "
        f"(Hypothesis profile {escape(report.profile)})"
    )
    console.print(_table(report))
    shown: Dict[Tuple[str, str, str], str] = {}  # what a failure showed -> the exercise that showed it
    for verdict in report.exercises:
        if verdict.status in ("failing", "error"):
            _print_failure(verdict, report.path, console, shown)
    _print_next_step(report, console)
    console.print(_summary(report))


def _table(report: CheckReport) -> Table:
    table = Table(show_edge=False, pad_edge=False, box=None, header_style="bold")
    table.add_column("exercise", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("passed", justify="right", no_wrap=True)
    table.add_column("detail", overflow="fold")
    for verdict in report.exercises:
        label, style = _STYLE[verdict.status]
        table.add_row(
            verdict.exercise.name,
            Text(label, style=style),
            f"{verdict.passed}/{verdict.total}",
            _detail(verdict),
        )
    return table


def _detail(verdict: ExerciseResult) -> str:
    problem = verdict.first_problem
    if verdict.status == "skipped":
        return "; ".join(sorted({r.message for r in verdict.results if r.message}))
    if verdict.status == "passing":
        return verdict.exercise.functions
    if verdict.status == "not run":
        return f"the check stopped after the timeout in {verdict.stopped_by}"
    if problem is None:  # pragma: no cover (failing and not started always have a problem)
        return ""
    if verdict.status == "not started":
        stub = verdict.stub
        if stub is None:
            return f"{verdict.exercise.functions}: raises NotImplementedError"
        if stub in verdict.exercise.functions:
            return f"implement {stub}"
        return f"implement {verdict.exercise.functions}; needs {stub} first"
    return _one_line(problem)


def _one_line(result: PropertyResult) -> str:
    if result.status == "failed" and result.failure is not None:
        return result.failure.summary.splitlines()[0] if result.failure.summary else "failed"
    return result.message.splitlines()[0] if result.message else result.status


def _print_failure(
    verdict: ExerciseResult, path: Path, console: Console, shown: Dict[Tuple[str, str, str], str]
) -> None:
    """The first problem of a failing (or spec error) exercise; a failure already shown is only named."""
    problem = verdict.first_problem
    if problem is None:  # pragma: no cover (failing and error exercises always have one)
        return
    name = verdict.exercise.name
    console.rule(f"[bold red]{escape(name)}[/]: {escape(verdict.exercise.title)}", align="left")
    console.print(f"[dim]property {escape(problem.prop.id)}[/]")
    failure = problem.failure
    if problem.status == "error" or failure is None:
        _print_not_a_verdict(problem, console)
        return
    raised = failure.failure.message if problem.load_error and failure.failure is not None else None
    key = ("load", raised, "") if raised is not None else (failure.code, repr(failure.rows), failure.hint)
    if key in shown:  # one bug (or one unloadable file) often fails many exercises the same way: say it once
        first = escape(shown[key])
        if raised is not None:
            console.print(f"Your code cannot be loaded: the same error as {first} above.\n")
        else:
            console.print(f"{escape(failure.summary)}: the same counterexample and hint as {first} above.\n")
        return
    shown[key] = name
    if raised is not None:
        console.print(f"Your code cannot be loaded: [bold]{escape(raised)}[/]")
        console.print("Fix this first: every exercise that needs this file fails until it loads.\n")
        return
    _print_spec_failure(failure, path, console)


def _print_not_a_verdict(problem: PropertyResult, console: Console) -> None:
    """A timeout, or a property that broke (a spec bug)."""
    if problem.status == "timeout":
        console.print(f"timeout: {escape(problem.message)}")
        console.print(
            "The check stopped here: fix the loop, then run it again. "
            "If your code is only slow, not stuck, give it more time with --timeout SECONDS.\n"
        )
    else:
        console.print(f"The check itself broke, not your code: {escape(problem.message)}")
        console.print("Please report this to your instructors with the output of --json.\n")


def _print_spec_failure(failure: SpecFailure, path: Path, console: Console) -> None:
    """SpecFailure's fields, as its str() lays them out, with the snippet loading the checked code."""
    console.print(escape(failure.summary))
    if failure.failure is not None:
        console.print(f"Your code raised [bold]{escape(str(failure.failure))}[/]")
    if failure.code:
        console.print("\nCounterexample (runnable):\n")
        code = runnable_code(failure.code, path).rstrip()
        highlighted = Syntax(code, "python", theme="ansi_dark").highlight(code)
        highlighted.rstrip()
        for line in highlighted.split("\n"):
            console.print(Text("    ") + line)  # indented, no padding: copy-pastes as it is
    if failure.rows:
        console.print("\nExpected vs got:\n")
        console.print(Padding(_rows_table(failure.rows), (0, 0, 0, 4), expand=False))
    if failure.hint:
        console.print(f"\n[bold]Hint:[/] {escape(failure.hint)}")
    console.print()


def _rows_table(rows: List[tuple]) -> Table:
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    table.add_column("")
    table.add_column("expected")
    table.add_column("got")
    for what, expected, got in rows:
        table.add_row(str(what), str(expected), Text(str(got), style="red" if got != expected else ""))
    return table


def _print_next_step(report: CheckReport, console: Console) -> None:
    if any(e.status in ("failing", "error") for e in report.exercises):
        return
    first = next((e for e in report.exercises if e.status == "not started"), None)
    if first is None:
        return
    where = first.stub or first.exercise.functions
    console.print(
        f"\nNext: implement [bold]{escape(where)}[/] in {escape(first.exercise.file)} "
        f"(exercise {escape(first.exercise.name)}: {escape(first.exercise.title)})."
    )


def _summary(report: CheckReport) -> Text:
    counted = report.counted
    labels = {"failing": "failing", "not started": "not started", "error": "with a spec error", "not run": "not run"}
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
