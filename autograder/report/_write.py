"""Write a batch's outputs: grades.csv, STUDENT/results.json, STUDENT/feedback.md, report.html."""

from __future__ import annotations

import base64
import collections
import csv
import html
import io
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from autograder.report._results import (
    GradescopeResults,
    GradescopeTest,
    PropertyResult,
    SubmissionResult,
    write_json,
)
from micrograd.verdict import EXERCISES, SpecFailure

__all__ = ["feedback_markdown", "gradescope_results", "unique_names", "write_outputs"]


def unique_names(results: Sequence[SubmissionResult]) -> List[str]:
    """One directory name per result: the student id, with -2, -3 ... for repeats."""
    seen: Dict[str, int] = {}
    names = []
    for r in results:
        seen[r.student] = seen.get(r.student, 0) + 1
        names.append(r.student if seen[r.student] == 1 else f"{r.student}-{seen[r.student]}")
    return names


def _fmt(x: float) -> str:
    return f"{x:g}"


def _property_text(p: PropertyResult) -> str:
    """The property's id and status, then the failure as a student reads it everywhere else."""
    failure = SpecFailure(p.exercise, p.summary, p.code, list(p.rows), p.hint)
    return f"{p.id} ({p.status}): {failure}"


def gradescope_results(result: SubmissionResult) -> GradescopeResults:
    """Gradescope's results.json: one test per exercise, partial credit, failures in ``output``."""
    tests = []
    for ex in result.exercises:
        failing = [p for p in result.properties if p.exercise == ex.exercise and not p.passed]
        output = "\n\n".join(_property_text(p) for p in failing) or f"All {ex.total} checks passed."
        tests.append(GradescopeTest(
            name=f"{ex.exercise}: {ex.title} ({EXERCISES[ex.exercise].functions})",
            score=ex.score,
            max_score=ex.points,
            output=output,
            status="passed" if ex.passed == ex.total else "failed",
        ))
    header = f"Status: {result.status}" + (f" ({result.reason})" if result.reason else "")
    return GradescopeResults(score=result.score, tests=tests, output=header, execution_time=result.seconds)


def feedback_markdown(result: SubmissionResult) -> str:
    lines = [f"# Feedback for {result.student}", "",
             f"**Score: {_fmt(result.score)} / {_fmt(result.max_score)}** (status: {result.status})", ""]
    if result.reason:
        lines += [f"> {result.reason}", ""]
    lines += ["| exercise | score | checks passed |", "|---|---|---|"]
    for ex in result.exercises:
        lines.append(f"| {ex.exercise} ({ex.title}) | {_fmt(ex.score)} / {_fmt(ex.points)} | {ex.passed}/{ex.total} |")
    failing = [p for p in result.properties if not p.passed]
    if failing:
        lines += ["", "## What to fix", ""]
    for p in failing:
        lines += [f"### {p.exercise}: `{p.id}` ({p.status})", "", p.summary, ""]
        if p.code:
            lines += ["Counterexample (runnable):", "", "```python", p.code.rstrip(), "```", ""]
        if p.rows:
            lines += ["| | expected | got |", "|---|---|---|"]
            lines += [f"| {a} | {b} | {c} |" for a, b, c in p.rows]
            lines.append("")
        if p.hint:
            lines += [f"**Hint:** {p.hint}", ""]
    return "\n".join(lines) + "\n"


def _csv(results: Sequence[SubmissionResult], path: Path) -> None:
    exercises = list(dict.fromkeys(ex.exercise for r in results for ex in r.exercises))
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "score", "max_score", *exercises, "status", "reason"])
        for name, r in zip(unique_names(results), results):
            scores = {ex.exercise: _fmt(ex.score) for ex in r.exercises}
            writer.writerow([name, _fmt(r.score), _fmt(r.max_score), *(scores.get(e, "") for e in exercises),
                             r.status, r.reason])


