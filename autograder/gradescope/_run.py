"""Inside Gradescope: grade /autograder/submission and write results.json (``run_autograder`` calls this)."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import List, Optional

__all__ = ["main"]


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="run_autograder")
    parser.add_argument("--submission", type=Path, required=True)
    parser.add_argument("--results", type=Path, required=True)
    parser.add_argument("--rubric", type=Path, default=None)
    parser.add_argument("--timeout", type=float, default=None)
    parser.add_argument("--memory", type=int, default=None)
    args = parser.parse_args(argv)

    from autograder.grade import identify, with_identity
    from autograder.grade._batch import _init_worker, grade_one
    from autograder.report import gradescope_results, write_json
    from autograder.rubric import load_rubric
    from autograder.sandbox import Limits

    rubric = load_rubric(args.rubric)
    defaults = Limits()
    timeout = args.timeout or defaults.timeout
    limits = Limits(timeout=timeout, budget=max(timeout * 24, 60.0), memory_mb=args.memory or defaults.memory_mb)
    _init_worker(rubric)
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "submission"
        import shutil

        shutil.copytree(args.submission, copy, symlinks=False, ignore_dangling_symlinks=True)
        result = grade_one(copy, rubric, limits)
    result = with_identity(result, identify(args.submission))  # snippets as the student runs them
    # every sandboxed process is dead by now: whatever the submission wrote is overwritten here
    args.results.mkdir(parents=True, exist_ok=True)
    write_json(gradescope_results(result, rubric), args.results / "results.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
