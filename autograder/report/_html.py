"""report.html: what an instructor reads first about a class.

A students x exercises grid (each cell the score, coloured by how the exercise went, each student
linked to their feedback), every student's first misconception (counted once per student, all of
them listed; the chart shows the most common), the plots, and each student's status and reason. At
the top: how many were graded, by which kit, and in which isolation layer, with a warning when
submissions were not isolated.
"""

from __future__ import annotations

import collections
import html
import urllib.parse
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from autograder.report._figures import NO_PLOTS, figures
from autograder.report._results import ExerciseResult, SubmissionResult
from micrograd.verdict import EXERCISES

__all__ = ["MISCONCEPTIONS_CHARTED", "exercise_status", "first_misconception", "misconceptions", "write_report"]

#: how many misconceptions the chart shows (the table lists them all)
MISCONCEPTIONS_CHARTED = 10

#: how each exercise went, as the grid colours it: (label, background)
STATUS_STYLES = {
    "passing": ("every check passes", "#b7e1b9"),
    "partial": ("some checks fail", "#f7dc8f"),
    "failing": ("every check fails", "#f2a7a0"),
    "not_started": ("not started (NotImplementedError)", "#dddddd"),
    "blocked": ("fails because an earlier exercise does", "#e8d9f0"),
    "timeout": ("a check timed out", "#c8a2c8"),
    "crash": ("the submission's process died", "#b39ddb"),
    "not_run": ("not run: the submission could not be loaded", "#bbbbbb"),
    "interrupted": ("killed from outside the submission: grade it again", "#9ecae1"),
}
_STATUS_ALIASES = {"error": "crash", "skipped": "not_run"}


def exercise_status(result: SubmissionResult, exercise: ExerciseResult) -> str:
    """How ``exercise`` went for ``result``, one of STATUS_STYLES: the result model's own status when it
    says more than the counts do (not started, blocked, interrupted...), else read from the exercise's checks
    (a ``failing`` exercise may be partial, timed out, crashed)."""
    given = str(getattr(exercise, "status", "") or "")
    if given and given != "failing":
        given = _STATUS_ALIASES.get(given, given)
        if given in STATUS_STYLES:
            return given
    checks = [p for p in result.properties if p.exercise == exercise.exercise and p.status != "skipped"]
    failing = [p for p in checks if not p.passed]
    if exercise.total and exercise.passed == exercise.total:
        return "passing"
    if failing and all(p.summary.startswith("not run") for p in failing) and not exercise.passed:
        return "timeout" if any(p.status == "timeout" for p in failing) else "not_run"
    if any(p.status == "timeout" for p in failing):
        return "timeout"
    if any(p.status == "crash" for p in failing):
        return "crash"
    if any(getattr(p, "blocked_by", "") for p in failing) and all(getattr(p, "blocked_by", "") for p in failing):
        return "blocked"
    if failing and all("NotImplementedError" in p.summary for p in failing):
        return "not_started"
    return "partial" if exercise.passed else "failing"


def first_misconception(result: SubmissionResult) -> Optional[Tuple[str, str]]:
    """The student's first misconception: (exercise, hint) of the first check that failed with a hint,
    in the first exercise (in course order) that has one. Later exercises build on earlier ones (an
    MLP that cannot add fails too), so their failures are mostly consequences of the first.
    Timeouts, crashes and checks that did not run are not misconceptions."""
    order = {name: i for i, name in enumerate(EXERCISES)}
    failed = [(order.get(p.exercise, len(order)), i, p) for i, p in enumerate(result.properties)
              if p.status == "failed" and p.hint and not getattr(p, "blocked_by", "")]
    if not failed:
        return None
    first = min(failed, key=lambda item: item[:2])[2]
    return first.exercise, first.hint


def misconceptions(results: Sequence[SubmissionResult],
                   top: Optional[int] = None) -> List[Tuple[Tuple[str, str], int]]:
    """((exercise, hint), students) of a class, the most common first (then in course order): each
    student counts once, for their :func:`first_misconception`. ``top``: only the first so many."""
    order = {name: i for i, name in enumerate(EXERCISES)}
    counter = collections.Counter(m for m in map(first_misconception, results) if m is not None)
    ranked = sorted(counter.items(), key=lambda item: (-item[1], order.get(item[0][0], len(order)), item[0][1]))
    return ranked if top is None else ranked[:top]


