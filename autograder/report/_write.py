"""Write a batch's outputs: STUDENT/results.json, STUDENT/feedback.md, class.json, grades.csv, report.html.

Every text is made writable first (:func:`autograder.report.writable`), and a student whose files
cannot be written (a file system's refusal) costs only that student's files: the others are written,
and grades.csv says what happened.
"""

from __future__ import annotations

import collections
import csv
import dataclasses
import os
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from autograder.report._class import CLASS_FILES, STUDENT_FILES, write_class
from autograder.report._html import write_report
from autograder.report._results import (
    GradescopeResults,
    GradescopeTest,
    PropertyResult,
    SubmissionResult,
    to_json,
)
from autograder.report._text import writable, writable_result
from micrograd.impl import IN_NOTEBOOK, student_snippet
from micrograd.judge import PropertyStatus, shown_output
from micrograd.verdict import EXERCISES, SpecFailure

if TYPE_CHECKING:
    from autograder.rubric import Rubric

__all__ = [
    "OutputError",
    "exercise_feedback",
    "feedback_markdown",
    "gradescope_results",
    "unique_names",
    "write_outputs",
]


class OutputError(OSError):
    """The outputs cannot be written where asked; the message names the path."""


def unique_names(results: Sequence[SubmissionResult]) -> List[str]:
    """One folder name per result: its student id. Ids must be distinct, also without case (``Alice`` and
    ``alice`` are one folder on macOS and Windows), and none may be an output's name (``micrograd grade``
    makes them so, saying how: autograder.grade.identify_all); anything else is a ValueError, never a
    silent rename."""
    names = [r.student for r in results]
    folded = collections.Counter(n.casefold() for n in names)
    repeated = sorted(n for n in names if folded[n.casefold()] > 1)
    if repeated:
        raise ValueError(f"several results have the student id {repeated[0]!r}: give each submission its own id "
                         "(autograder.grade.identify_all does)")
    taken = [n for n in names if n.casefold() in (*CLASS_FILES, *STUDENT_FILES) or not n or n.startswith(".")
             or "/" in n]
    if taken:
        raise ValueError(f"the student id {taken[0]!r} cannot be a folder of the outputs: give the submission another "
                         "id (autograder.grade.identify_all does)")
    return names


def _fmt(x: float) -> str:
    return f"{x:g}"


def _snippet(result: SubmissionResult, code: str) -> str:
    """The counterexample as the student runs it: next to their engine.py, or in their notebook."""
    return student_snippet(code, IN_NOTEBOOK if result.layout == "notebook" else ".")


def _property_text(result: SubmissionResult, p: PropertyResult) -> str:
    """The property's id and status, then the failure as a student reads it everywhere else (with what the
    code printed while the failing example ran)."""
    failure = SpecFailure(p.exercise, p.summary, _snippet(result, p.code) if p.code else "", list(p.rows), p.hint)
    return "\n\n".join([f"{p.id} ({p.status}): {failure}", *_printed(p)])


def _printed(p: PropertyResult) -> List[str]:
    """What the code printed while the failing (or stuck) example ran, as the check shows it: a heading and an
    indented block (plain text whatever the student printed); [] for nothing."""
    if p.status not in (PropertyStatus.FAILED, PropertyStatus.TIMEOUT):
        return []
    shown = shown_output(p.output or (p.raised.output if p.raised is not None else ""))
    return [shown[0], "\n".join("    " + line for line in shown[1:])] if shown else []


def _grouped(failing: Sequence[PropertyResult]) -> List[List[PropertyResult]]:
    """The failing checks in order, those that say only the same thing (no counterexample, no hint: a
    submission that did not load, a budget used up) together, so that it is said once."""
    groups: List[List[PropertyResult]] = []
    bare: Dict[Tuple[str, str], List[PropertyResult]] = {}
    for p in failing:
        if p.code or p.rows or p.hint:
            groups.append([p])
        elif (p.status, p.summary) in bare:
            bare[(p.status, p.summary)].append(p)
        else:
            bare[(p.status, p.summary)] = [p]
            groups.append(bare[(p.status, p.summary)])
    return groups


