"""Benchmark: grade a batch of N submissions (correct, buggy, hostile) with ``--jobs`` workers.

    python benchmarks/grading.py [--n 100] [--jobs 2] [--max-examples N] [--timeout 2] [--isolation auto]
    python benchmarks/grading.py --compare bwrap none [--rounds 2]    # the cost of isolation
    python benchmarks/grading.py --save-grades FILE       # every grade (status, score, per exercise) to FILE
    python benchmarks/grading.py --same-grades-as FILE    # and compare them with a FILE saved earlier
    python benchmarks/grading.py --cluster [ADDRESS] [--rounds 2]   # a Dask cluster against the local pool
    python benchmarks/grading.py --baseline DIR           # and an earlier commit's own benchmark, before and
                                                          # after (git archive COMMIT | tar -x -C DIR)

Prints the wall time and the statuses; with ``--compare``, grades the same batch in each layer,
alternating (``--rounds`` times each, so that a change in the machine's load hits both), checks that
every layer gives every submission the same grade, and prints the ratio of the wall times. With
``--cluster``, grades the batch with the local pool (``--jobs``) and on a Dask cluster (at ADDRESS, or
one started here: ``dask scheduler`` and ``--jobs`` single-threaded ``dask worker`` processes on
localhost), alternating, checks that they give the same grades and feedback, and measures the
scheduler's overhead per task (empty tasks) and the cost per submission, projected to 10,000
submissions. Results are recorded in docs/grading.md.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import os
import re
import resource
import tempfile
import time
from pathlib import Path
from typing import Any, Optional

from _machine import machine_line  # benchmarks/_machine.py (this script's folder is first on sys.path)

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


_CPUACCT = Path("/sys/fs/cgroup/cpuacct")


def _own_cpu_group() -> Optional[Path]:
    """Move this process into a cpuacct cgroup of its own (cgroup v1, root): then every process it starts,
    sandboxes included (bwrap's reaper does not pass its children's CPU time on), is counted."""
    try:
        group = _CPUACCT / f"micrograd-benchmark-{os.getpid()}"
        group.mkdir()
        (group / "cgroup.procs").write_text(str(os.getpid()))
        return group
    except OSError:
        return None


def _leave_cpu_group(group: Optional[Path]) -> None:
    """Back to where they were (this process, multiprocessing's helper), and the group goes."""
    if group is None:
        return
    for pid in (group / "cgroup.procs").read_text().split():
        (_CPUACCT / "cgroup.procs").write_text(pid)
    group.rmdir()


def _cpu(group: Optional[Path]) -> float:
    """CPU seconds used so far: by the whole cgroup if there is one, else by the waited-for children."""
    if group is not None:
        return int((group / "cpuacct.usage").read_text()) / 1e9
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(paths: list, out: Path, rubric: Rubric, args: argparse.Namespace, isolation: str,
         group: Optional[Path] = None, executor: Any = None) -> tuple:
    """(results, wall seconds, CPU seconds) for one graded batch (``executor``: a cluster's, else the local pool)."""
    before = _cpu(group)
    started = time.perf_counter()
    results = grade(paths, out, rubric=rubric, limits=Limits(timeout=args.timeout, budget=max(60.0, 24 * args.timeout)),
                    jobs=args.jobs, isolation=isolation, executor=executor)
    elapsed = time.perf_counter() - started
    return results, elapsed, _cpu(group) - before


def compare(paths: list, root: Path, rubric: Rubric, args: argparse.Namespace) -> None:
    """Grade the batch in each layer of ``--compare``, alternating; same grades, and the time ratio."""
    walls: dict = collections.defaultdict(list)
    cpus: dict = collections.defaultdict(list)
    grades: dict = {}
    group = _own_cpu_group()
    print("CPU: " + ("every process of the benchmark (a cpuacct cgroup)" if group else
                     "the grading workers only (no cgroup: the sandboxes' CPU is not all counted)"))
    for round_ in range(args.rounds):
        for layer in args.compare:
            load = os.getloadavg()[0]
            results, elapsed, cpu = _run(paths, root / f"out-{layer}-{round_}", rubric, args, layer, group)
            walls[layer].append(elapsed)
            cpus[layer].append(cpu)
            print(f"round {round_ + 1} {layer:6}: {elapsed:6.1f} s wall, {cpu:5.0f} s CPU, "
                  f"load {load:.1f} -> {os.getloadavg()[0]:.1f}, isolation {sorted({r.isolation for r in results})}",
                  flush=True)
            found = {r.student: (r.status, r.score) for r in results}
            if layer in grades and grades[layer] != found:
                print(f"  {layer} graded differently from its own first round")
            grades.setdefault(layer, found)
    _leave_cpu_group(group)
    first, *others = args.compare
    for layer in others:
        differ = {s: (g, grades[layer][s]) for s, g in grades[first].items() if g != grades[layer][s]}
        print(f"same grades {first} and {layer}: {not differ}" + (f"; differ: {differ}" if differ else ""))
        for what, table in (("wall time", walls), ("CPU time", cpus)):
            ratio = sum(table[first]) / sum(table[layer])
            print(f"{what} {first} / {layer}: {ratio:.3f} ({(ratio - 1) * 100:+.1f}%)")


def _empty_task(_: Any = None) -> None:
    return None


def _overhead(executor: Any, count: int = 2000) -> float:
    """Seconds per task that the scheduler and the workers take for an empty task (``count`` of them at once)."""
    client = executor.client
    client.gather(client.map(_empty_task, range(50), pure=False))  # warm
    started = time.perf_counter()
    client.gather(client.map(_empty_task, range(count), pure=False))
    return (time.perf_counter() - started) / count


def compare_cluster(paths: list, root: Path, rubric: Rubric, args: argparse.Namespace) -> None:
    """Grade the batch with the local pool and on the cluster, alternating; same grades, the time ratio, the
    scheduler's overhead per task and a projection to 10,000 submissions."""
    import contextlib
    import sys

    from autograder.cluster import ClusterExecutor

    group = _own_cpu_group()
    with contextlib.ExitStack() as stack:
        address = args.cluster
        if address == "local":
            sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "autograder"))
            from dask_cluster import LocalCluster

            address = stack.enter_context(LocalCluster(root / "cluster", workers=args.jobs)).address
        walls: dict = collections.defaultdict(list)
        cpus: dict = collections.defaultdict(list)
        grades: dict = {}
        for round_ in range(args.rounds):
            for where in ("local", "cluster"):
                load = os.getloadavg()[0]
                executor = ClusterExecutor(address, args.isolation, rubric) if where == "cluster" else None
                try:
                    results, elapsed, cpu = _run(paths, root / f"out-{where}-{round_}", rubric, args, args.isolation,
                                                 group, executor)
                    walls[where].append(elapsed)
                    cpus[where].append(cpu)
                    print(f"round {round_ + 1} {where:7}: {elapsed:6.1f} s wall, {cpu:5.0f} s CPU, "
                          f"load {load:.1f} -> {os.getloadavg()[0]:.1f}", flush=True)
                    if executor is not None:
                        overhead = _overhead(executor)
                        print(f"  {executor.describe()}; empty tasks: {overhead * 1000:.2f} ms each", flush=True)
                finally:
                    if executor is not None:
                        executor.close()
                grades.setdefault(where, []).append(grades_of(results))
    _leave_cpu_group(group)
    first = grades["local"][0]
    for where, found in grades.items():
        for round_, got in enumerate(found):
            differ = sorted(s for s in first if got.get(s) != first[s])
            print(f"{where} round {round_ + 1}: same grades and feedback as local round 1: {not differ}"
                  + (f"; differ: {', '.join(differ[:10])}" if differ else ""))
    wall, cpu = sum(walls["cluster"]) / sum(walls["local"]), sum(cpus["cluster"]) / sum(cpus["local"])
    print(f"wall time cluster / local: {wall:.3f} ({(wall - 1) * 100:+.1f}%); CPU: {cpu:.3f} ({(cpu - 1) * 100:+.1f}%)")
    workers = args.jobs if args.cluster == "local" else None
    per = min(walls["cluster"]) * (workers or 1) / len(paths)
    print(f"scheduler's overhead per task (2000 empty tasks): {overhead * 1000:.2f} ms")
    print(f"cost per submission: {per:.2f} worker-seconds (best cluster round, {workers or '?'} workers); "
          "10,000 submissions: " + ", ".join(f"{n} workers {10_000 * per / n / 60:.0f} min" for n in (2, 10, 50, 100)))


