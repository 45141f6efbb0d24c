"""How fast ``micrograd app`` is in Chromium, and where the time goes: one command, everything printed.

    python benchmarks/app.py [--steps 20] [--play 6] [--baseline DIR]

Prints the machine (CPU model, cores, load before and after, U: the CPU seconds of
``s = 0; for i in range(10**7): s += i*i`` in a fresh Python) and the versions, then:

- the server's parts of one step, measured in this process (median CPU ms): the step itself
  (AdamW, zero_grad and the evaluation of the LLM101n preset: 80 training and 10 validation
  points and the example's graph), the board's data (decision boundary, level sets, table,
  curves, log), the graph drawing with its cached layout, a new layout by graphviz's dot, and
  the board's JSON size;
- for the reference (in the server's process) and for ``--impl`` (a copy of the reference as
  a student's directory, in the sandboxed child, checked against the reference): the first
  load (navigation to the board and the graph drawn), every Step click timed in the browser
  from the click until the step counter, the plot and the graph show the new step (median,
  p90, fastest), the server's and the browser's CPU per step (from /proc), the bytes the
  websocket brought per step, the board's and the graph's own drawing time in the browser,
  and Play's steps per second (with the steps per redraw it settled on).

``--baseline DIR`` also runs DIR's own ``benchmarks/app.py`` on DIR's code (a checkout of an earlier
commit, such as ``git archive 0e75b11 | tar -x -C DIR``), in the same run, before and after.

Needs the app extra, playwright (pip), chromium and graphviz (apt). Results: docs/app.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "app"))

from _machine import cpu_model, unit_seconds  # noqa: E402 (benchmarks/_machine.py: this script's folder)
from app_helpers import CHROMIUM, app_server, board_step, browser_missing, browser_page  # noqa: E402 (after the path)

_FIND = """
    const hosts = () => Array.from(document.querySelectorAll('*')).filter(e => e.shadowRoot);
    const find = (selector) => {
        for (const host of hosts()) {
            const found = host.shadowRoot.querySelector(selector);
            if (found && found.isConnected) return found;
        }
        return null;
    };
"""

_CLICK_AND_WAIT = """async (expected) => {""" + _FIND + """
    const board = find('.mg-board');
    let g = find('.mg-graph');
    const graphBefore = g ? g.__version : undefined;
    const button = board.querySelector('[data-action="step"]');
    const start = performance.now();
    button.click();
    while (true) {
        await new Promise(r => requestAnimationFrame(r));
        if (!g || !g.isConnected) g = find('.mg-graph');
        const graphDone = graphBefore === undefined || (g && g.__version !== graphBefore);
        if (board.dataset.step === String(expected) && graphDone) {
            return [performance.now() - start, board.__drawMs, g ? g.__drawMs : 0];
        }
        if (performance.now() - start > 30000) return [-1, 0, 0];
    }
}"""

_FIRST_LOAD = """() => {""" + _FIND + """
    const board = find('.mg-board'), graph = find('.mg-graph');
    if (!board || !graph || board.__firstDraw === undefined || graph.__firstDraw === undefined) return null;
    return Math.max(board.__firstDraw, graph.__firstDraw);
}"""

_PLAY = """async (seconds) => {""" + _FIND + """
    const board = find('.mg-board');
    const first = Number(board.dataset.step);
    board.querySelector('[data-action="play"]').click();
    while (Number(board.dataset.step) === first) await new Promise(r => setTimeout(r, 5));
    const begin = Number(board.dataset.step), start = performance.now();
    await new Promise(r => setTimeout(r, seconds * 1000));
    const end = Number(board.dataset.step), elapsed = performance.now() - start;
    const batch = board.__mg.data.batch;
    board.querySelector('[data-action="play"]').click();
    return [(end - begin) / (elapsed / 1000), batch];
}"""

def versions() -> str:
    import numpy
    import playwright
    import streamlit

    chromium = subprocess.run([str(CHROMIUM), "--version"], capture_output=True, text=True).stdout.strip()
    dot = subprocess.run(["dot", "-V"], capture_output=True, text=True).stderr.strip()
    pw = getattr(playwright, "__version__", "?")
    return (f"Python {platform.python_version()}, streamlit {streamlit.__version__}, numpy {numpy.__version__}, "
            f"playwright {pw}, {chromium}, {dot}")


def _cpu_seconds(pid: int) -> float:
    """user + system CPU seconds of a process and its children that were waited for."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / os.sysconf("SC_CLK_TCK")