def _root_text(result: SubmissionResult, root: str) -> str:
    """Why checks fail because exercise ``root`` does: its first own failure, counterexample and hint included."""
    cause = next((p for p in result.properties if p.exercise == root and not p.passed and not p.blocked_by), None)
    head = f"These checks fail because exercise {root} fails (the root cause): fix {root} first."
    return head if cause is None else f"{head}\n\n{_property_text(result, cause)}"


def exercise_feedback(result: SubmissionResult, exercise: str) -> str:
    """Every check of ``exercise`` that did not pass, as the student reads it (counterexamples that
    load their own code; checks that only say the same thing said once); a check that fails because an
    earlier exercise does is listed without a hint of its own, after that exercise's failure; empty when all
    passed."""
    failing = [p for p in result.properties if p.exercise == exercise and not p.passed]
    texts = []
    for group in _grouped([p for p in failing if not p.blocked_by]):
        if len(group) == 1:
            texts.append(_property_text(result, group[0]))
        else:
            texts.append(f"{len(group)} checks ({group[0].status}): {group[0].summary}")
    for root in dict.fromkeys(p.blocked_by for p in failing if p.blocked_by):
        texts.append(_root_text(result, str(root)))
        texts += [f"{p.id} ({p.status}): a consequence of exercise {root}" for p in failing if p.blocked_by == root]
    return "\n\n".join(texts)


def _passed(total: int) -> str:
    if total == 0:
        return "No check of this exercise ran."
    return "Its one check passed." if total == 1 else f"All {total} checks passed."


def gradescope_results(result: SubmissionResult, rubric: Optional[Rubric] = None) -> GradescopeResults:
    """Gradescope's results.json: one test per exercise, partial credit, failures in ``output``;
    each test's visibility from ``rubric`` (default: visible)."""
    tests = []
    for ex in result.exercises:
        output = exercise_feedback(result, ex.exercise) or _passed(ex.total)
        tests.append(GradescopeTest(
            name=f"{ex.exercise}: {ex.title} ({EXERCISES[ex.exercise].functions})",
            score=ex.score,
            max_score=ex.points,
            output=output,
            visibility=rubric.visibility_of(ex.exercise) if rubric is not None else "visible",
            status="passed" if ex.passed == ex.total else "failed",
        ))
    header = f"Status: {result.status}" + (f" ({result.reason})" if result.reason else "")
    extra = {"student": result.student, "status": result.status, "isolation": result.isolation,
             "kit_version": result.kit_version, "exam": result.exam}
    return GradescopeResults(score=result.score, tests=tests, output=header, execution_time=result.seconds,
                             extra_data=extra)


def feedback_markdown(result: SubmissionResult) -> str:
    lines = [f"# Feedback for {result.display_name}", "",
             f"**Score: {_fmt(result.score)} / {_fmt(result.max_score)}** (status: {result.status})", ""]
    if result.reason:
        lines += [f"> {result.reason}", ""]
    lines += ["| exercise | score | checks passed |", "|---|---|---|"]
    for ex in result.exercises:
        lines.append(f"| {ex.exercise} ({ex.title}) | {_fmt(ex.score)} / {_fmt(ex.points)} | {ex.passed}/{ex.total} |")
    failing = [p for p in result.properties if not p.passed and not p.blocked_by]
    following = [p for p in result.properties if not p.passed and p.blocked_by]
    if failing or following:
        lines += ["", "## What to fix", ""]
    where = ("in a new cell at the end of your notebook" if result.layout == "notebook"
             else "in the folder of your engine.py and nn.py")
    for group in _grouped(failing):
        p = group[0]
        if len(group) > 1:
            exercises = ", ".join(dict.fromkeys(q.exercise for q in group))
            said = ("None of them ran, for the reason above." if result.reason and p.summary.endswith(result.reason)
                    else p.summary)
            lines += [f"### {len(group)} checks ({p.status}) of {exercises}", "", said, ""]
            continue
        lines += [f"### {p.exercise}: `{p.id}` ({p.status})", "", p.summary, ""]
        if p.code:
            lines += [f"Counterexample (runnable {where}):", "", "```python", _snippet(result, p.code).rstrip(),
                      "```", ""]
        if p.rows:
            lines += ["| | expected | got |", "|---|---|---|"]
            lines += [f"| {a} | {b} | {c} |" for a, b, c in p.rows]
            lines.append("")
        if p.hint:
            lines += [f"**Hint:** {p.hint}", ""]
        lines += [part for block in _printed(p) for part in (block, "")]
    if following:
        lines += ["## Consequences", "", "These checks fail because an exercise they build on fails (above): fix that "
                  "one first.", ""]
        lines += [f"- {p.exercise}: `{p.id}` ({p.status}), a consequence of exercise {p.blocked_by}" for p in following]
        lines.append("")
    return "\n".join(lines) + "\n"


