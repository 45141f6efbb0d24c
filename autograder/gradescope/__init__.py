"""``micrograd gradescope``: a Gradescope autograder bundle that runs the same sandboxed grader."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder.gradescope._bundle import build_bundle
from autograder.sandbox import Limits

__all__ = ["HELP", "build_bundle", "configure", "run"]

HELP = "build a Gradescope autograder zip (setup.sh, run_autograder) running the sandboxed grader"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=Path("autograder.zip"), metavar="ZIP",
                        help="the bundle to write (default autograder.zip)")
    parser.add_argument("--rubric", type=Path, default=None, metavar="FILE", help="rubric to ship (default: all)")
    parser.add_argument("--timeout", type=float, default=None, metavar="S",
                        help=f"wall seconds for one check (default {Limits.timeout:g}, as micrograd grade)")
    parser.add_argument("--memory", type=int, default=None, metavar="MB",
                        help=f"memory limit of a submission's process, in MiB (default {Limits.memory_mb}, as "
                             "micrograd grade)")
    parser.add_argument("--exam", type=Path, default=None, metavar="FILE",
                        help="the graded examples to ship (micrograd exam --out FILE; default: the kit's when the "
                             "rubric fits it, else made now)")


def run(args: argparse.Namespace) -> int:
    from autograder.rubric import RubricError
    from micrograd.judge import ExamError

    if args.out.is_dir():
        print(f"micrograd gradescope: error: --out {args.out} is a folder: give the .zip file to write",
              file=sys.stderr)
        return 2
    try:
        out = build_bundle(args.out, rubric=args.rubric, timeout=args.timeout, memory_mb=args.memory, exam=args.exam)
    except (RubricError, ExamError, OSError) as error:
        print(f"micrograd gradescope: error: {error}", file=sys.stderr)
        return 2
    print(f"wrote {out}: upload it as the autograder of a Gradescope programming assignment")
    return 0
