"""Inside Gradescope: grade /autograder/submission and write results.json (``run_autograder`` calls this).

The submission runs in the strongest isolation layer available (``--isolation``, or
``MICROGRAD_ISOLATION`` for local tests; on Gradescope, which runs as root in Docker
without CAP_SYS_ADMIN, that is usually ``uid``), and the layer is printed to stdout (which
Gradescope shows to instructors). results.json is written only after the sandbox is
closed: every process of the submission is gone and its files are removed.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import List, Optional

__all__ = ["main"]


def main(argv: Optional[List[str]] = None) -> int:
    from autograder.sandbox import CHOICES

    parser = argparse.ArgumentParser(prog="run_autograder")
    parser.add_argument("--submission", type=Path, required=True)
    parser.add_argument("--results", type=Path, required=True)
    parser.add_argument("--rubric", type=Path, default=None)
    parser.add_argument("--exam", type=Path, default=None)
    parser.add_argument("--timeout", type=float, default=None)
    parser.add_argument("--memory", type=int, default=None)
    parser.add_argument("--isolation", choices=CHOICES, default=os.environ.get("MICROGRAD_ISOLATION", "auto"))
    args = parser.parse_args(argv)

    from autograder.grade import grading_exam, identify, with_identity
    from autograder.grade._batch import _init_worker, grade_one
    from autograder.report import gradescope_results, write_json
    from autograder.rubric import load_rubric
    from autograder.sandbox import IsolationError, Limits, choose_isolation

    try:
        isolation = choose_isolation(args.isolation)
    except IsolationError as error:
        print(f"run_autograder: {error}", file=sys.stderr)
        return 2
    print(isolation.describe(), flush=True)
    rubric = load_rubric(args.rubric)
    exam = grading_exam(rubric, args.exam)  # the bundle's exam: the instructor's examples, whatever is installed
    defaults = Limits()
    timeout = args.timeout or defaults.timeout
    limits = Limits(timeout=timeout, budget=max(timeout * 24, 60.0), memory_mb=args.memory or defaults.memory_mb)
    _init_worker(rubric, exam=exam)  # this process only grades: it adopts and kills orphans
    result = grade_one(args.submission, rubric, limits, isolation, exam=exam)
    result = with_identity(result, identify(args.submission))  # snippets as the student runs them
    # the sandbox is closed: no process of the submission is left, so nothing can overwrite this
    args.results.mkdir(parents=True, exist_ok=True)
    write_json(gradescope_results(result, rubric), args.results / "results.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
