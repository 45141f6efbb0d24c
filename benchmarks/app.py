"""How long ``micrograd app`` takes from a click on "Step" to the updated page, MLP(2, [8, 3]) on 100 points.

Starts the app (reference in-process, then a copy of the reference as a student's
directory in the sandboxed child), opens it in Debian's headless chromium, and clicks
"Step" N times. In the browser, each click is timed from the click to the moment the
step counter, the graph (SVG redrawn) and the data plot (boundary redrawn) all show the
new step. Also reports the server's CPU time per step (from /proc) and, measured in
this process, what one step costs on the server: evaluation, boundary, graph layout.

    python benchmarks/app.py [--steps 20]

Needs the app extra, playwright (pip), chromium and graphviz (apt). Results: docs/app.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "app"))

from app_helpers import app_server, browser_missing, browser_page, metric  # noqa: E402 (after the path)

_CLICK_AND_WAIT = """async (expected) => {
    // find the elements once; poll cheap properties (no innerText: it forces a layout)
    let hosts = Array.from(document.querySelectorAll('*')).filter(e => e.shadowRoot);
    const find = (selector) => {
        for (const host of hosts) {
            const found = host.shadowRoot.querySelector(selector);
            if (found && found.isConnected) return found;
        }
        hosts = Array.from(document.querySelectorAll('*')).filter(e => e.shadowRoot);
        return null;
    };
    const graphBefore = (find('.mg-graph') || {}).__version;
    const dataBefore = find('.mg-plot').__mg.data;
    const stepMetric = () => Array.from(document.querySelectorAll('[data-testid="stMetric"]'))
        .find(m => m.textContent.startsWith('Step'));
    let metric = stepMetric();
    const button = Array.from(document.querySelectorAll('button')).find(b => b.textContent.trim() === 'Step');
    const start = performance.now();
    button.click();
    while (true) {
        await new Promise(r => requestAnimationFrame(r));
        if (!metric || !metric.isConnected) metric = stepMetric();
        const value = metric && metric.querySelector('[data-testid="stMetricValue"]');
        const g = find('.mg-graph'), p = find('.mg-plot');
        const graphDone = graphBefore === undefined || (g && g.__version !== graphBefore);
        if (value && value.textContent.trim() === String(expected) && graphDone && p && p.__mg.data !== dataBefore) {
            return performance.now() - start;
        }
        if (performance.now() - start > 30000) return -1;
    }
}"""


def _cpu_seconds(pid: int) -> float:
    """user + system CPU seconds of a process and its children that were waited for."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(fields[i]) for i in (11, 12, 13, 14))
    return ticks / os.sysconf("SC_CLK_TCK")


def _server_pid(port_url: str) -> Optional[int]:
    port = port_url.rsplit(":", 1)[1]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmd = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"streamlit" in cmd and port.encode() in cmd:
                return int(entry.name)
    return None