def _fmt(x: float) -> str:
    return f"{x:g}"


def _short(x: float) -> str:
    """A score in the grid: two decimals at most (grades.csv and each cell's tooltip have it whole)."""
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _e(text: object) -> str:
    return html.escape(str(text))


def _link(result: SubmissionResult, text: Optional[str] = None) -> str:
    href = html.escape(urllib.parse.quote(result.student) + "/feedback.md")
    return f"<a href='{href}'>{_e(text if text is not None else result.display_name)}</a>"


def _who(result: SubmissionResult) -> str:
    """The student's name and, when it differs, their id (two students may share a name)."""
    if result.name and result.name != result.student:
        return f"{_link(result)} <span class='id'>{_e(result.student)}</span>"
    return _link(result)


def _header(results: Sequence[SubmissionResult], rubric_text: str) -> str:
    statuses = collections.Counter(r.status for r in results)
    summary = ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))
    layers = sorted({r.isolation or "unknown" for r in results})
    kits = sorted({r.kit_version or "unknown" for r in results})
    exams = sorted({r.exam for r in results if r.exam})
    parts = [f"{len(results)} students: {_e(summary)}", f"Isolation: {_e(', '.join(layers))}",
             f"micrograd-kit {_e(', '.join(kits))}"]
    if exams:
        parts.append(f"exam {_e(', '.join(e[:12] for e in exams))}")
    if rubric_text:
        parts.append(_e(rubric_text))
    banner = ""
    exposed = [r for r in results if r.isolation not in ("bwrap", "uid")]
    if exposed:
        banner = (f"<p class='banner'><b>Not isolated:</b> {len(exposed)} of {len(results)} submissions ran with "
                  "<code>--isolation none</code> (or an unknown layer): their code had the grader's rights and could "
                  "read or change any file the grader can, other students' results included. Grade untrusted code "
                  "with bwrap or uid (docs/grading.md).</p>")
    return "<h1>micrograd grades</h1>" + banner + f"<p class='summary'>{' &middot; '.join(parts)}</p>"


def _grid(results: Sequence[SubmissionResult], exercises: Sequence[str], rates: Sequence[float]) -> str:
    legend = "".join(f"<span class='key' style='background:{colour}'>{_e(label)}</span>"
                     for label, colour in STATUS_STYLES.values())
    head = "".join(f"<th class='ex' title='{_e(EXERCISES[e].title if e in EXERCISES else e)}'>{_e(e)}</th>"
                   for e in exercises)
    rows = []
    passing: Dict[str, int] = collections.Counter()
    for r in results:
        by_name = {ex.exercise: ex for ex in r.exercises}
        cells = []
        for name in exercises:
            ex = by_name.get(name)
            if ex is None:
                cells.append("<td></td>")
                continue
            status = exercise_status(r, ex)
            passing[name] += status == "passing"
            label, colour = STATUS_STYLES[status]
            tip = f"{name}: {_fmt(ex.score)} of {_fmt(ex.points)}, {ex.passed} of {ex.total} checks pass ({label})"
            cells.append(f"<td class='cell' style='background:{colour}' title='{_e(tip)}'>{_short(ex.score)}</td>")
        rows.append(f"<tr><th class='who'>{_who(r)}</th>{''.join(cells)}"
                    f"<td class='total' title='{_fmt(r.score)}'>{_short(r.score)}/{_fmt(r.max_score)}</td></tr>")
    foot = "".join(f"<td>{passing[e]}</td>" for e in exercises)
    rate = "".join(f"<td>{r:.0%}</td>" for r in rates)
    return (f"<h2 id='grid'>Students &times; exercises</h2><p class='legend'>{legend}</p>"
            f"<table class='grid'><tr><th>student</th>{head}<th>score</th></tr>{''.join(rows)}"
            f"<tr class='foot'><th>students passing</th>{foot}<td></td></tr>"
            f"<tr class='foot'><th>checks passed</th>{rate}<td></td></tr></table>")


