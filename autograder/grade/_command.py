"""``micrograd grade SUBMISSION... --out DIR``: grade a batch of submissions."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any, List, Optional

from autograder.grade._batch import grade_batch
from autograder.grade._exam import grading_exam
from autograder.grade._identity import Identity, IdentityError, identify_all
from autograder.report import OutputError, SubmissionResult, write_outputs
from autograder.rubric import DEFAULT_MAX_EXAMPLES, Rubric, RubricError, load_rubric
from autograder.sandbox import CHOICES, Isolation, IsolationError, Limits, choose_isolation
from micrograd.judge import Exam, ExamError

__all__ = ["HELP", "check_out", "configure", "grade", "run", "with_identity"]

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
    parser.add_argument("--exam", type=Path, default=None, metavar="FILE",
                        help="the graded examples (micrograd exam --out FILE); default: the kit's when the rubric "
                             "fits it, else made now; either way written to DIR/exam.json")
    parser.add_argument("--no-html", action="store_true", help="skip report.html (its plots need matplotlib)")
    parser.add_argument("--isolation", choices=CHOICES, default="auto",
                        help="how submissions are isolated (default auto: the strongest of bwrap, uid, none that "
                             "works here; see docs/grading.md)")


def check_out(out: Path) -> None:
    """Raise OutputError, naming the path, unless ``out`` is (or can become) a writable folder.
    Checked before grading, so a typo never costs a whole batch."""
    existing = next((p for p in (out, *out.parents) if p.exists()), None)
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out {out} is a file, not a folder: give a folder for the grades")
    if existing is not None and existing != out and not existing.is_dir():
        raise OutputError(f"--out {out}: {existing} is a file, not a folder")
    if existing is not None and not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(f"--out {out}: cannot write into {existing} (permission denied)")


def with_identity(result: SubmissionResult, identity: Identity) -> SubmissionResult:
    """``result`` under the student's id, with their name, the path graded and how they run snippets."""
    return dataclasses.replace(result, student=identity.student, name=identity.name,
                               submission=identity.submission, layout=identity.layout)


def grade(submissions: List[Path], out: Path, *, rubric: Optional[Rubric] = None, limits: Optional[Limits] = None,
          jobs: int = 1, progress: Any = None, html: bool = True, isolation: Any = "auto",
          exam: Optional[Exam] = None) -> List[SubmissionResult]:
    """Grade ``submissions`` and write the outputs into ``out``; returns the results in input order.

    Each result is named after its student (:func:`identify_all`: nbgrader layout, Gradescope export,
    or the file name); raises OutputError before grading when ``out`` cannot be written.
    ``isolation``: ``auto``, ``bwrap``, ``uid``, ``none`` or a chosen micrograd.sandbox.Isolation.
    ``exam``: the examples every submission is judged on (default: :func:`grading_exam`'s); it is written
    to ``out/exam.json``, so that the run can be repeated (``--exam``).
    """
    rubric = rubric or load_rubric()
    limits = limits or Limits()
    check_out(out)
    exam = exam if exam is not None else grading_exam(rubric)
    identities, _ = identify_all(submissions)
    results = grade_batch(submissions, rubric, limits, jobs=jobs, on_done=progress, isolation=isolation, exam=exam)
    results = [with_identity(r, identity) for r, identity in zip(results, identities)]
    write_outputs(results, out, html_report=html, rubric=rubric)
    try:
        exam.write(out / "exam.json")
    except OSError as error:
        raise OutputError(f"cannot write the exam into {out}: {error.strerror or error}") from None
    return results


def _error(message: str) -> int:
    print(f"micrograd grade: error: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.markup import escape
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
        exam = grading_exam(rubric, args.exam)
    except ExamError as error:
        return _error(str(error))
    try:
        check_out(args.out)
        _, notes = identify_all(args.submissions)
        isolation: Isolation = choose_isolation(args.isolation)
    except (OutputError, IdentityError, IsolationError) as error:
        return _error(str(error))
    console = Console(stderr=True)
    console.print(isolation.describe(), style=None if isolation.isolated else "bold red", highlight=False)
    for note in notes:  # two submissions would have had the same folder: say how they were told apart
        console.print(f"[yellow]note:[/] {escape(note)}")
    with Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), console=console) as bar:
        task = bar.add_task("", total=len(args.submissions))

        counts: Counter = Counter()

        def done(result: SubmissionResult) -> None:
            counts[result.status] += 1
            bar.update(task, advance=1, description=", ".join(f"{n} {s}" for s, n in sorted(counts.items())))

        try:
            results = grade(args.submissions, args.out, rubric=rubric, limits=limits, jobs=args.jobs,
                            progress=done, html=not args.no_html, isolation=isolation, exam=exam)
        except OutputError as error:
            return _error(str(error))
    table = Table(title=f"Grades ({args.out / 'grades.csv'})")
    for column in ("student", "score", "status", "reason"):
        table.add_column(column)
    for r in results:
        table.add_row(escape(r.display_name), f"{r.score:g}/{r.max_score:g}", r.status, escape(r.reason[:80]))
    Console().print(table)
    Console().print(isolation.describe(), highlight=False)
    return 0
