"""``micrograd grade SUBMISSION... --out DIR``: grade a batch of submissions into a class folder."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import textwrap
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

from autograder.cluster import ClusterError, ClusterExecutor, ClusterLostError
from autograder.grade._batch import grade_batch
from autograder.grade._exam import grading_exam
from autograder.grade._identity import Identity, IdentityError, collect_submissions, identify_all
from autograder.grade._regrade import Regrade, plan_regrade
from autograder.report import OutputError, SubmissionResult, writable, write_outputs
from autograder.rubric import DEFAULT_MAX_EXAMPLES, Rubric, RubricError, load_rubric
from autograder.sandbox import CHOICES, IsolationError, Limits, choose_isolation
from micrograd.judge import Exam, ExamError

__all__ = ["HELP", "Batch", "check_out", "configure", "grade", "prepare_batch", "run", "with_identity"]

HELP = "grade submissions (directories, .zip or .ipynb) in sandboxes: grades.csv, feedback, Gradescope JSON"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("submissions", nargs="+", type=Path, metavar="SUBMISSION",
                        help="a directory with engine.py and nn.py, a .zip holding one, a .ipynb notebook, or a "
                             "Gradescope export's folder (its submission_* folders)")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR",
                        help="the class folder to write the grades into (its parent must exist)")
    again = parser.add_mutually_exclusive_group()
    again.add_argument("--update", action="store_true",
                       help="DIR holds an earlier run: grade these submissions, replace those students, keep the "
                            "others, and rebuild grades.csv and report.html from all")
    again.add_argument("--fresh", action="store_true",
                       help="DIR holds an earlier run: replace the whole class with this one")
    parser.add_argument("--jobs", type=int, default=1, metavar="N", help="submissions graded at once (default 1)")
    parser.add_argument("--timeout", type=float, default=Limits.timeout, metavar="S",
                        help=f"wall seconds for one check (default {Limits.timeout:g}); a submission gets "
                             f"{int(Limits.budget / Limits.timeout)} times that in all")
    parser.add_argument("--memory", type=int, default=Limits.memory_mb, metavar="MB",
                        help=f"memory limit of a submission's process, in MiB (default {Limits.memory_mb})")
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
    parser.add_argument("--cluster", default=None, metavar="ADDRESS",
                        help="grade on the Dask cluster whose scheduler is at ADDRESS (tcp:// or tls://), each "
                             "submission on a worker in its strongest isolation layer; needs the cluster extra")


def check_out(out: Path) -> None:
    """Raise OutputError, naming the path, unless ``out`` is a writable folder or can be made one in a
    folder that exists (a typo in a parent is an error, never a new tree). Checked before grading, so a
    typo never costs a whole batch."""
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out {out} is a file, not a folder: give a folder for the grades")
    parent = out.absolute().parent
    where = out if out.exists() else parent
    if not out.exists():
        existing = next((p for p in (parent, *parent.parents) if p.exists()), None)
        if existing is not None and not existing.is_dir():
            raise OutputError(f"--out {out}: {existing} is a file, not a folder")
        if not parent.is_dir():
            raise OutputError(f"--out {out}: the folder {parent} does not exist: create it first, or check the path")
    if not os.access(where, os.W_OK | os.X_OK):
        raise OutputError(f"--out {out}: cannot write into {where} (permission denied)")


def with_identity(result: SubmissionResult, identity: Identity) -> SubmissionResult:
    """``result`` under the student's id, with their name, the path graded and how they run snippets."""
    return dataclasses.replace(result, student=identity.student, name=identity.name,
                               submission=identity.submission, layout=identity.layout)


@dataclass
class Batch:
    """A batch ready to grade, everything about it checked first: the submissions (a Gradescope export's
    folder stands for its submissions), who each one is, what happens to the earlier run in ``out``, and
    the notes to show before grading (what was skipped, ids told apart)."""

    paths: List[Path]
    identities: List[Identity]
    resolved: List[str]
    regrade: Regrade
    notes: List[str] = field(default_factory=list)
    #: after writing: the students whose own files could not be written, and why
    problems: Dict[str, str] = field(default_factory=dict)
    #: after writing: every student of the class, in grades.csv's order
    everyone: List[SubmissionResult] = field(default_factory=list)


def prepare_batch(submissions: List[Path], out: Path, rubric: Rubric, *, update: bool = False,
                  fresh: bool = False, exam: Optional[Exam] = None) -> Batch:
    """Everything that can go wrong before grading: raises OutputError (``out``, an earlier run there, graded
    with another kit, exam or rubric), IdentityError (a Gradescope export's metadata) or ValueError (nothing
    to grade). ``exam``: the one this run grades with (default: :func:`grading_exam`'s)."""
    check_out(out)
    paths, notes = collect_submissions(submissions)
    if not paths:
        raise ValueError("nothing to grade: " + "; ".join(notes) if notes else "nothing to grade")
    regrade = plan_regrade(out, rubric=rubric, update=update, fresh=fresh, exam=exam)
    identities, told_apart = identify_all(paths)
    resolved = [str(Path(p).resolve()) for p in paths]
    identities = regrade.adopt(identities, resolved)
    return Batch(paths, identities, resolved, regrade, notes + told_apart + regrade.notes)


