"""Benchmark: how long ``micrograd check`` takes, as a student runs it (results in docs/speed.md).

    python benchmarks/check.py                 # 3 repeats of each measurement
    python benchmarks/check.py --repeats 5 --python /path/to/core-only/venv/bin/python
    python benchmarks/check.py --baseline DIR  # and an earlier commit's own benchmark, before and after
                                               # (git archive COMMIT | tar -x -C DIR)

Every run is a fresh process (``python -m micrograd check PATH``), so imports count. By default
torch and jax are blocked in those processes (``sys.modules[name] = None``), as on the default
install (``pip install -e .``: numpy, hypothesis, pytest, rich); ``--with-optional`` leaves them.

Measured:

- ``reference, cold``: the reference (a correct implementation) with an empty cache of recorded
  examples, so Hypothesis generates every example (a first check, or one after the kit changed);
- ``reference, warm``: the same again: the examples recorded by the passing run above are replayed;
- ``exercises/``: the stubs as handed out;
- ``first failure``: a student's bug in backward() (no seed): seconds from the start of the process
  to the end of its first printed failure (the line ``Hint: ...``), with the cache warm.

Every tree is compiled to bytecode first, as a student's installed kit is. Wall seconds, and CPU
seconds (user + system of the check and its children: CPU time is what a
busy, shared machine does not inflate); the load average when each measurement started; the CPU
model, U (see benchmarks/_machine.py) and the Hypothesis version, so that figures can be compared.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from _machine import machine_line  # benchmarks/_machine.py (this script's folder is first on sys.path)

from micrograd.impl import exercises_dir, reference_dir
from micrograd.mutants import CATALOGUE, write_mutant

_BLOCK = "import sys; sys.modules['torch'] = None; sys.modules['jax'] = None\n"
_RUN = "from micrograd.cli import main; sys.exit(main(sys.argv[1:]))\n"


def _command(python: str, path: Path, block: bool) -> List[str]:
    prelude = _BLOCK if block else "import sys\n"
    return [python, "-c", prelude + _RUN, "check", str(path)]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(python: str, path: Path, cache: Path, block: bool) -> Tuple[float, float, int, str]:
    """(wall s, CPU s, exit status, the summary line) of one check of ``path``."""
    env = dict(os.environ, MICROGRAD_CACHE=str(cache), PYTHONUNBUFFERED="1", COLUMNS="160")
    before = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run(_command(python, path, block), capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - start
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr.strip()[-200:]
    return wall, _children_cpu() - before, done.returncode, summary


def first_failure(python: str, path: Path, cache: Path, block: bool) -> Tuple[float, float]:
    """(seconds until the first failure's hint was printed, seconds until the process ended)."""
    env = dict(os.environ, MICROGRAD_CACHE=str(cache), PYTHONUNBUFFERED="1", COLUMNS="160")
    start = time.perf_counter()
    child = subprocess.Popen(_command(python, path, block), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             text=True, env=env)
    seen: Optional[float] = None
    assert child.stdout is not None
    for line in child.stdout:
        if seen is None and line.startswith("Hint:"):
            seen = time.perf_counter() - start
    child.wait()
    total = time.perf_counter() - start
    return (seen if seen is not None else float("nan")), total


def _row(name: str, runs: List[Tuple[float, float, int, str]], load: float) -> str:
    walls = [w for w, _, _, _ in runs]
    cpus = [c for _, c, _, _ in runs]
    status = {s for _, _, s, _ in runs}
    return (f"| {name} | {statistics.median(walls):.2f} ({min(walls):.2f}-{max(walls):.2f}) | "
            f"{statistics.median(cpus):.2f} | {', '.join(map(str, sorted(status)))} | {load:.1f} | {runs[-1][3]} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per measurement (default 3)")
    parser.add_argument("--python", default=sys.executable, help="the interpreter to run the check with")
    parser.add_argument("--with-optional", action="store_true", help="do not block torch and jax")
    parser.add_argument("--baseline", type=Path, default=None, metavar="DIR",
                        help="an earlier commit's tree: its own benchmark runs before and after this one")
    args = parser.parse_args()
    block = not args.with_optional
    _as_a_student_has_it(args.python, args.baseline)
    print(f"machine: {machine_line(args.python)}; {_hypothesis(args.python)}\n")
    if args.baseline is not None:
        _baseline(args.baseline, args.python, args.repeats, "before")
    rows: Dict[str, List[Tuple[float, float, int, str]]] = {}
    loads: Dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-check-") as tmp:
        root = Path(tmp)
        buggy = write_mutant(CATALOGUE["root_not_seeded"], root / "no_seed")
        for i in range(args.repeats):
            cache = root / f"cache-{i}"
            loads.setdefault("reference, cold", os.getloadavg()[0])
            rows.setdefault("reference, cold", []).append(measure(args.python, reference_dir(), cache, block))
            loads.setdefault("reference, warm", os.getloadavg()[0])
            rows.setdefault("reference, warm", []).append(measure(args.python, reference_dir(), cache, block))
        warm = root / f"cache-{args.repeats - 1}"
        for _ in range(args.repeats):
            loads.setdefault("exercises/ (stubs)", os.getloadavg()[0])
            rows.setdefault("exercises/ (stubs)", []).append(measure(args.python, exercises_dir(), warm, block))
        firsts = []
        for _ in range(args.repeats):
            loads.setdefault("first failure", os.getloadavg()[0])
            firsts.append(first_failure(args.python, buggy, warm, block))
        shutil.rmtree(warm, ignore_errors=True)
    print(f"python {args.python}; torch and jax {'blocked' if block else 'allowed'}; {os.cpu_count()} CPUs\n")
    print("| run | wall s, median (min-max) | CPU s, median | exit | load | last line |")
    print("|---|---:|---:|---|---:|---|")
    for name, runs in rows.items():
        print(_row(name, runs, loads[name]))
    seen = [s for s, _ in firsts]
    totals = [t for _, t in firsts]
    print(f"\nfirst failure (no seed in backward()): printed after {statistics.median(seen):.2f} s "
          f"({min(seen):.2f}-{max(seen):.2f}), whole check {statistics.median(totals):.2f} s; "
          f"load {loads['first failure']:.1f}")
    if args.baseline is not None:
        _baseline(args.baseline, args.python, args.repeats, "after")
    print(f"\nmachine at the end: {machine_line(args.python)}")


def _as_a_student_has_it(python: str, baseline: Optional[Path]) -> None:
    """A student's Python keeps the bytecode of the kit it imports: compile every tree measured once, untimed,
    and let each check read it ($PYTHONDONTWRITEBYTECODE, set in some shells, would recompile every module at
    every run, and the more modules a tree has, the more that would cost it)."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    trees = [Path(__file__).resolve().parent.parent] + ([baseline.resolve()] if baseline is not None else [])
    for tree in trees:
        folders = [str(tree / name) for name in ("micrograd", "autograder", "reference", "exercises")
                   if (tree / name).is_dir()]
        subprocess.run([python, "-m", "compileall", "-q", *folders], capture_output=True, check=False)


def _hypothesis(python: str) -> str:
    done = subprocess.run([python, "-c", "import hypothesis; print(hypothesis.__version__)"], capture_output=True,
                          text=True, check=False)
    return f"Hypothesis {done.stdout.strip() or '?'}"


def _baseline(tree: Path, python: str, repeats: int, when: str) -> None:
    """Run the earlier commit's own benchmarks/check.py on its own code (``tree`` first on the path)."""
    tree = tree.resolve()
    print(f"\n### baseline {tree} ({when})\n", flush=True)
    env = dict(os.environ, PYTHONPATH=str(tree))
    done = subprocess.run([python, str(tree / "benchmarks" / "check.py"), "--repeats", str(repeats)], cwd=tree,
                          env=env, capture_output=True, text=True, check=False)
    print(done.stdout.strip() or done.stderr.strip()[-2000:], flush=True)
    print("\n### this tree\n" if when == "before" else "", flush=True)


if __name__ == "__main__":
    main()