def _misconception_table(results: Sequence[SubmissionResult], common: Sequence[Tuple[Tuple[str, str], int]]) -> str:
    who: Dict[Tuple[str, str], List[SubmissionResult]] = collections.defaultdict(list)
    for r in results:
        found = first_misconception(r)
        if found is not None:
            who[found].append(r)
    if not common:
        rows = "<tr><td colspan='4'>no failing check with a hint</td></tr>"
    else:
        rows = "".join(
            f"<tr><td>{i}</td><td>{_e(ex)}</td><td>{_e(text)}</td><td>{n}</td>"
            f"<td>{', '.join(_link(r) for r in who[(ex, text)])}</td></tr>"
            for i, ((ex, text), n) in enumerate(common, 1))
    return ("<h2 id='misconceptions'>Every first misconception</h2><p>Each student's first misconception: the "
            "hint of their first failing check, in the first exercise (in course order) that fails with a hint, "
            "counted once per student (later exercises build on it). Timeouts, crashes and checks that did not run "
            "are in the grid and the students' table, not here.</p>"
            "<table class='list'><tr><th>#</th><th>exercise</th><th>hint</th><th>students</th><th>who</th></tr>"
            f"{rows}</table>")


def _students(results: Sequence[SubmissionResult]) -> str:
    rows = "".join(
        f"<tr><td>{_link(r, r.student)}</td><td>{_e(r.name if r.name != r.student else '')}</td>"
        f"<td>{_fmt(r.score)}/{_fmt(r.max_score)}</td><td>{_e(r.status)}</td><td>{_e(r.isolation)}</td>"
        f"<td>{_e(r.reason)}</td></tr>" for r in results)
    return ("<h2 id='students'>Students</h2><p>Each id links to the student's feedback.</p><table class='list'>"
            "<tr><th>student</th><th>name</th><th>score</th><th>status</th><th>isolation</th><th>reason</th></tr>"
            f"{rows}</table>")


_STYLE = """body{font-family:sans-serif;max-width:75em;margin:auto;padding:0 1em}
td,th{padding:2px 6px;text-align:left;vertical-align:top}
table.grid{border-collapse:collapse;font-size:13px}table.grid td,table.grid th{border:1px solid #fff;padding:1px 4px}
table.grid th.ex{writing-mode:vertical-rl;transform:rotate(180deg);font-weight:normal;padding:4px 1px}
table.grid td.cell{text-align:center;min-width:2.4em}table.grid th.who{font-weight:normal;white-space:nowrap}
table.grid tr.foot td,table.grid tr.foot th{font-size:small;text-align:center;color:#555}
table.list tr:nth-child(even){background:#f4f4f4}.id{color:#777;font-size:small}
.key{display:inline-block;padding:1px 6px;margin:2px;font-size:small}
.banner{background:#c62828;color:#fff;padding:8px 12px}.summary{color:#333}"""


def write_report(results: Sequence[SubmissionResult], path: Path, rubric_text: str = "") -> None:
    """Write the class report to ``path``: plots when matplotlib is installed, and tables always."""
    exercises = list(dict.fromkeys(ex.exercise for r in results for ex in r.exercises))
    rates = []
    for name in exercises:
        done = [ex.passed / ex.total for r in results for ex in r.exercises if ex.exercise == name and ex.total]
        rates.append(sum(done) / len(done) if done else 0.0)
    every = misconceptions(results)
    charted = every[:MISCONCEPTIONS_CHARTED]
    more = len(every) - len(charted)
    made = figures([r.score for r in results], exercises, rates, charted, more)
    if made is None:
        images = {"Misconceptions": "", "rest": f"<p class='no-plots'>{NO_PLOTS}</p>"}
    else:
        shown = {t: f"<img alt='{t}' src='data:image/png;base64,{data}'>" for t, data in made}
        images = {"Misconceptions": shown.get("Misconceptions", ""),
                  "rest": "<h2>Scores and pass rates</h2>" + shown["Scores"] + shown["Exercises"]}
    if more:
        images["Misconceptions"] += (f"<p class='more'>and {more} more: "
                                     "<a href='#misconceptions'>every misconception</a></p>")
    path.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>micrograd grades</title>"
        f"<style>{_STYLE}</style></head><body>{_header(results, rubric_text)}{_grid(results, exercises, rates)}"
        f"<h2>Most common misconceptions</h2>{images['Misconceptions']}{_misconception_table(results, every)}"
        f"{images['rest']}{_students(results)}</body></html>\n",
        encoding="utf-8",
    )