def grade(submissions: List[Path], out: Path, *, rubric: Optional[Rubric] = None, limits: Optional[Limits] = None,
          jobs: int = 1, progress: Any = None, html: bool = True, isolation: Any = "auto", update: bool = False,
          fresh: bool = False, batch: Optional[Batch] = None, executor: Any = None,
          exam: Optional[Exam] = None) -> List[SubmissionResult]:
    """Grade ``submissions`` and write the class into ``out``; returns the results of the submissions graded,
    in input order (a Gradescope export's folder stands for its submissions).

    Each result is named after its student (:func:`identify_all`: nbgrader layout, Gradescope export,
    or the file name). Raises OutputError before grading when ``out`` cannot be written, or holds an
    earlier run and neither ``update`` (replace these students, keep the others) nor ``fresh`` (replace
    the class) is given, or ``update`` would mix two exams. ``isolation``: ``auto``, ``bwrap``, ``uid``,
    ``none`` or a chosen Isolation. ``exam``: the examples every submission is judged on (default:
    :func:`grading_exam`'s); it is written to ``out/exam.json``, so that the run can be repeated (``--exam``).
    ``batch``: one :func:`prepare_batch` made already. ``executor``: where to grade instead of a local pool
    (:func:`grade_batch`), e.g. a Dask cluster; when it goes away, what was graded is written, then
    ClusterLostError is raised.
    """
    rubric = rubric or load_rubric()
    limits = limits or Limits()
    exam = exam if exam is not None else grading_exam(rubric)
    batch = batch or prepare_batch(submissions, out, rubric, update=update, fresh=fresh, exam=exam)
    try:
        results = grade_batch(batch.paths, rubric, limits, jobs=jobs, on_done=progress, isolation=isolation,
                              executor=executor, exam=exam)
    except ClusterLostError as lost:  # the cluster went away: what was graded is written, then the run stops
        graded = sorted(lost.graded.items())
        _write(batch, [with_identity(r, batch.identities[i]) for i, r in graded],
               [batch.resolved[i] for i, _ in graded], out, html, rubric, exam)
        raise
    results = [with_identity(r, identity) for r, identity in zip(results, batch.identities)]
    _write(batch, results, batch.resolved, out, html, rubric, exam)
    return results


def _write(batch: Batch, results: List[SubmissionResult], resolved: List[str], out: Path, html: bool,
           rubric: Rubric, exam: Exam) -> None:
    """The class after this run into ``out``: the results merged with the earlier run's (``--update``), and
    the exam they were graded on (``out/exam.json``: ``--exam`` repeats the run)."""
    everyone, paths = batch.regrade.merge(results, resolved)
    batch.regrade.clear()
    batch.problems = write_outputs(everyone, out, html_report=html, rubric=rubric, paths=paths)
    batch.everyone = everyone
    try:
        exam.write(out / "exam.json")
    except OSError as error:
        raise OutputError(f"cannot write the exam into {writable(str(out))}: {error.strerror or error}") from None


def _error(message: str) -> int:
    print(f"micrograd grade: error: {writable(message)}", file=sys.stderr)
    return 2


#: the reasons the terminal table shows are cut to this many characters, at a word (grades.csv has them whole)
REASON_WIDTH = 100


def _table(results: List[SubmissionResult], out: Path) -> Any:
    """The terminal's table: each student's id (their folder, and grades.csv's ``student``) and, when it
    differs, their name, so that two students of one name can be told apart."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"Grades ({escape(writable(str(out / 'grades.csv')))})")
    named = any(r.name and r.name != r.student for r in results)
    for column in ("student", *(("name",) if named else ()), "score", "status", "reason"):
        table.add_column(column, overflow="fold" if column == "reason" else "ellipsis")
    for r in results:
        reason = textwrap.shorten(r.reason, REASON_WIDTH, placeholder=" ...") if r.reason else ""
        table.add_row(escape(r.student), *((escape(r.display_name),) if named else ()),
                      f"{r.score:g}/{r.max_score:g}", r.status, escape(reason))
    return table


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

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
        batch = prepare_batch(args.submissions, args.out, rubric, update=args.update, fresh=args.fresh, exam=exam)
        executor = ClusterExecutor(args.cluster, args.isolation, rubric) if args.cluster else None
        isolation: Any = executor or choose_isolation(args.isolation)  # on a cluster, each worker's layer
    except (OutputError, IdentityError, IsolationError, ClusterError, ValueError) as error:
        return _error(str(error))
    console = Console(stderr=True)
    console.print(isolation.describe(), style=None if isolation.isolated else "bold red", highlight=False)
    for note in batch.notes:  # what was skipped, how ids were told apart, what --update does
        console.print(f"[yellow]note:[/] {escape(note)}", highlight=False)
    with Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), console=console) as bar:
        task = bar.add_task("", total=len(batch.paths))

        counts: Counter = Counter()

        def done(result: SubmissionResult) -> None:
            counts[result.status] += 1
            bar.update(task, advance=1, description=", ".join(f"{n} {s}" for s, n in sorted(counts.items())))

        try:
            results = grade(batch.paths, args.out, rubric=rubric, limits=limits, jobs=args.jobs, progress=done,
                            html=not args.no_html, isolation=isolation, batch=batch, executor=executor, exam=exam)
        except (OutputError, ClusterError) as error:
            resume = isinstance(error, ClusterLostError)
            return _error(str(error) + (". Grade those into the same folder with --update" if resume else ""))
        finally:
            if executor is not None:
                executor.close()
    Console().print(_table(results, args.out))
    for note in batch.regrade.said:
        console.print(f"[yellow]note:[/] {escape(note)}", highlight=False)
    Console().print(isolation.describe(), highlight=False)
    if batch.problems:
        for student, problem in batch.problems.items():
            console.print(f"[red]error:[/] {escape(student)}: {escape(problem)}", highlight=False)
        return 1
    return 0
