"""``micrograd grade SUBMISSION... --out DIR``: grade a batch of submissions."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any, List, Optional

from autograder.grade._batch import grade_batch
from autograder.report import SubmissionResult, write_outputs
from autograder.rubric import DEFAULT_MAX_EXAMPLES, Rubric, RubricError, load_rubric
from autograder.sandbox import CHOICES, Isolation, IsolationError, Limits, choose_isolation

__all__ = ["HELP", "configure", "grade", "run"]

HELP = "grade submissions (directories, .zip or .ipynb) in sandboxes: grades.csv, feedback, Gradescope JSON"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("submissions", nargs="+", type=Path, metavar="SUBMISSION",
                        help="a directory with engine.py and nn.py, a .zip holding one, or a .ipynb notebook")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="where to write the grades")
    parser.add_argument("--jobs", type=int, default=1, metavar="N", help="submissions graded at once (default 1)")
    parser.add_argument("--timeout", type=float, default=Limits.timeout, metavar="S",
                        help=f"wall seconds for one check (default {Limits.timeout:g}); a submission gets "
                             f"{int(Limits.budget / Limits.timeout)} times that in all")
    parser.add_argument("--memory", type=int, default=Limits.memory_mb, metavar="MB",
                        help=f"memory limit of a submission's process (default {Limits.memory_mb})")
    parser.add_argument("--rubric", type=Path, default=None, metavar="FILE",
                        help="TOML or JSON rubric (default: every exercise, 1 point, all its properties)")
    parser.add_argument("--max-examples", type=int, default=None, metavar="N",
                        help="Hypothesis examples per property (default: the rubric's max_examples, "
                             f"else {DEFAULT_MAX_EXAMPLES})")
    parser.add_argument("--no-html", action="store_true", help="skip report.html (its plots need matplotlib)")
    parser.add_argument("--isolation", choices=CHOICES, default="auto",
                        help="how submissions are isolated (default auto: the strongest of bwrap, uid, none that "
                             "works here; see docs/grading.md)")


def grade(submissions: List[Path], out: Path, *, rubric: Optional[Rubric] = None, limits: Optional[Limits] = None,
          jobs: int = 1, progress: Any = None, html: bool = True, isolation: Any = "auto") -> List[SubmissionResult]:
    """Grade ``submissions`` and write the outputs into ``out``; returns the results in input order.

    ``isolation``: ``auto``, ``bwrap``, ``uid``, ``none`` or a chosen micrograd.sandbox.Isolation.
    """
    rubric = rubric or load_rubric()
    limits = limits or Limits()
    results = grade_batch(submissions, rubric, limits, jobs=jobs, on_done=progress, isolation=isolation)
    write_outputs(results, out, html_report=html)
    return results


def _error(message: str) -> int:
    print(f"micrograd grade: error: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    if args.jobs < 1:
        return _error(f"--jobs must be at least 1, got {args.jobs}")
    missing = [str(p) for p in args.submissions if not p.exists()]
    if missing:
        return _error(f"no such submission: {', '.join(missing)}")
    try:
        limits = Limits(timeout=args.timeout, budget=max(args.timeout * 24, 60.0), memory_mb=args.memory)
    except ValueError as error:
        return _error(f"{error} (check --timeout and --memory)")
    if args.max_examples is not None and args.max_examples < 1:
        return _error(f"--max-examples must be at least 1, got {args.max_examples}")
    try:
        rubric = load_rubric(args.rubric)
    except (RubricError, FileNotFoundError) as error:
        return _error(str(error))
    if args.max_examples is not None:
        rubric = dataclasses.replace(rubric, max_examples=args.max_examples)
    try:
        isolation: Isolation = choose_isolation(args.isolation)
    except IsolationError as error:
        return _error(str(error))
    console = Console(stderr=True)
    console.print(isolation.describe(), style=None if isolation.isolated else "bold red", highlight=False)
    with Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), console=console) as bar:
        task = bar.add_task("", total=len(args.submissions))

        def done(result: SubmissionResult) -> None:
            bar.update(task, advance=1, description=f"{result.student}: {result.status}")

        results = grade(args.submissions, args.out, rubric=rubric, limits=limits, jobs=args.jobs, progress=done,
                        html=not args.no_html, isolation=isolation)
    table = Table(title=f"Grades ({args.out / 'grades.csv'})")
    for column in ("student", "score", "status", "reason"):
        table.add_column(column)
    for r in results:
        table.add_row(r.student, f"{r.score:g}/{r.max_score:g}", r.status, r.reason[:80])
    Console().print(table)
    Console().print(isolation.describe(), highlight=False)
    return 0
