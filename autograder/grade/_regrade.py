"""Grading into a folder that holds an earlier run: refuse, update some students, or start afresh.

Regrading one late or fixed submission is an everyday task, and the class must survive it:

- without a choice, a run into a folder holding an earlier one refuses before grading, with a
  message that names the choices;
- ``--update`` grades the submissions given, replaces those students (the same submission, or the
  same id) and keeps every other one, then rebuilds grades.csv and report.html from all of them; it
  refuses to mix results graded by another kit, exam or rubric;
- ``--fresh`` removes what earlier runs wrote (and only that) once the new class is graded.

Either way no student's folder is left beside a grades.csv that does not list it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Tuple

from autograder.grade._identity import Identity
from autograder.report import (
    ClassFolderError,
    OutputError,
    SubmissionResult,
    earlier_outputs,
    read_class,
    remove_outputs,
    rubric_digest,
)
from autograder.rubric import Rubric

if TYPE_CHECKING:
    from micrograd.judge import Exam

__all__ = ["Regrade", "current_exam", "plan_regrade"]


def current_exam(rubric: Rubric, exam: Optional[Exam] = None) -> str:
    """The digest of the exam this run grades with: ``exam``'s, else the one :func:`grading_exam` gives the
    rubric (what every result of the run records as its ``exam``)."""
    if exam is None:
        from autograder.grade._exam import grading_exam

        exam = grading_exam(rubric)
    return exam.digest


def _names(results: Sequence[SubmissionResult]) -> str:
    return ", ".join(r.student for r in results) or "none"


@dataclass
class Regrade:
    """What a run does to ``out``: ``mode`` is ``new`` (nothing there), ``update`` (``kept`` are the class's
    results, ``paths`` their submissions, resolved) or ``fresh`` (earlier outputs go). ``notes``: what to say
    before grading; ``said``: what it did, once the class is written."""

    out: Path
    mode: str = "new"
    kept: List[SubmissionResult] = field(default_factory=list)
    paths: Dict[str, str] = field(default_factory=dict)
    notes: List[str] = field(default_factory=list)
    said: List[str] = field(default_factory=list)

    def adopt(self, identities: Sequence[Identity], resolved: Sequence[str]) -> List[Identity]:
        """The new submissions' identities, each under the id the class already gives its student: the one
        graded from the same submission, else the one with the same id without case."""
        by_path = {path: student for student, path in self.paths.items() if path}
        by_id = {r.student.casefold(): r.student for r in self.kept}
        taken = {i.student for i in identities}
        adopted = []
        for identity, path in zip(identities, resolved):
            known = by_path.get(path) or by_id.get(identity.student.casefold())
            if known is not None and known != identity.student and known not in taken:
                taken.discard(identity.student)
                taken.add(known)
                identity = dataclasses.replace(identity, student=known)
            adopted.append(identity)
        return adopted

    def merge(self, results: Sequence[SubmissionResult],
              resolved: Sequence[str]) -> Tuple[List[SubmissionResult], Dict[str, str]]:
        """The class after this run: the kept students in their order, those graded now in their place (new
        ones at the end); notes say who was replaced, added and kept."""
        merged = list(self.kept)
        paths = dict(self.paths)
        where = {r.student: i for i, r in enumerate(merged)}
        replaced: List[SubmissionResult] = []
        added: List[SubmissionResult] = []
        for result, path in zip(results, resolved):
            if result.student in where:
                merged[where[result.student]] = result
                replaced.append(result)
            else:
                merged.append(result)
                added.append(result)
            paths[result.student] = path
        if self.mode == "update":
            kept = [r for r in self.kept if r.student not in {x.student for x in replaced}]
            self.said.append(f"--update: replaced {len(replaced)} ({_names(replaced)}); added {len(added)} "
                              f"({_names(added)}); kept {len(kept)} ({_names(kept)}); {len(merged)} students in "
                              "grades.csv")
        return merged, paths

    def clear(self) -> None:
        """With ``--fresh``: remove what earlier runs wrote, before the new class is written."""
        if self.mode != "fresh":
            return
        left = remove_outputs(self.out)
        if left:
            self.said.append(f"--fresh: kept {', '.join(p.name for p in left)} in {self.out}: they hold files "
                              "micrograd grade did not write")


def _refuse(out: Path, why: str) -> OutputError:
    return OutputError(f"--out {out} {why}")


def plan_regrade(out: Path, *, rubric: Rubric, update: bool = False, fresh: bool = False,
                 kit_version: Optional[str] = None, exam: Optional[Exam] = None) -> Regrade:
    """What to do with the earlier run in ``out``, decided before anything is graded. Raises OutputError
    (naming the choices) when ``out`` holds one and neither ``update`` nor ``fresh`` is given, and when
    ``update`` would mix results graded by another kit, exam (``exam``: this run's, default
    :func:`current_exam`'s) or rubric."""
    from micrograd import __version__

    if update and fresh:
        raise ValueError("--update and --fresh exclude each other: choose one")
    earlier = earlier_outputs(out)
    if not earlier:
        notes = [f"--update: {out} holds no earlier run; graded as a new class"] if update else []
        return Regrade(out, "new", notes=notes)
    if fresh:
        return Regrade(out, "fresh")
    try:
        record = read_class(out)
    except ClassFolderError as error:
        raise OutputError(str(error)) from None
    students = len(record.results) if record is not None else sum(p.is_dir() for p in earlier)
    if not update:
        raise _refuse(out, f"holds an earlier run ({students} students): add --update to grade these submissions, "
                           "replace those students and keep the others, or --fresh to replace the whole class, or "
                           "choose another --out")
    if record is None:
        raise _refuse(out, "holds an earlier run without class.json (from an older kit): --update cannot keep its "
                           "students; grade the whole class again with --fresh")
    kit = kit_version or __version__
    others = {r.kit_version for r in record.results} - {kit}
    if others:
        raise _refuse(out, f"was graded with another kit ({', '.join(sorted(x or 'none' for x in others))}; this run: "
                           f"{kit}): --update never mixes two in one class; grade the whole class again with --fresh")
    if record.rubric != rubric_digest(rubric):
        raise _refuse(out, f"was graded with another rubric than {rubric.source} (points, properties or "
                           "max_examples differ): give the same --rubric and --max-examples, or grade the whole "
                           "class again with --fresh")
    digest = current_exam(rubric, exam)
    others = {r.exam for r in record.results} - {digest}
    if others:
        hint = (f"; the one it was graded with is {out / 'exam.json'}: give it with --exam"
                if (out / "exam.json").is_file() else "")
        raise _refuse(out, f"was graded with another exam ({', '.join(sorted(x or 'none' for x in others))}; this "
                           f"run: {digest}): --update never mixes two in one class{hint}; or grade the whole class "
                           "again with --fresh")
    return Regrade(out, "update", list(record.results), dict(record.paths))
