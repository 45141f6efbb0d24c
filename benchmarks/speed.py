"""Speed of the moons demo: upstream micrograd 0.1.0 against the kit, on the same data.

    python benchmarks/speed.py                 # full 100 steps (a few minutes: upstream is slow)
    python benchmarks/speed.py --steps 5       # a quick look (the goals are judged on 100 steps)
    python benchmarks/speed.py --profile 2     # cProfile + garbage-collector time of upstream, 2 steps
    python benchmarks/speed.py --candidate DIR # also time upstream's loop on the engine in DIR
    python benchmarks/speed.py --steps 3 --gc-off  # the same with the cyclic garbage collector off
                                               # (memory grows every step: keep --steps small)

Measured, each in a fresh Python process, on the bundled moons (micrograd/training/moons.csv):

1. upstream's demo.ipynb loop, verbatim (numpy arrays in, ``list(map(Value, xrow))``), on
   upstream's engine and nn;
2. the same loop on the kit's reference engine and nn;
3. the demo as the kit ships it: ``micrograd.training.train_moons()`` (``micrograd demo``);
4. ``train_moons(fast=False)``: the shipped loop (collector paused) on the plain graph.

Every run must give the same loss at every step to 1e-9 (else exit status 1), and the
ratios are checked against the goals: (a) 1/2 >= 2x, (b) 1/3 >= 8x (exit status 3 if
missed). Upstream's files come from ``--upstream DIR``, else from a cache directory,
filled on first use by ``pip download micrograd==0.1.0 --no-deps``; they are copied to a
temporary directory and loaded with ``micrograd.impl.load_implementation`` (never
installed). Results are recorded in docs/speed.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any, Dict, List, Optional

UPSTREAM_VERSION = "0.1.0"
LOSS_TOLERANCE = 1e-9
GOAL_ENGINE = 2.0  # (a) upstream's loop: upstream engine time / reference engine time
GOAL_DEMO = 8.0  # (b) upstream's demo time / shipped demo time

#: the loss upstream's demo.ipynb printed at these steps (karpathy/micrograd, demo.ipynb)
PUBLISHED_LOSSES = {
    0: 0.8958441028683222,
    1: 1.7235905336972022,
    2: 0.7429006313851131,
    10: 0.24507023853658053,
    50: 0.09875114765619622,
    99: 0.010978370135492717,
}


def default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "micrograd-kit" / f"upstream-micrograd-{UPSTREAM_VERSION}"


def fetch_upstream(cache: Path) -> Path:
    """A directory holding upstream's engine.py and nn.py, downloading the wheel if needed."""
    if (cache / "engine.py").is_file() and (cache / "nn.py").is_file():
        return cache
    print(f"downloading micrograd=={UPSTREAM_VERSION} (upstream) into {cache}", file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, "-m", "pip", "download", f"micrograd=={UPSTREAM_VERSION}",
                   "--no-deps", "--only-binary=:all:", "-d", tmp]
        done = subprocess.run(command, capture_output=True, text=True)
        wheels = list(Path(tmp).glob("micrograd-*.whl"))
        if done.returncode != 0 or not wheels:
            sys.exit(f"speed.py: could not download upstream micrograd ({' '.join(command)}):\n{done.stderr}"
                     "\nGive a directory holding its engine.py and nn.py with --upstream DIR.")
        cache.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(wheels[0]) as wheel:
            for name in ("engine.py", "nn.py"):
                (cache / name).write_bytes(wheel.read(f"micrograd/{name}"))
    return cache


# ---------------------------------------------------------------------------------------
# workers: each runs in its own process and prints one JSON line