def _csv(results: Sequence[SubmissionResult], path: Path) -> None:
    exercises = list(dict.fromkeys(ex.exercise for r in results for ex in r.exercises))
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "name", "score", "max_score", *exercises, "status", "reason", "isolation",
                         "submission"])
        for name, r in zip(unique_names(results), results):
            scores = {ex.exercise: _fmt(ex.score) for ex in r.exercises}
            writer.writerow([name, r.display_name, _fmt(r.score), _fmt(r.max_score),
                             *(scores.get(e, "") for e in exercises), r.status, r.reason, r.isolation, r.submission])


def _replace(path: Path, write: Callable[[Path], None]) -> None:
    """Write ``path`` through a hidden file beside it, so that it is never seen half written."""
    partial = path.with_name(f".{path.name}.partial")
    write(partial)
    os.replace(partial, path)


def _student_files(out: Path, name: str, result: SubmissionResult, rubric: Optional[Rubric]) -> None:
    folder = out / name
    folder.mkdir(exist_ok=True)
    (folder / "results.json").write_text(to_json(gradescope_results(result, rubric)), encoding="utf-8")
    (folder / "feedback.md").write_text(feedback_markdown(result), encoding="utf-8")


def write_outputs(results: Sequence[SubmissionResult], out: Path, *, html_report: bool = True,
                  rubric: Optional[Rubric] = None, paths: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """Write everything into ``out`` (created if needed; its parent must exist). Called by the trusted parent
    after all children are dead. ``paths``: each student's submission, resolved, for class.json (a later
    ``--update`` knows it again).

    Returns ``{student: what went wrong}`` for the students whose own files could not be written: the
    other students' files are written, and grades.csv and report.html give that student's reason.
    Raises OutputError, naming the path, when the class's files cannot be written (a file, no permission).
    """
    results = [writable_result(r) for r in results]
    names = unique_names(results)
    try:
        out.mkdir(exist_ok=True)
    except OSError as error:
        raise OutputError(f"cannot write the grades into {out}: {error.strerror or error}") from None
    problems: Dict[str, str] = {}
    for name, r in zip(names, results):
        try:
            _student_files(out, name, r, rubric)
        except (OSError, ValueError) as error:  # UnicodeError is a ValueError
            problems[name] = (f"its feedback.md and results.json could not be written: "
                              f"{getattr(error, 'strerror', None) or error}")
    shown = [dataclasses.replace(r, reason="; ".join(x for x in (r.reason, problems.get(r.student, "")) if x))
             for r in results]
    about = "" if rubric is None else writable(f"rubric: {rubric.source} ({rubric.max_score:g} points)")
    try:
        write_class(out, results, paths, rubric)
        _replace(out / "grades.csv", lambda path: _csv(shown, path))
        if html_report:
            _replace(out / "report.html", lambda path: write_report(shown, path, about))
    except OSError as error:
        where = error.filename or out
        raise OutputError(f"cannot write the grades into {out}: {where}: {error.strerror or error}") from None
    return problems
