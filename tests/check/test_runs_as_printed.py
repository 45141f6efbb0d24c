"""Every counterexample of the catalogue runs as printed and prints the "got" value its report claims
(issue 17, item 1).

For every mutant of the catalogue (micrograd.mutants): ``micrograd check`` on it, from a course folder
whose path is long (half the mutants from that folder, so the snippet loads ``'exercises'``; half from
far away, so it loads an absolute path assigned on a line of its own); each counterexample taken from
its terminal output at 80 and at 40 columns and from ``--json``; and ``micrograd grade`` on it with a
small rubric (its own exercise, 10 examples per property), each counterexample taken from its
feedback.md. Each is run as printed, in a fresh Python started where the student would paste it,
and what it prints (or the exception it ends with) is compared with what the report says the
student's code gives.

A report's row that a snippet does not print (``_backward calls, in order``) is not compared; every
counterexample must show at least one of the values its report claims.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import pytest
from counterexamples import (
    Counterexample,
    check_reproduces,
    from_feedback,
    from_json,
    from_terminal,
    plain,
    run_snippet,
)
from rich.console import Console

from micrograd.check import CheckReport, render_json, render_report, run_check
from micrograd.mutants import CATALOGUE, Mutant, write_mutant

MUTANTS = list(CATALOGUE.values())
#: long enough (with pytest's temporary folder: 45 characters and more) to wrap a loading line at 80 columns
COURSE = "a-course-folder-with-a-name-long-enough-to-wrap"


def terminal(report: CheckReport, width: int, cwd: Path) -> str:
    """The check's output as a terminal ``width`` columns wide shows it (the Console ``micrograd check``
    makes on a terminal: colours, cursor codes and the terminal's own width)."""
    out = io.StringIO()
    render_report(report, Console(file=out, width=width, force_terminal=True, color_system="truecolor",
                                  highlight=False), cwd)
    return plain(out.getvalue())


def reproduce(examples: List[Counterexample], cwd: Path) -> List[str]:
    """Run every distinct snippet once in ``cwd``; what disagrees with its reports, one line each."""
    problems = []
    ran: Dict[str, object] = {}
    for example in examples:
        if example.code not in ran:
            ran[example.code] = run_snippet(example.code, cwd)
        done = ran[example.code]
        compared, wrong = check_reproduces(example, done)  # type: ignore[arg-type]
        if not compared and not wrong:
            wrong = [f"it shows none of the values the report claims ({example.rows or example.raised!r}); "
                     f"it printed {done.stdout!r}"]  # type: ignore[attr-defined]
        problems += [f"[{example.source}] {line}\n{example.code}" for line in wrong]
    return problems


def checked(path: Optional[Path], exercise: str) -> CheckReport:
    """``micrograd check --exercise EXERCISE [PATH]``'s report, with time enough for a busy machine; checked
    again, once, when the child died or hung while importing the mutant (killed from outside: issue 17
    item 7, which the sandbox is to retry itself)."""
    report = run_check(path, exercises=[exercise], timeout=600)
    load = report.load_failure
    if load is not None and load.failure is not None and load.failure.type in ("Crash", "Timeout"):
        report = run_check(path, exercises=[exercise], timeout=600)
    return report


@pytest.mark.slow
@pytest.mark.parametrize("index", range(len(MUTANTS)), ids=[m.name for m in MUTANTS])
def test_each_counterexample_of_the_check_runs_as_printed_and_prints_the_got_value(index, tmp_path, monkeypatch):
    mutant = MUTANTS[index]
    course = tmp_path / COURSE
    write_mutant(mutant, course / "exercises")
    here = course if index % 2 == 0 else tmp_path / "somewhere" / "else" / "entirely"
    here.mkdir(parents=True, exist_ok=True)
    monkeypatch.chdir(here)
    report = checked(None if here == course else course / "exercises", mutant.exercise)
    wide, narrow = (from_terminal(terminal(report, width, here), f"terminal, {width} columns") for width in (80, 40))
    tools = from_json(json.loads(render_json(report, here)))
    assert [e.code for e in wide] == [e.code for e in narrow], "the terminal's width changed a counterexample"
    assert {e.code for e in wide} <= {e.code for e in tools}, "--json and the terminal show different code"
    assert tools, f"{mutant.name}: the check shows no counterexample ({[e.status for e in report.exercises]})"
    loads = "load_implementation('exercises')" if here == course else "load_implementation(folder)"
    assert all(loads in e.code for e in tools if "load_implementation" in e.code)
    problems = reproduce([*wide, *narrow, *tools], here)
    assert not problems, f"{mutant.name}: " + "\n\n".join(problems)


# ------------------------------------------------------------------------------------------- feedback.md


def _shared_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder all pytest-xdist workers of this run share (each worker has its own basetemp under it)."""
    root = tmp_path_factory.getbasetemp()
    return root.parent if os.environ.get("PYTEST_XDIST_WORKER") else root


@pytest.fixture(scope="session")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """exercise -> the folder where ``micrograd grade`` graded its mutants (once per run, whichever
    worker asks first; the others wait for it)."""
    root = _shared_root(tmp_path_factory)

    def grade(exercise: str) -> Path:
        import fcntl

        folder = root / f"graded-{exercise}"
        with open(root / f"graded-{exercise}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (folder / "done").exists():
                _grade(exercise, folder)
                (folder / "done").write_text("")
        return folder

    yield grade


def _grade(exercise: str, folder: Path) -> None:
    """``micrograd grade`` on the mutants of ``exercise``, with a rubric of that exercise alone (a
    generous ``--timeout``: a busy machine must not turn a slow check into a timeout)."""
    submissions = folder / "submissions"
    for m in MUTANTS:
        if m.exercise == exercise:
            write_mutant(m, submissions / m.name)
    rubric = folder / "rubric.toml"
    rubric.write_text(f"[settings]\nmax_examples = 10\n\n[exercises]\n{exercise} = 1\n", encoding="utf-8")
    todo = sorted(submissions.iterdir())
    for attempt in range(2):  # a submission killed from outside (issue 17, item 7: the sandbox's) is graded again
        out = folder / ("out" if attempt == 0 else f"again-{attempt}")
        done = subprocess.run([sys.executable, "-m", "micrograd", "grade", *map(str, todo), "--out", str(out),
                               "--rubric", str(rubric), "--timeout", "60", "--no-html"],
                              capture_output=True, text=True, timeout=1800, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        if attempt:
            for path in todo:
                shutil.rmtree(folder / "out" / path.name)
                shutil.copytree(out / path.name, folder / "out" / path.name)
        with open(out / "grades.csv", newline="", encoding="utf-8") as grades:
            status = {row["student"]: row["status"] for row in csv.DictReader(grades)}
        todo = [path for path in todo if status[path.name] != "graded"]
        if not todo:
            return


@pytest.mark.slow
@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.name for m in MUTANTS])
def test_each_counterexample_of_the_feedback_runs_as_printed_and_prints_the_got_value(mutant: Mutant, graded):
    folder = graded(mutant.exercise)
    result = json.loads((folder / "out" / mutant.name / "results.json").read_text(encoding="utf-8"))
    examples = from_feedback((folder / "out" / mutant.name / "feedback.md").read_text(encoding="utf-8"))
    assert examples, f"{mutant.name}: feedback.md shows no counterexample ({result['output']}, score {result['score']})"
    assert all("load_implementation('.')" in e.code for e in examples)
    problems = reproduce(examples, folder / "submissions" / mutant.name)  # "run this next to your engine.py"
    assert not problems, f"{mutant.name}: " + "\n\n".join(problems)