class _GcClock:
    """Counts the garbage collector's runs and the CPU time they take."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.runs = [0, 0, 0]
        self._start = 0.0
        gc.callbacks.append(self)

    def __call__(self, phase: str, info: Dict[str, int]) -> None:
        if phase == "start":
            self._start = time.process_time()
        else:
            self.seconds += time.process_time() - self._start
            self.runs[info["generation"]] += 1


def upstream_loop(impl: Any, steps: int) -> List[List[float]]:
    """upstream's demo.ipynb, cells 3 to 7, with the bundled data instead of make_moons."""
    import numpy as np

    from micrograd.training import load_moons

    moons = load_moons()
    X, y = np.array(moons.X), np.array(moons.y)  # noqa: N806 (upstream's names)
    Value, MLP = impl.Value, impl.MLP  # noqa: N806
    np.random.seed(1337)
    random.seed(1337)
    model = MLP(2, [16, 16, 1])  # 2-layer neural network

    def loss() -> Any:
        Xb, yb = X, y  # noqa: N806
        inputs = [list(map(Value, xrow)) for xrow in Xb]
        # forward the model to get scores
        scores = list(map(model, inputs))
        # svm "max-margin" loss
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(yb, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        # L2 regularization
        alpha = 1e-4
        reg_loss = alpha * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        # also get accuracy
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores)]
        return total_loss, sum(accuracy) / len(accuracy)

    record = []
    for k in range(steps):
        # forward
        total_loss, acc = loss()
        # backward
        model.zero_grad()
        total_loss.backward()
        # update (sgd)
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        record.append([float(total_loss.data), float(acc)])
    return record


def shipped_demo(steps: int, fast: bool = True) -> List[List[float]]:
    from micrograd.training import train_moons

    run = train_moons(steps=steps, fast=fast)
    return [[s.loss, s.accuracy] for s in run.steps]


def worker(kind: str, engine: Optional[str], steps: int, profile: bool, gc_off: bool) -> None:
    import numpy  # noqa: F401 (every worker starts with the same modules loaded)

    if gc_off:
        gc.disable()

    from micrograd.impl import load_implementation

    if kind == "upstream-loop":
        if engine is None:
            sys.exit("speed.py: --worker upstream-loop needs --engine DIR")
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "impl"
            copy.mkdir()
            for name in ("engine.py", "nn.py"):
                shutil.copyfile(Path(engine) / name, copy / name)
            impl = load_implementation(copy)
            impl.MLP  # noqa: B018 (import both files before the clock starts)
            _run(lambda: upstream_loop(impl, steps), profile)
    else:
        _run(lambda: shipped_demo(steps, fast=kind == "shipped-demo"), profile)


def _run(job: Any, profile: bool) -> None:
    if profile:
        import cProfile
        import pstats

        clock = _GcClock()
        profiler = cProfile.Profile()
        start = time.perf_counter()
        profiler.runcall(job)
        wall = time.perf_counter() - start
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats("tottime").print_stats(12)
        print(f"wall {wall:.2f} s under cProfile; garbage collector: {clock.seconds:.2f} s in runs per generation "
              f"{clock.runs}", file=sys.stderr)
        return
    clock = _GcClock()
    cpu, wall = time.process_time(), time.perf_counter()
    record = job()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(json.dumps({"cpu": cpu, "wall": wall, "gc": clock.seconds, "gc_runs": clock.runs, "record": record}))


# ---------------------------------------------------------------------------------------
# the driver


