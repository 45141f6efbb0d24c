"""Speed of the C twin (c/) against the Python run of LLM101n's micrograd: the same 100 steps, the same log.

    python benchmarks/c_speed.py                     # C vs `python -m micrograd demo yinyang`; writes docs/c.md
    python benchmarks/c_speed.py --python-cmd "python3 path/to/micrograd.py" --label "the original"
    python benchmarks/c_speed.py --repeat 3 --c-repeat 30 --no-write           # a quick look, docs untouched

Builds c/ with make into a temporary directory, runs the C binary once and the Python command once and
requires the two outputs to be identical (exit status 1 otherwise), then times each, alternating, in fresh
processes: CPU seconds (user + system) of the child from getrusage, because the machine is shared and wall
time swings with the load. The Python time includes starting the interpreter and importing, as a user
running the command sees it. Reports the median and the minimum of each, their ratio, and the load average
before and after, and writes them between the markers in docs/c.md.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple

ROOT = Path(__file__).resolve().parents[1]
C_DIR = ROOT / "c"
DOC = ROOT / "docs" / "c.md"
BEGIN = "<!-- c_speed.py results: begin -->"
END = "<!-- c_speed.py results: end -->"


@dataclass
class Timing:
    label: str
    command: List[str]
    cpu: List[float]

    @property
    def median(self) -> float:
        return statistics.median(self.cpu)

    @property
    def best(self) -> float:
        return min(self.cpu)


def run_timed(command: List[str]) -> Tuple[str, float]:
    """Run command to completion; its stdout and the CPU seconds (user + system) it used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"c_speed.py: {shlex.join(command)} failed (exit status {done.returncode}):\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return done.stdout, cpu


def build(directory: Path) -> Path:
    for tool in ("make", "cc"):
        if shutil.which(tool) is None:
            sys.exit(f"c_speed.py: needs `{tool}` to build c/ (apt-get install {'gcc' if tool == 'cc' else tool})")
    done = subprocess.run(["make", "-C", str(C_DIR), "all", f"BUILD={directory}"], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"c_speed.py: building c/ failed:\n{done.stdout}{done.stderr}")
    return directory / "micrograd"


def first_difference(a: str, b: str) -> str:
    for number, (line_a, line_b) in enumerate(zip(a.splitlines(), b.splitlines()), start=1):
        if line_a != line_b:
            return f"line {number}: C {line_a!r}, Python {line_b!r}"
    return f"lengths differ: C {len(a.splitlines())} lines, Python {len(b.splitlines())} lines"


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"


def compiler() -> str:
    done = subprocess.run(["cc", "--version"], capture_output=True, text=True)
    return done.stdout.splitlines()[0] if done.returncode == 0 and done.stdout else "cc (version unknown)"


def report(c: Timing, python: Timing, load_before: Tuple[float, ...], load_after: Tuple[float, ...]) -> str:
    """The results as Markdown, for docs/c.md."""

    def load(values: Tuple[float, ...]) -> str:
        return " / ".join(f"{value:.2f}" for value in values)

    python_version = subprocess.run(
        [python.command[0], "-c", "import platform; print(platform.python_version())"], capture_output=True, text=True
    ).stdout.strip()
    rows = [
        "| run | command | repetitions | median CPU s | min CPU s |",
        "| --- | --- | --- | --- | --- |",
    ]
    for timing in (python, c):
        command = shlex.join(Path(part).name if i == 0 else part for i, part in enumerate(timing.command))
        rows.append(f"| {timing.label} | `{command}` | {len(timing.cpu)} | {timing.median:.4f} | {timing.best:.4f} |")
    return "\n".join([
        f"Measured {datetime.date.today().isoformat()} by `python benchmarks/c_speed.py` on {machine()}; "
        f"{compiler()}, Python {python_version or '?'}. Both printed the same 110 lines.",
        "",
        *rows,
        "",
        f"**The C twin is {python.median / c.median:.0f}x faster** (ratio of the medians; "
        f"{python.best / c.best:.0f}x from the minimums).",
        f"Load average (1 / 5 / 15 min) on {os.cpu_count()} cores: {load(load_before)} before, "
        f"{load(load_after)} after the measurement.",
    ])


def write_doc(text: str) -> None:
    doc = DOC.read_text(encoding="utf-8")
    if BEGIN not in doc or END not in doc:
        sys.exit(f"c_speed.py: {DOC} lacks the markers {BEGIN!r} and {END!r}; not written")
    head, rest = doc.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    DOC.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}", encoding="utf-8")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python-cmd", default=None, metavar="COMMAND",
                        help="the Python run (default: this interpreter with -m micrograd demo yinyang)")
    parser.add_argument("--label", default="Python (`micrograd demo yinyang`)", metavar="TEXT",
                        help="what the Python run is, for the table in docs/c.md")
    parser.add_argument("--repeat", type=int, default=5, metavar="N", help="Python runs to time (default 5)")
    parser.add_argument("--c-repeat", type=int, default=50, metavar="N", help="C runs to time (default 50)")
    parser.add_argument("--no-write", action="store_true", help="print the results only; leave docs/c.md alone")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.c_repeat < 1:
        parser.error("--repeat and --c-repeat must be at least 1")
    python_command = (shlex.split(args.python_cmd) if args.python_cmd
                      else [sys.executable, "-m", "micrograd", "demo", "yinyang"])

    with tempfile.TemporaryDirectory(prefix="c-speed-") as tmp:
        c_command = [str(build(Path(tmp)))]
        c_log, _ = run_timed(c_command)
        done = subprocess.run(python_command, capture_output=True, text=True, cwd=ROOT)
        if done.returncode != 0:
            sys.exit(f"c_speed.py: the Python run {shlex.join(python_command)} failed (exit status "
                     f"{done.returncode}); is `micrograd demo yinyang` in this tree? Give another command with "
                     f"--python-cmd.\n{done.stderr}")
        if done.stdout != c_log:
            print(f"c_speed.py: the outputs differ: {first_difference(c_log, done.stdout)}", file=sys.stderr)
            return 1

        load_before = os.getloadavg()
        c = Timing("C twin", c_command, [])
        python = Timing(args.label, python_command, [])
        per_python = -(-args.c_repeat // args.repeat)  # C runs between two Python runs
        while len(python.cpu) < args.repeat or len(c.cpu) < args.c_repeat:
            if len(python.cpu) < args.repeat:
                out, cpu = run_timed(python_command)
                if out != c_log:
                    sys.exit("c_speed.py: the Python run printed something else this time")
                python.cpu.append(cpu)
            for _ in range(min(per_python, args.c_repeat - len(c.cpu))):
                out, cpu = run_timed(c_command)
                if out != c_log:
                    sys.exit("c_speed.py: the C run printed something else this time")
                c.cpu.append(cpu)
        load_after = os.getloadavg()

    text = report(c, python, load_before, load_after)
    print(text)
    if not args.no_write:
        write_doc(text)
        print(f"\nwritten to {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
