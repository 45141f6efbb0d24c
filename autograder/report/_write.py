"""Write a batch's outputs: grades.csv, STUDENT/results.json, STUDENT/feedback.md, report.html."""

from __future__ import annotations

import base64
import collections
import csv
import html
import io
import textwrap
import urllib.parse
from pathlib import Path
from typing import TYPE_CHECKING, Any, List, Optional, Sequence, Tuple

from autograder.report._results import (
    GradescopeResults,
    GradescopeTest,
    PropertyResult,
    SubmissionResult,
    write_json,
)
from micrograd.impl import IN_NOTEBOOK, student_snippet
from micrograd.verdict import EXERCISES, SpecFailure

if TYPE_CHECKING:
    from autograder.rubric import Rubric

__all__ = [
    "NO_PLOTS",
    "OutputError",
    "exercise_feedback",
    "feedback_markdown",
    "gradescope_results",
    "misconceptions",
    "pass_rate_figure",
    "unique_names",
    "write_outputs",
]


class OutputError(OSError):
    """The outputs cannot be written where asked; the message names the path."""


def unique_names(results: Sequence[SubmissionResult]) -> List[str]:
    """One folder name per result: its student id. Ids must be distinct (``micrograd grade`` makes
    them so, saying how: autograder.grade.identify_all); a repeat is a ValueError, never a silent rename."""
    names = [r.student for r in results]
    repeated = sorted(n for n, count in collections.Counter(names).items() if count > 1)
    if repeated:
        raise ValueError(f"several results have the student id {repeated[0]!r}: give each submission its own id "
                         "(autograder.grade.identify_all does)")
    return names


def _fmt(x: float) -> str:
    return f"{x:g}"


def _snippet(result: SubmissionResult, code: str) -> str:
    """The counterexample as the student runs it: next to their engine.py, or in their notebook."""
    return student_snippet(code, IN_NOTEBOOK if result.layout == "notebook" else ".")


def _property_text(result: SubmissionResult, p: PropertyResult) -> str:
    """The property's id and status, then the failure as a student reads it everywhere else."""
    failure = SpecFailure(p.exercise, p.summary, _snippet(result, p.code) if p.code else "", list(p.rows), p.hint)
    return f"{p.id} ({p.status}): {failure}"


def _root_text(result: SubmissionResult, root: str) -> str:
    """Why checks fail because exercise ``root`` does: its first own failure, counterexample and hint included."""
    cause = next((p for p in result.properties if p.exercise == root and not p.passed and not p.blocked_by), None)
    head = f"These checks fail because exercise {root} fails (the root cause): fix {root} first."
    return head if cause is None else f"{head}\n\n{_property_text(result, cause)}"


def exercise_feedback(result: SubmissionResult, exercise: str) -> str:
    """Every check of ``exercise`` that did not pass, as the student reads it (counterexamples that
    load their own code); a check that fails because an earlier exercise does is listed without a hint of
    its own, after that exercise's failure; empty when all passed."""
    failing = [p for p in result.properties if p.exercise == exercise and not p.passed]
    parts = [_property_text(result, p) for p in failing if not p.blocked_by]
    for root in dict.fromkeys(p.blocked_by for p in failing if p.blocked_by):
        parts.append(_root_text(result, str(root)))
        parts += [f"{p.id} ({p.status}): a consequence of exercise {root}" for p in failing if p.blocked_by == root]
    return "\n\n".join(parts)


def gradescope_results(result: SubmissionResult, rubric: Optional[Rubric] = None) -> GradescopeResults:
    """Gradescope's results.json: one test per exercise, partial credit, failures in ``output``;
    each test's visibility from ``rubric`` (default: visible)."""
    tests = []
    for ex in result.exercises:
        output = exercise_feedback(result, ex.exercise) or f"All {ex.total} checks passed."
        tests.append(GradescopeTest(
            name=f"{ex.exercise}: {ex.title} ({EXERCISES[ex.exercise].functions})",
            score=ex.score,
            max_score=ex.points,
            output=output,
            visibility=rubric.visibility_of(ex.exercise) if rubric is not None else "visible",
            status="passed" if ex.passed == ex.total else "failed",
        ))
    header = f"Status: {result.status}" + (f" ({result.reason})" if result.reason else "")
    return GradescopeResults(score=result.score, tests=tests, output=header, execution_time=result.seconds)


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
    for p in failing:
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
        writer.writerow(["student", "name", "score", "max_score", *exercises, "status", "reason", "submission"])
        for name, r in zip(unique_names(results), results):
            scores = {ex.exercise: _fmt(ex.score) for ex in r.exercises}
            writer.writerow([name, r.display_name, _fmt(r.score), _fmt(r.max_score),
                             *(scores.get(e, "") for e in exercises), r.status, r.reason, r.submission])