def grades_of(results: list) -> dict:
    """student -> status, score, every exercise's score and a digest of the feedback (every property's
    status, summary, counterexample, expected-vs-got rows and hint): what "same grades" compares."""
    def feedback(r: Any) -> str:
        details = [(p.id, p.status, p.summary, p.code, [list(row) for row in p.rows], p.hint) for p in r.properties]
        return hashlib.sha256(json.dumps(details).encode()).hexdigest()[:16]

    return {r.student: {"status": str(getattr(r.status, "value", r.status)), "score": r.score, "feedback": feedback(r),
                        "exercises": {e.exercise: e.score for e in r.exercises}} for r in results}


def compare_grades(found: dict, saved_file: Path) -> bool:
    """Print whether ``found`` equals the grades saved in ``saved_file``, and every difference; and, apart, whether
    the feedback is the same (another version of the kit may word it otherwise: that is no other grade)."""
    saved = json.loads(saved_file.read_text())

    def grade(entry: Any) -> Any:
        return None if entry is None else {k: v for k, v in entry.items() if k != "feedback"}

    differ = sorted(s for s in set(saved) | set(found) if grade(saved.get(s)) != grade(found.get(s)))
    worded = sum(1 for s in set(saved) & set(found) if saved[s].get("feedback") != found[s].get("feedback"))
    print(f"same grades as {saved_file} (status, score and every exercise's score of {len(found)} submissions): "
          f"{not differ}; the feedback differs for {worded}")
    for student in differ[:20]:
        print(f"  {student}: saved {grade(saved.get(student))}, now {grade(found.get(student))}")
    return not differ


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--max-examples", type=int, default=DEFAULT_MAX_EXAMPLES)
    parser.add_argument("--timeout", type=float, default=2.0)
    parser.add_argument("--isolation", default="auto", help="the layer for a single run (auto, bwrap, uid, none)")
    parser.add_argument("--compare", nargs="+", default=None, metavar="LAYER", help="grade in each of these layers")
    parser.add_argument("--rounds", type=int, default=1, help="with --compare or --cluster: runs of each, alternating")
    parser.add_argument("--cluster", nargs="?", const="local", default=None, metavar="ADDRESS",
                        help="compare the local pool with a Dask cluster (at ADDRESS; else one started here with "
                             "--jobs single-threaded workers)")
    parser.add_argument("--save-grades", type=Path, default=None, metavar="FILE",
                        help="write every grade (status, score, each exercise's score) to FILE as JSON")
    parser.add_argument("--same-grades-as", type=Path, default=None, metavar="FILE",
                        help="compare the grades with those --save-grades wrote to FILE (another version of the kit)")
    parser.add_argument("--baseline", type=Path, default=None, metavar="DIR",
                        help="an earlier commit's tree: its own benchmark (same --n, --jobs, --timeout) runs before "
                             "and after this one, and its grades are compared with these")
    args = parser.parse_args()
    import hypothesis

    if args.baseline is not None:
        return _with_baseline(args)

    print(f"machine: {machine_line()}; Hypothesis {hypothesis.__version__}", flush=True)
    base = load_rubric()
    rubric = Rubric(base.rules, base.spec, args.max_examples, base.forbid_imports, "benchmark")
    with tempfile.TemporaryDirectory() as tmp:
        paths = make_batch(Path(tmp) / "submissions", args.n)
        if args.compare:
            compare(paths, Path(tmp), rubric, args)
            return
        if args.cluster:
            compare_cluster(paths, Path(tmp), rubric, args)
            return
        group = _own_cpu_group()
        load = os.getloadavg()[0]
        results, elapsed, cpu = _run(paths, Path(tmp) / "out", rubric, args, args.isolation, group)
        _leave_cpu_group(group)
    statuses = collections.Counter(str(getattr(r.status, "value", r.status)) for r in results)
    by_kind = collections.defaultdict(list)
    for r in results:
        by_kind[r.student.rsplit("_", 1)[0]].append(r.score)
    print(f"{len(results)} submissions, {len(rubric.property_ids)} properties, max_examples={args.max_examples}, "
          f"jobs={args.jobs}: {elapsed:.1f} s ({elapsed / len(results):.2f} s per submission)")
    print(f"CPU time of {'every process (a cpuacct cgroup)' if group else 'the grading workers'}: {cpu:.0f} s; "
          f"load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end; "
          f"isolation {sorted({r.isolation for r in results})}")
    print("statuses:", dict(statuses))
    for kind, scores in by_kind.items():
        print(f"  {kind:24} scores {sorted(set(scores))} / {rubric.max_score:g}")
    found = grades_of(results)
    if args.save_grades is not None:
        args.save_grades.write_text(json.dumps(found, indent=1, sort_keys=True))
    if args.same_grades_as is not None and not compare_grades(found, args.same_grades_as):
        raise SystemExit(1)


