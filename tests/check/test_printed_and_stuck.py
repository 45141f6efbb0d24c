"""Issue 17 item 4: the sandbox's limits are told where they bite. A time limit shows the input that was
running, as a snippet that runs (and hangs) as printed, and what the student's code printed before it;
a failure shows what the code printed while it ran."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from check_helpers import copy_of_reference
from rich.console import Console

from micrograd.check import render_json, render_report, run_check

MUL = "out = Value(self.data * other.data"


def _text(report, cwd: Path) -> str:
    console = Console(file=io.StringIO(), width=100, color_system=None)
    render_report(report, console, cwd=cwd)
    return console.file.getvalue()  # type: ignore[attr-defined]


def _snippet(text: str, after: str) -> str:
    block = text.split(after, 1)[1].lstrip("\n")
    return block.split("\n\n", 1)[0] if "print(" not in block else block[: block.index("\n\n", block.index("print("))]


def test_a_time_limit_shows_the_input_that_was_running_and_what_the_code_printed(tmp_path: Path) -> None:
    loop = "while self.data == 0.0 or self.data > 1e300:\n            print('stuck at', self.data)\n        " + MUL
    student = copy_of_reference(tmp_path, MUL, loop)
    report = run_check(student, exercises=["mul"], timeout=2.0)
    text = _text(report, tmp_path)
    assert "timeout: took longer than 2 s (an infinite loop?); it was running engine.py:" in text
    assert "It was running this input (runnable; it does not finish either):" in text
    assert "Your code printed" in text and "stuck at 0.0" in text
    code = _snippet(text, "It was running this input (runnable; it does not finish either):")
    assert "Value(0.0)" in code and "load_implementation('submission')" in code
    with pytest.raises(subprocess.TimeoutExpired):  # pasted as printed, it hangs as the check said
        subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, timeout=5)
    timed_out = [p for p in report.results_of("mul") if p.status == "timeout"]
    assert timed_out and "Value(0.0)" in timed_out[0].code and "stuck at 0.0" in timed_out[0].output
    assert "stuck at 0.0" in render_json(report, cwd=tmp_path)


def test_a_failure_shows_what_the_code_printed(tmp_path: Path) -> None:
    bug = "print('mul of', self.data, 'and', other.data)\n        out = Value(self.data * other.data.as_integer_ratio()"
    student = copy_of_reference(tmp_path, MUL, bug)
    text = _text(run_check(student, exercises=["mul"]), tmp_path)
    assert "Counterexample (runnable):" in text
    assert "Your code printed" in text and "mul of " in text.split("Your code printed", 1)[1]


def test_the_check_does_not_import_pytest() -> None:
    """pytest is the spec's collection layer only: a student's check starts without it (tens of milliseconds
    of imports at every run)."""
    import subprocess
    import sys

    code = ("import sys; from micrograd.cli import main; from micrograd.check import run_check; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pytest', '_pytest')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout
