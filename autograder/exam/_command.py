"""``micrograd exam --out FILE``: the examples every submission will be judged on, drawn once.

The file is JSON that an instructor can read, diff and commit; ``micrograd grade --exam FILE``, a Gradescope
bundle and the nbgrader course grade on it, so a grade never depends on what Hypothesis draws on the day
(nor on its version). ``--check FILE`` says whether a file is a valid exam for the rubric (the kit's own:
``micrograd exam --check micrograd/spec/exam.json``).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from autograder.grade._exam import exam_examples, load_exam
from autograder.rubric import Rubric, RubricError, load_rubric, rubric_spec
from micrograd.judge import Exam, ExamError, make_exam
from micrograd.spec import SpecError

__all__ = ["HELP", "configure", "make", "run"]

HELP = "draw the graded examples once, into a JSON file that grade, Gradescope and the course judge"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=None, metavar="FILE", help="where to write the exam (JSON)")
    parser.add_argument("--check", type=Path, default=None, metavar="FILE",
                        help="only check that FILE is a valid exam for the rubric (exit 1 if not)")
    parser.add_argument("--rubric", type=Path, default=None, metavar="FILE",
                        help="the rubric it is for: its spec, properties and max_examples (default: every property "
                             "of the kit's spec, the optional exercises' too, 25 examples each)")
    parser.add_argument("--max-examples", type=int, default=None, metavar="N",
                        help="examples per property (default: the rubric's)")
    parser.add_argument("--seed", type=int, default=0, metavar="S",
                        help="draw other examples than the kit's (a private exam); default 0, the kit's")


def make(rubric: Rubric, seed: int = 0, *, every: bool = False) -> Exam:
    """The exam of ``rubric``'s properties (``every``: all of its spec's, the optional exercises' too, as the kit's
    exam holds them so that a rubric switching one on needs no exam of its own), drawn with ``seed``."""
    return make_exam(rubric_spec(rubric.spec), None if every else rubric.property_ids,
                     max_examples=exam_examples(rubric), seed=seed)


def _error(message: str) -> int:
    print(f"micrograd exam: error: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    if (args.out is None) == (args.check is None):
        return _error("give --out FILE (make an exam) or --check FILE (check one)")
    if args.max_examples is not None and args.max_examples < 1:
        return _error(f"--max-examples must be at least 1, got {args.max_examples}")
    if args.seed < 0:
        return _error(f"--seed must be a whole number >= 0, got {args.seed}")
    try:
        rubric = load_rubric(args.rubric)
    except (RubricError, FileNotFoundError, SpecError) as error:
        return _error(str(error))
    if args.max_examples is not None:
        rubric = dataclasses.replace(rubric, max_examples=args.max_examples)
    if args.check is not None:
        try:
            checked = load_exam(args.check, rubric)
        except ExamError as error:
            print(f"micrograd exam: {error}", file=sys.stderr)
            return 1
        print(f"{args.check}: a valid exam ({len(checked.entries)} properties, {checked.max_examples} examples "
              f"each, drawn by Hypothesis {checked.hypothesis}, digest {checked.digest})")
        return 0
    try:
        exam = make(rubric, args.seed, every=args.rubric is None)
        exam.write(args.out)
    except ExamError as error:
        return _error(str(error))
    except OSError as error:
        return _error(f"cannot write {args.out}: {error.strerror or error}")
    print(f"wrote {args.out}: {len(exam.entries)} properties, {exam.max_examples} examples each, digest {exam.digest}")
    return 0