def _with_baseline(args: argparse.Namespace) -> None:
    """Run the earlier commit's own benchmarks/grading.py (its tree first on the path) before and after this
    tree's, on the same batch size, and compare every grade of this tree's run with its first run's."""
    import subprocess
    import sys

    tree = args.baseline.resolve()
    own, skip = [], False
    for arg in sys.argv[1:]:  # this tree's run: the same options without --baseline
        if not skip and not arg.startswith("--baseline"):
            own.append(arg)
        skip = arg == "--baseline"
    common = ["--n", str(args.n), "--jobs", str(args.jobs), "--timeout", str(args.timeout)]
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        saved = Path(tmp) / "baseline-grades.json"
        for when in ("before", "after"):
            print(f"\n### baseline {tree} ({when})\n", flush=True)
            extra = ["--save-grades", str(saved)] if when == "before" else []
            done = subprocess.run([sys.executable, str(tree / "benchmarks" / "grading.py"), *common, *extra],
                                  cwd=tree, env=dict(os.environ, PYTHONPATH=str(tree)), capture_output=True,
                                  text=True, check=False)
            print(done.stdout.strip() or done.stderr.strip()[-2000:], flush=True)
            if when == "before":
                print("\n### this tree\n", flush=True)
                here = subprocess.run([sys.executable, __file__, *own, "--same-grades-as", str(saved)], check=False)
                if here.returncode not in (0, 1):
                    raise SystemExit(here.returncode)


if __name__ == "__main__":
    main()