def _children_cpu(pid: int) -> float:
    """CPU seconds of every live descendant of pid (the sandboxed child)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid:
                total += _cpu_seconds(int(entry.name)) + _children_cpu(int(entry.name))
    return total


def _browser_cpu(profile: Path) -> float:
    """CPU seconds of the chromium started with this profile directory, and of all its descendants."""
    parents: Dict[int, int] = {}
    roots = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmd = (entry / "cmdline").read_bytes()
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if str(profile).encode() in cmd:
                roots.append(int(entry.name))
    family = set(roots)
    changed = True
    while changed:
        changed = False
        for pid, parent in parents.items():
            if parent in family and pid not in family:
                family.add(pid)
                changed = True
    total = 0.0
    for pid in family:
        try:
            total += _cpu_seconds(pid)
        except (OSError, IndexError):
            continue
    return total


def browser_run(steps: int, *args: str) -> Dict[str, float]:
    tmp = Path(tempfile.mkdtemp(prefix="mg-app-bench-"))
    try:
        with app_server(tmp / "app.log", *args) as url, browser_page(tmp / "profile", []) as page:
            page.goto(url)
            page.wait_for_selector(".mg-plot")
            time.sleep(1.0)
            pid = _server_pid(url)
            times: List[float] = []
            cpu_before = _cpu_seconds(pid) + _children_cpu(pid) if pid else 0.0
            browser_before = _browser_cpu(tmp / "profile")
            for k in range(1, steps + 1):
                elapsed = page.evaluate(_CLICK_AND_WAIT, k)
                if elapsed < 0:
                    raise RuntimeError(f"step {k} did not update the page within 30 s")
                times.append(elapsed)
            cpu_after = _cpu_seconds(pid) + _children_cpu(pid) if pid else 0.0
            browser_after = _browser_cpu(tmp / "profile")
            assert metric(page, "Step") == str(steps)
        return {
            "median_ms": statistics.median(times),
            "p90_ms": sorted(times)[int(0.9 * (len(times) - 1))],
            "min_ms": min(times),
            "server_cpu_ms_per_step": 1000 * (cpu_after - cpu_before) / steps,
            "browser_cpu_ms_per_step": 1000 * (browser_after - browser_before) / steps,
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def server_parts(repeats: int) -> Dict[str, float]:
    """Median ms of each part of one step on the server, in this process (reference engine)."""
    from micrograd.app._backend import open_backend
    from micrograd.app._boundary import decision_boundary
    from micrograd.app._data import load_dataset
    from micrograd.app._graph import GraphRenderer, draw_graph, render_svg
    from micrograd.app._page import BOUNDARY_CELLS
    from micrograd.app._trainer import TrainConfig, Trainer

    trainer = Trainer(open_backend(), load_dataset("yin-yang"), TrainConfig(hidden=(8,)))
    renderer = GraphRenderer()
    renderer.render(draw_graph(trainer.last.outcome.graph, trainer.sizes, "nodes"))
    parts: Dict[str, List[float]] = {
        "step (optimizer + evaluation)": [],
        f"decision boundary ({BOUNDARY_CELLS}x{BOUNDARY_CELLS})": [],
        "graph (dot source, cached layout)": [],
        "graph layout by dot (new structure only)": [],
    }
    for _ in range(repeats):
        t0 = time.perf_counter()
        trainer.step()
        t1 = time.perf_counter()
        decision_boundary(trainer.weights(), trainer.dataset.extent, BOUNDARY_CELLS)
        t2 = time.perf_counter()
        drawing = draw_graph(trainer.last.outcome.graph, trainer.sizes, "nodes")
        renderer.render(drawing)
        t3 = time.perf_counter()
        render_svg(drawing.source)
        t4 = time.perf_counter()
        for name, seconds in zip(parts, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
            parts[name].append(seconds)
    assert renderer.layouts_made == 1
    return {name: 1000 * statistics.median(values) for name, values in parts.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    missing = browser_missing()
    if missing:
        print(f"cannot run the benchmark: {missing}", file=sys.stderr)
        return 2
    from micrograd.impl import reference_dir

    print(f"load average before: {os.getloadavg()[0]:.2f} (2 cores)")
    for name, ms in server_parts(args.steps).items():
        print(f"server part, median of {args.steps}: {name:42s} {ms:7.1f} ms")
    student = Path(tempfile.mkdtemp(prefix="mg-student-"))
    for file in ("engine.py", "nn.py"):
        shutil.copyfile(reference_dir() / file, student / file)
    for label, extra in (("reference, in the server's process", ()),
                         ("--impl (copy of the reference), sandboxed child", ("--impl", str(student)))):
        result = browser_run(args.steps, *extra)
        print(f"click Step -> page updated, {label}: median {result['median_ms']:.0f} ms, "
              f"p90 {result['p90_ms']:.0f} ms, min {result['min_ms']:.0f} ms; "
              f"CPU per step: server {result['server_cpu_ms_per_step']:.0f} ms, "
              f"browser {result['browser_cpu_ms_per_step']:.0f} ms")
    shutil.rmtree(student, ignore_errors=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
