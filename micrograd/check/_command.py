"""The ``micrograd check`` command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console

from micrograd.check._render import render_json, render_report
from micrograd.check._run import DEFAULT_PROFILE, DEFAULT_TIMEOUT, CheckError, run_check
from micrograd.oracles import ORACLE_NAMES
from micrograd.testing import PROFILES, Property
from micrograd.verdict import EXERCISES

__all__ = ["HELP", "configure", "run"]

HELP = "check an implementation against the spec, exercise by exercise (default: exercises/)"


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive number of seconds")
    return value


def configure(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        "Exit status: 0 if every exercise passes, 1 if one does not, 2 if the check cannot run. "
        "A stubbed exercise stops at its first property; a property that times out stops the check."
    )
    parser.add_argument(
        "path",
        nargs="?",
        type=Path,
        default=None,
        metavar="PATH",
        help="directory holding your engine.py and nn.py (default: exercises/)",
    )
    parser.add_argument("--json", action="store_true", help="print a machine-readable JSON report instead")
    parser.add_argument(
        "--exercise",
        action="extend",
        nargs="+",
        choices=list(EXERCISES),
        metavar="NAME",
        default=None,
        help=f"check only these exercises ({', '.join(EXERCISES)})",
    )
    parser.add_argument(
        "--oracle",
        choices=ORACLE_NAMES,
        default=None,
        help="what computes the expected values (default: the first installed of torch, jax, fd)",
    )
    parser.add_argument(
        "--profile",
        choices=list(PROFILES),
        default=DEFAULT_PROFILE,
        help=f"Hypothesis profile (default: {DEFAULT_PROFILE}, derandomized so two runs agree)",
    )
    parser.add_argument(
        "--timeout",
        type=_seconds,
        default=DEFAULT_TIMEOUT,
        metavar="S",
        help=f"seconds one property may run before it counts as stuck (default: {DEFAULT_TIMEOUT:g})",
    )
    parser.add_argument(
        "--spec", type=Path, default=None, metavar="DIR", help="spec directory (default: the kit's tests/spec)"
    )


def run(args: argparse.Namespace) -> int:
    progress = _Progress(Console(stderr=True)) if not args.json else None
    try:
        report = run_check(
            args.path,
            spec_dir=args.spec,
            exercises=args.exercise,
            oracle=args.oracle,
            profile=args.profile,
            timeout=args.timeout,
            before=progress.before if progress else None,
        )
    except CheckError as error:
        print(f"micrograd check: {error}", file=sys.stderr)
        return 2
    finally:
        if progress is not None:
            progress.stop()
    if args.json:
        print(render_json(report))
    else:
        render_report(report, _stdout_console())
    return 0 if report.ok else 1


def _stdout_console() -> Console:
    """Rich on stdout; piped to a file or a log, wide enough that table rows do not wrap."""
    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=max(console.width, 140))
    return console


class _Progress:
    """A spinner naming the property being checked, on an interactive stderr only."""

    def __init__(self, console: Console) -> None:
        self.status = console.status("loading the spec") if console.is_terminal else None
        if self.status is not None:
            self.status.start()

    def before(self, prop: Property) -> None:
        if self.status is not None:
            self.status.update(f"checking {prop.exercise}: {prop.name}")

    def stop(self) -> None:
        if self.status is not None:
            self.status.stop()
