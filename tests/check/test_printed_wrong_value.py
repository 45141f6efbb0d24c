"""Issue 17 item 4: what the student's code printed while the failing example ran is shown with a wrong value
(no exception) too: in the terminal, in --json and in ``micrograd grade``'s feedback.md and results.json; what
it printed while examples that passed ran is not, and a huge print is cut."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import List

from check_helpers import copy_of_reference
from rich.console import Console

from autograder import grade, load_rubric
from micrograd.check import render_json, render_report, run_check
from micrograd.check._run import CheckReport
from micrograd.judge import PropertyStatus
from micrograd.judge._results import OUTPUT_LINES, OUTPUT_WIDTH

MUL = "out = Value(self.data * other.data"
#: prints every multiplication it makes, and whether it is right: wrong (one too much) when self.data > 1
PRINTING = ("right = self.data <= 1\n"
            "        print('mul of', self.data, 'and', other.data, 'ok' if right else 'WRONG')\n"
            "        out = Value(self.data * other.data + (0.0 if right else 1.0)")


def _text(report: CheckReport, cwd: Path) -> str:
    console = Console(file=io.StringIO(), width=100, color_system=None)
    render_report(report, console, cwd=cwd)
    return console.file.getvalue()  # type: ignore[attr-defined]


def _printed_block(text: str) -> List[str]:
    """The lines shown under "Your code printed"."""
    block = text.split("Your code printed", 1)[1].split("\n", 1)[1].lstrip("\n")
    return block.split("\n\n", 1)[0].splitlines()


def _failed(report: CheckReport):  # type: ignore[no-untyped-def]
    failed = [p for p in report.results_of("mul") if p.status is PropertyStatus.FAILED]
    assert failed, [(p.id, p.status) for p in report.results_of("mul")]
    return failed[0]


def test_a_wrong_value_shows_what_the_failing_example_printed_and_nothing_else(tmp_path: Path) -> None:
    student = copy_of_reference(tmp_path, MUL, PRINTING)
    report = run_check(student, exercises=["mul"])
    text = _text(report, tmp_path)
    assert "wrong value" in text and "Your code raised" not in text  # no exception: a wrong value
    shown = _printed_block(text)
    assert shown and all(line.startswith("mul of ") for line in shown), shown
    # the counterexample, run as printed, prints exactly what is shown: the failing example's lines, and no line
    # of the examples that passed before it (each of those printed "ok" lines of their own)
    snippet = text.split("Counterexample (runnable):\n\n", 1)[1].split("\n\nExpected vs got", 1)[0]
    ran = subprocess.run([sys.executable, "-c", snippet], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr
    assert shown == [line for line in ran.stdout.splitlines() if line.startswith("mul of ")]
    assert any(line.endswith("WRONG") for line in shown)
    assert "mul of 0.0 and 2.0 ok" not in text  # the exam's first example, which passed, printed it
    failed = _failed(report)
    assert failed.raised is None and failed.output.splitlines() == shown
    data = json.loads(render_json(report, cwd=tmp_path))
    outputs = [p["output"] for e in data["exercises"] for p in e["properties"] if p["status"] == "failed"]
    assert outputs and outputs[0].splitlines() == shown


def test_a_correct_submission_that_prints_shows_nothing_printed(tmp_path: Path) -> None:
    student = copy_of_reference(tmp_path, MUL, "print('mul of', self.data)\n        " + MUL)
    report = run_check(student, exercises=["mul"])
    assert all(p.passed for p in report.results_of("mul"))
    assert all(p.output == "" for p in report.results_of("mul"))
    assert "Your code printed" not in _text(report, tmp_path) and "mul of" not in render_json(report, cwd=tmp_path)


def test_a_huge_print_is_cut_with_a_mark(tmp_path: Path) -> None:
    huge = ("print('x' * 3_000_000)\n        print('the last words')\n        "
            "out = Value(self.data * other.data + 1.0")
    student = copy_of_reference(tmp_path, MUL, huge)
    report = run_check(student, exercises=["mul"])
    failed = _failed(report)
    assert failed.output.rstrip().endswith("the last words")
    assert "characters before these cut]" in failed.output and len(failed.output) <= 2100
    shown = _printed_block(_text(report, tmp_path))
    assert shown[-1] == "the last words" and len(shown) <= OUTPUT_LINES
    assert all(len(line) <= OUTPUT_WIDTH for line in shown)
    assert len(render_json(report, cwd=tmp_path)) < 100_000


def test_grading_writes_what_the_failing_example_printed_into_the_feedback(tmp_path: Path) -> None:
    student = copy_of_reference(tmp_path, MUL, PRINTING)
    rubric = tmp_path / "rubric.toml"
    rubric.write_text("[exercises.mul]\npoints = 1\n")
    out = tmp_path / "out"
    [result] = grade([student], out, rubric=load_rubric(rubric), html=False)
    failed = [p for p in result.properties if p.status is PropertyStatus.FAILED]
    assert failed and "WRONG" in failed[0].output and " ok" not in failed[0].output
    feedback = (out / result.student / "feedback.md").read_text()
    assert "Your code printed:" in feedback
    block = feedback.split("Your code printed:", 1)[1].strip("\n").split("\n\n", 1)[0].splitlines()
    assert block == ["    " + line for line in failed[0].output.splitlines()]  # indented: plain text in markdown
    results = json.loads((out / result.student / "results.json").read_text())
    assert any("Your code printed:" in t["output"] and "WRONG" in t["output"] for t in results["tests"])