def _png(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


#: the line report.html shows instead of its plots when matplotlib is missing
NO_PLOTS = "Plots need matplotlib: <code>pip install matplotlib</code>, then grade again."


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
    fig, ax = plt.subplots(figsize=(7, 3))
    ax.bar(list(exercises), list(rates), color="#55a868")
    ax.set_ylim(0, 1)
    ax.set_ylabel("checks passed")
    ax.set_title("Pass rate per exercise")
    ax.tick_params(axis="x", rotation=60)
    figures.append(("Exercises", _png(fig)))
    if common:
        fig, ax = plt.subplots(figsize=(7, 0.4 * len(common) + 1))
        labels = [f"{ex}: {text[:60]}" for (ex, text), _ in common][::-1]
        ax.barh(labels, [n for _, n in common][::-1], color="#c44e52")
        ax.set_xlabel("students x checks")
        ax.set_title("Most common misconceptions")
        figures.append(("Misconceptions", _png(fig)))
    return figures


def _html(results: Sequence[SubmissionResult], path: Path) -> None:
    """The class report: plots when matplotlib is installed, and tables always."""
    exercises = list(dict.fromkeys(ex.exercise for r in results for ex in r.exercises))
    rates = []
    for name in exercises:
        done = [ex.passed / ex.total for r in results for ex in r.exercises if ex.exercise == name and ex.total]
        rates.append(sum(done) / len(done) if done else 0.0)
    counter = collections.Counter(
        (p.exercise, p.hint or p.summary.split(":")[0]) for r in results for p in r.properties
        if p.status in ("failed", "crash", "timeout")
    )
    common = counter.most_common(10)
    figures = _figures([r.score for r in results], exercises, rates, common)
    if figures is None:
        images = f"<p class='no-plots'>{NO_PLOTS}</p>"
    else:
        images = "".join(f"<h2>{t}</h2><img alt='{t}' src='data:image/png;base64,{data}'>" for t, data in figures)
    statuses = collections.Counter(r.status for r in results)
    rows = "".join(
        f"<tr><td>{html.escape(name)}</td><td>{_fmt(r.score)}/{_fmt(r.max_score)}</td>"
        f"<td>{html.escape(r.status)}</td><td>{html.escape(r.reason)}</td></tr>"
        for name, r in zip(unique_names(results), results)
    )
    pass_rates = "".join(
        f"<tr><td>{html.escape(ex)}</td><td>{rate:.0%}</td></tr>" for ex, rate in zip(exercises, rates)
    )
    misconceptions = "".join(
        f"<tr><td>{html.escape(ex)}</td><td>{html.escape(text)}</td><td>{n}</td></tr>" for (ex, text), n in common
    )
    summary = ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))
    path.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>micrograd grades</title>"
        "<style>body{font-family:sans-serif;max-width:60em;margin:auto}td,th{padding:2px 8px;text-align:left}"
        "</style></head><body>"
        f"<h1>micrograd grades</h1><p>{len(results)} submissions: {html.escape(summary)}</p>"
        f"<p>Isolation: {html.escape(', '.join(sorted({r.isolation or 'unknown' for r in results})))}</p>{images}"
        "<h2>Pass rate per exercise</h2><table><tr><th>exercise</th><th>checks passed</th></tr>"
        f"{pass_rates}</table>"
        "<h2>Most common misconceptions</h2><table><tr><th>exercise</th><th>hint</th><th>count</th></tr>"
        f"{misconceptions}</table>"
        f"<h2>Students</h2><table><tr><th>student</th><th>score</th><th>status</th><th>reason</th></tr>{rows}</table>"
        "</body></html>\n",
        encoding="utf-8",
    )


def write_outputs(results: Sequence[SubmissionResult], out: Path, *, html_report: bool = True) -> None:
    """Write everything into ``out`` (created if needed). Called by the trusted parent after all children are dead."""
    out.mkdir(parents=True, exist_ok=True)
    for name, r in zip(unique_names(results), results):
        folder = out / name
        folder.mkdir(exist_ok=True)
        write_json(gradescope_results(r), folder / "results.json")
        (folder / "feedback.md").write_text(feedback_markdown(r), encoding="utf-8")
    _csv(results, out / "grades.csv")
    if html_report:
        _html(results, out / "report.html")