def _family(roots: List[int]) -> List[int]:
    """The processes ``roots`` and all their descendants."""
    parents: Dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    family = set(roots)
    grew = True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in family and pid not in family:
                family.add(pid)
                grew = True
    return sorted(family)


def _pids(marker: bytes) -> List[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _cpu_of(pids: List[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            total += _cpu_seconds(pid)
        except (OSError, IndexError):
            continue
    return total


def browser_run(steps: int, play: float, *args: str) -> Dict[str, float]:
    tmp = Path(tempfile.mkdtemp(prefix="mg-app-bench-"))
    frames: List[int] = []
    try:
        with app_server(tmp / "app.log", *args) as url, browser_page(tmp / "profile", []) as page:
            page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(len(payload))))
            page.goto(url)
            page.wait_for_selector(".mg-graph g.node")
            first_load = None
            deadline = time.monotonic() + 60
            while first_load is None and time.monotonic() < deadline:
                first_load = page.evaluate(_FIRST_LOAD)
                time.sleep(0.05)
            time.sleep(1.0)
            port = url.rsplit(":", 1)[1].encode()
            server = _family([p for p in _pids(b"streamlit") if port in Path(f"/proc/{p}/cmdline").read_bytes()])
            browser = _family(_pids(str(tmp / "profile").encode()))
            server_before, browser_before = _cpu_of(server), _cpu_of(browser)
            frames.clear()
            times: List[float] = []
            board_ms: List[float] = []
            graph_ms: List[float] = []
            for k in range(1, steps + 1):
                elapsed, board_draw, graph_draw = page.evaluate(_CLICK_AND_WAIT, k)
                if elapsed < 0:
                    raise RuntimeError(f"step {k} did not update the page within 30 s")
                times.append(elapsed)
                board_ms.append(board_draw)
                graph_ms.append(graph_draw)
            server = _family(server)  # the sandboxed child may have been started again
            server_cpu, browser_cpu = _cpu_of(server) - server_before, _cpu_of(browser) - browser_before
            payload = sum(frames)
            if board_step(page) != str(steps):
                raise RuntimeError(f"the page shows step {board_step(page)} after {steps} clicks")
            rate, batch = page.evaluate(_PLAY, play)
        return {
            "first_load_ms": first_load or -1.0,
            "median_ms": statistics.median(times),
            "p90_ms": sorted(times)[int(0.9 * (len(times) - 1))],
            "min_ms": min(times),
            "server_cpu_ms": 1000 * server_cpu / steps,
            "browser_cpu_ms": 1000 * browser_cpu / steps,
            "ws_kb": payload / 1024 / steps,
            "board_draw_ms": statistics.median(board_ms),
            "graph_draw_ms": statistics.median(graph_ms),
            "play_steps_per_s": rate,
            "play_batch": batch,
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def server_parts(repeats: int) -> Dict[str, Any]:
    """Median CPU ms of each part of one step on the server, in this process (the reference, the preset)."""
    from micrograd.app._backend import open_backend
    from micrograd.app._graph import GraphRenderer, draw_graph, render_svg
    from micrograd.app._trainer import new_trainer
    from micrograd.app._view import board_data

    trainer = new_trainer(open_backend())
    renderer = GraphRenderer()
    renderer.render(draw_graph(trainer.last.outcome.graph, trainer.sizes, "nodes"))
    names = ("the step (AdamW, zero_grad, evaluation, example's graph)", "the board's data (boundary, level sets, "
             "table, curves, log)", "the graph (dot source, cached layout)", "a new graph layout by dot (wall)")
    parts: Dict[str, List[float]] = {name: [] for name in names}
    size = 0
    for _ in range(repeats):
        marks = [time.process_time()]
        trainer.step()
        marks.append(time.process_time())
        data = board_data(trainer, mode="add", label=0, playing=False, ack={}, timing="", batch=1, preset=True)
        marks.append(time.process_time())
        drawing = draw_graph(trainer.last.outcome.graph, trainer.sizes, "nodes")
        renderer.render(drawing)
        marks.append(time.process_time())
        wall = time.perf_counter()
        render_svg(drawing.source)  # dot runs in a process of its own: its wall time
        marks.append(marks[-1] + time.perf_counter() - wall)
        for name, a, b in zip(names, marks, marks[1:]):
            parts[name].append(b - a)
        size = len(json.dumps(data))
    medians: Dict[str, Any] = {name: 1000 * statistics.median(values) for name, values in parts.items()}
    medians["board JSON (kB)"] = size / 1024
    return medians


def baseline(directory: Path, steps: int) -> None:
    """Run ``directory``'s own benchmark on ``directory``'s code; print its lines, marked."""
    script = directory / "benchmarks" / "app.py"
    if not script.is_file():
        raise SystemExit(f"--baseline {directory}: no benchmarks/app.py there (a checkout of the kit, please)")
    env = {**os.environ, "PYTHONPATH": str(directory.resolve())}
    done = subprocess.run([sys.executable, str(script), "--steps", str(steps)], capture_output=True, text=True,
                          env=env, cwd=directory)
    for line in (done.stdout + done.stderr).splitlines():
        print(f"baseline ({directory.name}): {line}")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20, help="Step clicks per engine (default 20)")
    parser.add_argument("--play", type=float, default=6.0, help="seconds of Play per engine (default 6)")
    parser.add_argument("--baseline", type=Path, default=None, metavar="DIR",
                        help="a checkout of an earlier commit: run its own benchmarks/app.py too, before and after")
    args = parser.parse_args(argv)
    missing = browser_missing()
    if missing:
        print(f"cannot run the benchmark: {missing}", file=sys.stderr)
        return 2
    from micrograd.impl import reference_dir

    print(f"machine: {cpu_model()}, {os.cpu_count()} cores; {versions()}")
    print(f"load average before: {os.getloadavg()[0]:.2f}; U = {unit_seconds():.2f} s")
    if args.baseline is not None:
        baseline(args.baseline, args.steps)
    for name, value in server_parts(args.steps).items():
        print(f"server part (this process, median of {args.steps}): {name:60s} {value:7.1f}")
    student = Path(tempfile.mkdtemp(prefix="mg-student-"))
    for file in ("engine.py", "nn.py"):
        shutil.copyfile(reference_dir() / file, student / file)
    for label, extra in (("reference, in the server's process", ()),
                         ("--impl (a copy of the reference), sandboxed child", ("--impl", str(student)))):
        r = browser_run(args.steps, args.play, *extra)
        print(f"{label}: first load {r['first_load_ms']:.0f} ms; click Step -> page updated: median "
              f"{r['median_ms']:.0f} ms, p90 {r['p90_ms']:.0f} ms, fastest {r['min_ms']:.0f} ms; per step: CPU "
              f"server {r['server_cpu_ms']:.0f} ms, browser {r['browser_cpu_ms']:.0f} ms, websocket "
              f"{r['ws_kb']:.1f} kB, drawing board {r['board_draw_ms']:.1f} ms, graph {r['graph_draw_ms']:.1f} ms; "
              f"Play {r['play_steps_per_s']:.1f} steps/s ({r['play_batch']} per redraw)")
    shutil.rmtree(student, ignore_errors=True)
    if args.baseline is not None:
        baseline(args.baseline, args.steps)
    print(f"load average after: {os.getloadavg()[0]:.2f}; U = {unit_seconds():.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