def measure(kind: str, engine: Optional[Path], steps: int, gc_off: bool = False) -> Dict[str, Any]:
    command = [sys.executable, __file__, "--worker", kind, "--steps", str(steps)] + (["--gc-off"] if gc_off else [])
    if engine is not None:
        command += ["--engine", str(engine)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"speed.py: {' '.join(command)} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=100, help="training steps (default 100, upstream's demo)")
    parser.add_argument("--upstream", type=Path, default=None, help="directory with upstream's engine.py and nn.py")
    parser.add_argument("--cache", type=Path, default=None, help="where to keep the downloaded upstream files")
    parser.add_argument("--candidate", type=Path, action="append", default=[],
                        help="also time upstream's loop on the engine.py and nn.py in this directory")
    parser.add_argument("--profile", type=int, default=0, metavar="STEPS",
                        help="only profile upstream's loop on upstream's engine for STEPS steps")
    parser.add_argument("--gc-off", action="store_true",
                        help="run every worker with the cyclic garbage collector disabled (small --steps only)")
    parser.add_argument("--worker", choices=["upstream-loop", "shipped-demo", "plain-demo"], help=argparse.SUPPRESS)
    parser.add_argument("--engine", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not 1 <= args.steps <= 100:
        parser.error("--steps must be from 1 to 100 (the learning rate decays over 100 steps)")
    if args.worker:
        worker(args.worker, args.engine, args.profile or args.steps, bool(args.profile), args.gc_off)
        return 0

    from micrograd.impl import reference_dir

    upstream = args.upstream or fetch_upstream(args.cache or default_cache())
    for directory in [upstream, *args.candidate]:
        if not ((directory / "engine.py").is_file() and (directory / "nn.py").is_file()):
            parser.error(f"{directory} must hold engine.py and nn.py")
    if args.profile:
        command = [sys.executable, __file__, "--worker", "upstream-loop", "--engine", str(upstream),
                   "--profile", str(args.profile)]
        return subprocess.run(command).returncode

    runs = {
        "upstream demo, upstream engine": measure("upstream-loop", upstream, args.steps, args.gc_off),
        "upstream demo, reference engine": measure("upstream-loop", reference_dir(), args.steps, args.gc_off),
        "shipped demo (micrograd demo)": measure("shipped-demo", None, args.steps, args.gc_off),
        "shipped loop, plain graph (fast=False)": measure("plain-demo", None, args.steps, args.gc_off),
    }
    for candidate in args.candidate:
        runs[f"upstream demo, {candidate}"] = measure("upstream-loop", candidate, args.steps, args.gc_off)

    base = runs["upstream demo, upstream engine"]
    print(f"moons demo, {args.steps} steps, Python {sys.version.split()[0]} "
          f"(CPU seconds of the training loop; each run in its own process"
          f"{'; garbage collector OFF' if args.gc_off else ''})\n")
    print("| run | CPU s | wall s | of which GC (CPU s) | speed-up (CPU) | max loss difference |")
    print("|---|---:|---:|---:|---:|---:|")
    worst = 0.0
    for name, run in runs.items():
        diff = max(abs(a[0] - b[0]) for a, b in zip(run["record"], base["record"]))
        same_acc = all(a[1] == b[1] for a, b in zip(run["record"], base["record"]))
        worst = max(worst, diff if same_acc else float("inf"))
        print(f"| {name} | {run['cpu']:.2f} | {run['wall']:.2f} | {run['gc']:.2f} | "
              f"{base['cpu'] / run['cpu']:.1f}x | {diff:.1e}{'' if same_acc else ' (accuracy differs!)'} |")
    losses = [step[0] for step in runs["shipped demo (micrograd demo)"]["record"]]
    published = {k: v for k, v in PUBLISHED_LOSSES.items() if k < args.steps}
    off = max(abs(losses[k] - v) for k, v in published.items())
    print(f"\nupstream's published losses at steps {sorted(published)}: max difference {off:.1e}")
    final_accuracy = runs["shipped demo (micrograd demo)"]["record"][-1][1]
    print(f"final loss {losses[-1]!r}, accuracy at the last step {final_accuracy:.0%}")

    engine_ratio = base["cpu"] / runs["upstream demo, reference engine"]["cpu"]
    demo_ratio = base["cpu"] / runs["shipped demo (micrograd demo)"]["cpu"]
    print(f"\n(a) upstream's loop, reference engine vs upstream's: {engine_ratio:.2f}x (goal {GOAL_ENGINE:g}x)"
          f" {'met' if engine_ratio >= GOAL_ENGINE else 'MISSED'}")
    print(f"(b) shipped demo vs upstream's demo: {demo_ratio:.1f}x (goal {GOAL_DEMO:g}x)"
          f" {'met' if demo_ratio >= GOAL_DEMO else 'MISSED'}")
    if worst > LOSS_TOLERANCE or off > LOSS_TOLERANCE:
        print(f"FAILED: losses differ by more than {LOSS_TOLERANCE:g}", file=sys.stderr)
        return 1
    return 0 if engine_ratio >= GOAL_ENGINE and demo_ratio >= GOAL_DEMO else 3


if __name__ == "__main__":
    sys.exit(main())
