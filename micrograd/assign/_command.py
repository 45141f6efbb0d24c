"""The ``micrograd assign`` command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from micrograd.assign._generate import AssignError, check_exercises, write_exercises
from micrograd.impl import reference_dir

HELP = "generate ./exercises from the reference (solution regions become stubs)"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source", type=Path, default=None, help="reference directory (default: the kit's reference)")
    parser.add_argument("--out", type=Path, default=None,
                        help="exercises directory (default: ./exercises, as micrograd check)")
    parser.add_argument("--check", action="store_true", help="only check the exercises are up to date; exit 1 if not")
    parser.add_argument("--force", action="store_true",
                        help="overwrite exercise files that differ from what the reference generates (your work!)")


def run(args: argparse.Namespace) -> int:
    source = args.source or reference_dir()
    out = args.out or Path("exercises")
    try:
        if args.check:
            diffs = check_exercises(source, out)
            for diff in diffs:
                sys.stdout.write(diff)
            if diffs:
                print(f"{out} is out of date with {source}: run `micrograd assign` to regenerate it", file=sys.stderr)
                return 1
            print(f"{out} is up to date with {source}")
            return 0
        written = write_exercises(source, out, force=args.force)
        for path in written:
            print(f"wrote {path}")
        if not written:
            print(f"{out} is up to date with {source}")
    except AssignError as error:
        print(f"micrograd assign: {error}", file=sys.stderr)
        return 2
    return 0
