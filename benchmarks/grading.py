"""Benchmark: grade a batch of N submissions (correct, buggy, hostile) with ``--jobs`` workers.

    python benchmarks/grading.py [--n 100] [--jobs 2] [--max-examples N] [--timeout 2]

Prints the wall time and the statuses; results are recorded in docs/grading.md.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import resource
import tempfile
import time
from pathlib import Path

from autograder import Limits, grade, load_rubric
from autograder.rubric import DEFAULT_MAX_EXAMPLES, Rubric
from micrograd.impl import reference_dir

# name -> (share of the batch, a regex substitution on the reference engine.py or nn.py)
ENGINE = (reference_dir() / "engine.py").read_text()
NN = (reference_dir() / "nn.py").read_text()

KINDS = {
    "correct": (30, "engine", None, None),
    "add_overwrites_grad": (10, "engine", r"self\.grad \+= out\.grad\n(\s+)other\.grad \+= out\.grad",
                            r"self.grad = out.grad\n\1other.grad = out.grad"),
    "tanh_wrong_derivative": (10, "engine", r"\(1 - out\.data\*\*2\)", "(1 - out.data)"),
    "relu_grad_at_zero": (10, "engine", r"\(out\.data > 0\)", "(self.data >= 0)"),
    "pow_missing_factor": (10, "engine", r"other \* self\.data\*\*\(other - 1\)", "self.data**(other - 1)"),
    "no_root_seed": (10, "engine", r"self\.grad = 1\n", "pass\n"),
    "infinite_loop": (4, "engine", r"(def backward\(self\):\n(\s+)\"\"\"[^\"]*\"\"\"\n)", r"\1\2while True: pass\n"),
    "segfault_at_import": (4, "engine", r"^import math", "import math, ctypes\nctypes.string_at(0)"),
    "syntax_error": (4, "engine", r"def relu\(self\):", "def relu(self:"),
    "memory_bomb": (4, "engine", r"(def exp\(self\):\n)", r"\1        bytearray(8 * 1024 ** 3)\n"),
    "sleep_in_tanh": (4, "engine", r"(def tanh\(self\):\n)", r"\1        import time; time.sleep(60)\n"),
}


def make_batch(root: Path, n: int) -> list:
    total = sum(share for share, *_ in KINDS.values())
    paths = []
    for kind, (share, file, pattern, replacement) in KINDS.items():
        for i in range(max(1, round(n * share / total))):
            folder = root / f"{kind}_{i:02d}"
            folder.mkdir(parents=True)
            engine, nn = ENGINE, NN
            if pattern is not None:
                if file == "engine":
                    engine, count = re.subn(pattern, replacement, engine, count=1, flags=re.M)
                else:
                    nn, count = re.subn(pattern, replacement, nn, count=1, flags=re.M)
                if count != 1:
                    raise SystemExit(f"benchmark patch {kind!r} no longer applies to the reference")
            (folder / "engine.py").write_text(engine)
            (folder / "nn.py").write_text(nn)
            paths.append(folder)
    return paths[:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--max-examples", type=int, default=DEFAULT_MAX_EXAMPLES)
    parser.add_argument("--timeout", type=float, default=2.0)
    args = parser.parse_args()
    base = load_rubric()
    rubric = Rubric(base.rules, base.spec, args.max_examples, base.forbid_imports, "benchmark")
    with tempfile.TemporaryDirectory() as tmp:
        paths = make_batch(Path(tmp) / "submissions", args.n)
        started = time.perf_counter()
        results = grade(paths, Path(tmp) / "out", rubric=rubric,
                        limits=Limits(timeout=args.timeout, budget=max(60.0, 24 * args.timeout)), jobs=args.jobs)
        elapsed = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime
    statuses = collections.Counter(r.status for r in results)
    by_kind = collections.defaultdict(list)
    for r in results:
        by_kind[r.student.rsplit("_", 1)[0]].append(r.score)
    print(f"{len(results)} submissions, {len(rubric.property_ids)} properties, max_examples={args.max_examples}, "
          f"jobs={args.jobs}: {elapsed:.1f} s ({elapsed / len(results):.2f} s per submission)")
    print(f"CPU time of workers and sandboxes: {cpu:.0f} s; load average at the end: {os.getloadavg()[0]:.1f}")
    print("statuses:", dict(statuses))
    for kind, scores in by_kind.items():
        print(f"  {kind:24} scores {sorted(set(scores))} / {rubric.max_score:g}")


if __name__ == "__main__":
    main()
