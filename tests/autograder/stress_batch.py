"""A batch of honest submissions graded beside submissions whose children crash at their first operation, with
both cores kept busy: every honest one must keep full marks (issue 21 item 1).

Run by tests/autograder/test_stress.py, and on its own against any checkout of the kit (the kit imported is the
one first on ``sys.path``)::

    python tests/autograder/stress_batch.py --honest 100 --crashing 100 --isolation bwrap --out /tmp/stress.json

It prints, and writes to ``--out``, the honest submissions that did not get full marks, with their status and
reason, the isolation layer used and the load average before and after.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List

HERE = Path(__file__).resolve().parent
RUBRIC = HERE / "mini_rubric.toml"
FULL = 6.0

#: the child dies (SIGSEGV) at its first operation: every check of the submission crashes its child
CRASH = """
import ctypes
def _crash(self, *args, **kwargs):
    ctypes.string_at(0)
Value.__add__ = Value.__mul__ = Value.__radd__ = Value.__rmul__ = Value.tanh = Value.backward = _crash
"""


def _spin(stop: Any) -> None:  # pragma: no cover (a busy core)
    x = 0
    while not stop.is_set():
        for _ in range(100_000):
            x += 1


def make_class(root: Path, honest: int, crashing: int) -> List[Path]:
    """``honest`` copies of the reference and ``crashing`` crashing ones, interleaved, in ``root``."""
    from micrograd.impl import reference_dir

    engine = (reference_dir() / "engine.py").read_text()
    nn = (reference_dir() / "nn.py").read_text()
    paths = []
    for i in range(max(honest, crashing)):
        for kind, count, text in (("honest", honest, engine), ("crashing", crashing, engine + CRASH)):
            if i < count:
                folder = root / f"{kind}_{i:03d}"
                folder.mkdir()
                (folder / "engine.py").write_text(text)
                (folder / "nn.py").write_text(nn)
                paths.append(folder)
    return paths


def run(honest: int, crashing: int, isolation: str, busy: int = 2) -> Dict[str, Any]:
    from autograder import Limits, grade, load_rubric

    base = Path(tempfile.mkdtemp(prefix="micrograd-stress-"))
    os.chmod(base, 0o755)
    stop = multiprocessing.Event()
    spinners = [multiprocessing.Process(target=_spin, args=(stop,), daemon=True) for _ in range(busy)]
    try:
        (base / "class").mkdir()
        paths = make_class(base / "class", honest, crashing)
        for spinner in spinners:
            spinner.start()
        load_before = os.getloadavg()
        started = time.monotonic()
        results = grade(paths, base / "out", rubric=load_rubric(RUBRIC), jobs=2, isolation=isolation, html=False,
                        limits=Limits(timeout=2.0, budget=60.0, startup=20.0))
        seconds = time.monotonic() - started
        load_after = os.getloadavg()
    finally:
        stop.set()
        for spinner in spinners:
            spinner.join(10)
        shutil.rmtree(base, ignore_errors=True)
    wrong = {r.student: {"status": r.status, "score": r.score, "reason": r.reason[:300]}
             for r in results if r.student.startswith("honest") and (r.status != "graded" or r.score != FULL)}
    crashing_graded = {r.status for r in results if r.student.startswith("crashing")}
    return {"honest": honest, "crashing": crashing, "honest_not_full": wrong,
            "crashing_statuses": sorted(crashing_graded),
            "isolation": sorted({r.isolation for r in results}), "seconds": round(seconds, 1),
            "load_before": load_before, "load_after": load_after}


def main(argv: Any = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--honest", type=int, default=100)
    parser.add_argument("--crashing", type=int, default=100)
    parser.add_argument("--isolation", default="auto")
    parser.add_argument("--busy", type=int, default=2, help="busy processes beside the batch (default: 2 cores)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    found = run(args.honest, args.crashing, args.isolation, args.busy)
    text = json.dumps(found, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    sys.exit(main())
