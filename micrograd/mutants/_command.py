"""``micrograd mutants``: run the spec on every catalogued student bug and report what killed it."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import List, Optional

from micrograd.mutants._catalogue import CATALOGUE
from micrograd.mutants._kill import Kill, KillReport, SpecOutcome

__all__ = ["HELP", "catalogue_table", "configure", "format_report", "run", "write_docs"]

HELP = "run the spec on the catalogue of student-bug mutants: which property kills each, how fast, how small"


def configure(parser: argparse.ArgumentParser) -> None:
    from micrograd.judge import PROFILES

    parser.add_argument("names", nargs="*", metavar="MUTANT", help="mutants to run (default: the whole catalogue)")
    parser.add_argument("--profile", default="ci", choices=list(PROFILES), help="Hypothesis profile (default: ci)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--list", action="store_true", help="list the catalogue (name, exercise, misconception)")
    parser.add_argument("--markdown", action="store_true", help="with --list: as the Markdown table of docs/mutants.md")
    parser.add_argument("--docs", metavar="FILE",
                        help="rewrite the catalogue's table in FILE (docs/mutants.md, between its markers)")
    parser.add_argument("--timeout", type=float, default=120.0, metavar="S",
                        help="time limit per property in seconds (default: 120)")
    parser.add_argument("--no-reference", action="store_true", help="do not check that the reference passes")


def _check_names(names: List[str]) -> Optional[str]:
    unknown = [n for n in names if n not in CATALOGUE]
    if unknown:
        return f"unknown mutant(s) {', '.join(unknown)}; `micrograd mutants --list` shows the catalogue"
    return None


def run(args: argparse.Namespace) -> int:
    if args.docs:
        try:
            write_docs(Path(args.docs))
        except (OSError, ValueError) as error:
            print(f"micrograd mutants: {error}", file=sys.stderr)
            return 2
        print(f"wrote the catalogue's table into {args.docs}")
        return 0
    if args.list and args.markdown:
        print(catalogue_table(), end="")
        return 0
    if args.list:
        for m in CATALOGUE.values():
            print(f"{m.name:34} {m.exercise:12} {m.misconception}")
        return 0
    problem = _check_names(args.names)
    if problem:
        print(f"micrograd mutants: {problem}", file=sys.stderr)
        return 2
    if args.timeout is not None and not args.timeout > 0:
        print("micrograd mutants: --timeout must be a positive number of seconds", file=sys.stderr)
        return 2
    from micrograd.mutants._run import kill_catalogue

    def progress(kill: Kill) -> None:
        if not args.json:
            print(_line(kill), flush=True)

    if not args.json:
        print(f"{'mutant':34} {'result':8} {'size':>4} {'secs':>6}  killed by (exercise named)")
        print(f"{'':34} {'':8} {'':>4} {'':>6}  (size: operations, or parameters with p)")
    report = kill_catalogue(args.names or None, profile_name=args.profile, timeout=args.timeout,
                            reference=not args.no_reference, progress=progress)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print(format_totals(report))
    reference_ok = report.reference is None or report.reference.passed
    return 0 if reference_ok and not report.survivors else 1


def _line(kill: Kill) -> str:
    o = kill.outcome
    result = "killed" if kill.killed else ("ERROR" if o.status == "error" else "SURVIVED")
    size = "-" if o.size is None else f"{o.size}{'p' if o.size_unit == 'params' else ''}"
    by = o.property or "-"
    if o.status == "timeout":
        by += " (timeout)"
    elif o.failure_exercise is not None:
        by += f" ({o.failure_exercise}{'' if kill.exercise_matches else ' != ' + kill.exercise})"
    elif o.status == "error":
        by += f": {o.message}"
    return f"{kill.mutant:34} {result:8} {size:>4} {o.seconds_to_verdict:6.2f}  {by}"


def _reference_line(outcome: SpecOutcome) -> str:
    if outcome.passed:
        return f"reference: passes all {outcome.properties_run} properties ({outcome.seconds:.1f} s)"
    return f"reference: FAILS {outcome.property} ({outcome.status}): {outcome.summary or outcome.message}"


def format_totals(report: KillReport) -> str:
    killed = sum(k.killed for k in report.kills)
    ops, params = report.median_size("ops"), report.median_size("params")
    lines = [
        "",
        f"profile {report.profile}: killed {killed}/{len(report.kills)} ({100 * report.kill_rate:.0f}%), "
        f"median counterexample {'-' if ops is None else f'{ops:g}'} ops (engine), "
        f"{'-' if params is None else f'{params:g}'} parameters (nn), "
        f"{sum(k.outcome.seconds_to_verdict for k in report.kills):.1f} s",
    ]
    if report.survivors:
        lines.append(f"survivors: {', '.join(report.survivors)}")
    if report.mismatches:
        lines.append(f"killed under another exercise: {', '.join(report.mismatches)}")
    if report.reference is not None:
        lines.append(_reference_line(report.reference))
    return "\n".join(lines)


def format_report(report: KillReport) -> str:
    """The whole report as text: one line per mutant, then the totals."""
    return "\n".join([_line(k) for k in report.kills] + [format_totals(report)])


#: the lines around the catalogue's table in docs/mutants.md
TABLE_START = "<!-- the catalogue: `micrograd mutants --docs docs/mutants.md` writes this table -->"
TABLE_END = "<!-- end of the catalogue -->"


def catalogue_table() -> str:
    """The catalogue as a Markdown table: mutant, exercise, misconception, hint (one row per mutant)."""
    rows = ["| mutant | exercise | misconception | hint |", "|---|---|---|---|"]
    rows += [f"| `{m.name}` | {m.exercise} | {m.misconception} | {m.hint} |".replace("\n", " ")
             for m in CATALOGUE.values()]
    return "\n".join(rows) + "\n"


def write_docs(path: Path) -> None:
    """Replace the catalogue's table in ``path`` (between TABLE_START and TABLE_END) with the current one."""
    text = path.read_text(encoding="utf-8")
    start, end = text.find(TABLE_START), text.find(TABLE_END)
    if start < 0 or end < start:
        raise ValueError(f"{path} has no catalogue table: put the lines {TABLE_START!r} and {TABLE_END!r} "
                         "where it goes")
    head = text[:start + len(TABLE_START)]
    path.write_text(f"{head}\n{catalogue_table()}{text[end:]}", encoding="utf-8")