def _png(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


#: the line report.html shows instead of its plots when matplotlib is missing
NO_PLOTS = "Plots need matplotlib: <code>pip install matplotlib</code>, then grade again."


def misconceptions(results: Sequence[SubmissionResult], top: int = 10) -> List[Tuple[Tuple[str, str], int]]:
    """The most common ((exercise, hint), students) in a class.

    Each student counts once per hint, for the first exercise (in course order) whose checks failed
    with a hint: later exercises build on earlier ones (an MLP that cannot add fails too), so their
    failures are mostly consequences, not other misconceptions. Timeouts, crashes and checks that
    did not run are not misconceptions (the students table shows them).
    """
    order = {name: i for i, name in enumerate(EXERCISES)}
    counter: collections.Counter = collections.Counter()
    for r in results:
        failed = [p for p in r.properties if p.status == "failed" and p.hint]
        if not failed:
            continue
        first = min(failed, key=lambda p: order.get(p.exercise, len(order))).exercise
        counter.update({(p.exercise, p.hint) for p in failed if p.exercise == first})
    return counter.most_common(top)


def pass_rate_figure(exercises: Sequence[str], rates: Sequence[float]) -> Any:
    """The pass rate per exercise as horizontal bars: one exercise name per row, so the names never
    overlap however many exercises there are (needs matplotlib)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 0.3 * len(exercises) + 1))
    ax.barh(list(exercises)[::-1], list(rates)[::-1], color="#55a868")
    ax.set_xlim(0, 1)
    ax.set_xlabel("fraction of checks passed")
    ax.set_title("Pass rate per exercise")
    return fig


def misconceptions_figure(common: Sequence[Tuple[Tuple[str, str], int]]) -> Any:
    """The most common misconceptions (:func:`misconceptions`) as horizontal bars, the most common at
    the top, one bar per hint, numbered as in the report's table: two hints of one exercise may read
    alike once shortened to fit (needs matplotlib)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    fig, ax = plt.subplots(figsize=(7, 0.4 * len(common) + 1))
    labels = [textwrap.shorten(f"{i}. {ex}: {text}", 70, placeholder="...")
              for i, ((ex, text), _) in enumerate(common, 1)]
    positions = list(range(len(common)))[::-1]
    ax.barh(positions, [n for _, n in common], color="#c44e52")
    ax.set_yticks(positions)
    ax.set_yticklabels(labels)
    ax.set_xlabel("students")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("Most common misconceptions")
    return fig


def _figures(scores: Sequence[float], exercises: Sequence[str], rates: Sequence[float],
             common: Sequence[Tuple[Tuple[str, str], int]]) -> Optional[List[Tuple[str, str]]]:
    """(title, base64 PNG) for each plot; None when matplotlib is not installed."""
    try:
        import matplotlib
    except ImportError:
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figures = []
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.hist(list(scores), bins=min(20, max(5, len(scores))), color="#4c72b0")
    ax.set_xlabel("score")
    ax.set_ylabel("students")
    ax.set_title("Score distribution")
    figures.append(("Scores", _png(fig)))
    figures.append(("Exercises", _png(pass_rate_figure(exercises, rates))))
    if common:
        fig = misconceptions_figure(common)
        figures.append(("Misconceptions", _png(fig)))
    return figures


def _html(results: Sequence[SubmissionResult], path: Path) -> None:
    """The class report: plots when matplotlib is installed, and tables always."""
    exercises = list(dict.fromkeys(ex.exercise for r in results for ex in r.exercises))
    rates = []
    for name in exercises:
        done = [ex.passed / ex.total for r in results for ex in r.exercises if ex.exercise == name and ex.total]
        rates.append(sum(done) / len(done) if done else 0.0)
    common = misconceptions(results)
    figures = _figures([r.score for r in results], exercises, rates, common)
    if figures is None:
        images = f"<p class='no-plots'>{NO_PLOTS}</p>"
    else:
        images = "".join(f"<h2>{t}</h2><img alt='{t}' src='data:image/png;base64,{data}'>" for t, data in figures)
    statuses = collections.Counter(r.status for r in results)
    rows = "".join(
        f"<tr><td><a href='{html.escape(urllib.parse.quote(name))}/feedback.md'>{html.escape(r.display_name)}</a>"
        f"</td><td>{_fmt(r.score)}/{_fmt(r.max_score)}</td>"
        f"<td>{html.escape(r.status)}</td><td>{html.escape(r.reason)}</td></tr>"
        for name, r in zip(unique_names(results), results)
    )
    pass_rates = "".join(
        f"<tr><td>{html.escape(ex)}</td><td>{rate:.0%}</td></tr>" for ex, rate in zip(exercises, rates)
    )
    if common:
        misconception_rows = "".join(
            f"<tr><td>{i}</td><td>{html.escape(ex)}</td><td>{html.escape(text)}</td><td>{n}</td></tr>"
            for i, ((ex, text), n) in enumerate(common, 1)
        )
    else:
        misconception_rows = "<tr><td colspan='4'>no failing check with a hint</td></tr>"
    summary = ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))
    path.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>micrograd grades</title>"
        "<style>body{font-family:sans-serif;max-width:60em;margin:auto}td,th{padding:2px 8px;text-align:left;"
        "vertical-align:top}</style></head><body>"
        f"<h1>micrograd grades</h1><p>{len(results)} submissions: {html.escape(summary)}</p>"
        f"<p>Isolation: {html.escape(', '.join(sorted({r.isolation or 'unknown' for r in results})))}</p>{images}"
        "<h2>Most common misconceptions</h2><p>The hints of each student's first failing exercise, counted once "
        "per student (later exercises build on it; timeouts, crashes and checks that did not run are in the "
        "table below).</p>"
        "<table><tr><th>#</th><th>exercise</th><th>hint</th><th>students</th></tr>"
        f"{misconception_rows}</table>"
        "<h2>Pass rate per exercise</h2><table><tr><th>exercise</th><th>checks passed</th></tr>"
        f"{pass_rates}</table>"
        "<h2>Students</h2><p>Each name links to the student's feedback.</p>"
        f"<table><tr><th>student</th><th>score</th><th>status</th><th>reason</th></tr>{rows}</table>"
        "</body></html>\n",
        encoding="utf-8",
    )


def write_outputs(results: Sequence[SubmissionResult], out: Path, *, html_report: bool = True,
                  rubric: Optional[Rubric] = None) -> None:
    """Write everything into ``out`` (created if needed). Called by the trusted parent after all children are dead.

    Raises OutputError, naming the path, when ``out`` cannot be written (a file, no permission).
    """
    names = unique_names(results)
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, r in zip(names, results):
            folder = out / name
            folder.mkdir(exist_ok=True)
            write_json(gradescope_results(r, rubric), folder / "results.json")
            (folder / "feedback.md").write_text(feedback_markdown(r), encoding="utf-8")
        _csv(results, out / "grades.csv")
        if html_report:
            _html(results, out / "report.html")
    except OSError as error:
        where = error.filename or out
        raise OutputError(f"cannot write the grades into {out}: {where}: {error.strerror or error}") from None
