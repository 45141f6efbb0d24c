"""The check starts the student's child in a thread while it imports the judge, in the layer it would choose,
before that layer's probe (micrograd/check/_early.py): the check takes that child, a layer that cannot start
here is probed and replaced, and code that kills its own child is the code's failure."""

from __future__ import annotations

import io
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List

import pytest

from micrograd.check import DEFAULT_TIMEOUT, run_check
from micrograd.check._early import EarlyChild, confirmed
from micrograd.impl import reference_dir
from micrograd.program import Op, Program
from micrograd.verdict import DEEP_PROBE


def _broken_bwrap(monkeypatch: pytest.MonkeyPatch) -> None:
    """bubblewrap that cannot start any sandbox here (as in a container without namespaces): every command line
    it is given has an option it refuses, and the layers are chosen afresh."""
    from micrograd.sandbox import _cell, _choice

    real = _cell.bwrap_argv

    def refused(*args: Any, **kwargs: Any) -> List[str]:
        argv = real(*args, **kwargs)
        return [argv[0], "--no-such-option", *argv[1:]]

    monkeypatch.setattr(_cell, "bwrap_argv", refused)
    monkeypatch.setattr(_choice, "_available", {})
    monkeypatch.delenv("MICROGRAD_ISOLATION", raising=False)


def _sum() -> Program:
    return Program((2.0, 3.0), (Op("add", (0, 1)),), (2,))


def test_the_early_child_is_taken_and_answers_after_a_pause() -> None:
    early = EarlyChild(reference_dir(), 30.0)
    try:
        evaluator = early.take(reference_dir(), 30.0)
        assert evaluator is not None and evaluator.load_report().failure is None
        time.sleep(1.0)  # the check imports and loads the exam meanwhile
        outcome = evaluator.evaluate(_sum())
        assert outcome.error is None and outcome.data[2] == 5.0
        evaluator.close()
    finally:
        early.release()


def test_a_child_for_another_folder_or_time_limit_is_not_taken() -> None:
    early = EarlyChild(reference_dir(), 30.0)
    try:
        assert early.take(reference_dir(), 5.0) is None
        assert early.take(reference_dir(), 30.0) is None  # closed when it was refused
    finally:
        early.release()


def test_a_layer_that_cannot_start_here_is_probed_and_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    _broken_bwrap(monkeypatch)
    early = EarlyChild(reference_dir(), 30.0)
    try:
        started = early.take(reference_dir(), 30.0)
        assert started is not None and started.isolation.layer == "bwrap"
        evaluator = confirmed(started, reference_dir(), 30.0)
        try:
            assert evaluator is not started and evaluator.isolation.layer == "none"
            assert "bubblewrap cannot start a sandbox here" in evaluator.isolation.detail
            assert evaluator.load_report().failure is None
            assert evaluator.evaluate(_sum()).data[2] == 5.0
        finally:
            evaluator.close()
    finally:
        early.release()


def test_the_whole_check_passes_where_bubblewrap_cannot_start(monkeypatch: pytest.MonkeyPatch) -> None:
    _broken_bwrap(monkeypatch)
    early = EarlyChild(reference_dir(), DEFAULT_TIMEOUT, prefetch=DEEP_PROBE)
    try:
        report = run_check(reference_dir(), early=early)
    finally:
        early.release()
    assert report.ok, [e for e in report.exercises if str(e.status) != "passing"]


def test_code_that_kills_its_own_child_while_imported_is_the_codes_failure(tmp_path: Path) -> None:
    code = tmp_path / "code"
    code.mkdir()
    (code / "engine.py").write_text("import os\nos._exit(3)\n")
    (code / "nn.py").write_text("")
    early = EarlyChild(code, 30.0)
    try:
        started = early.take(code, 30.0)
        assert started is not None
        evaluator = confirmed(started, code, 30.0)
        try:
            assert evaluator is started  # the layer passed its probe: nothing to replace
            failure = evaluator.load_report().failure
            assert failure is not None and "3" in str(failure)
        finally:
            evaluator.close()
    finally:
        early.release()


def test_the_command_line_is_read_before_hypothesis_numpy_or_rich_are_imported() -> None:
    """The child starts as soon as the command line is read: what the judge needs is imported meanwhile."""
    code = ("import sys\nfrom micrograd.cli import _parser\n_parser('check').parse_args(['check', 'somewhere'])\n"
            "print(sorted(m for m in ('hypothesis', 'numpy', 'rich', 'micrograd.judge') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "[]"


def test_an_exercises_first_failure_is_printed_before_its_other_properties_run(tmp_path: Path) -> None:
    from rich.console import Console

    from micrograd.check import Renderer
    from micrograd.mutants import CATALOGUE, write_mutant

    code = write_mutant(CATALOGUE["root_not_seeded"], tmp_path / "no_seed")
    console = Console(file=io.StringIO(), width=100, color_system=None)
    renderer = Renderer(console, code, cwd=tmp_path)
    printed_before: Dict[str, str] = {}

    def before(prop: Any) -> None:
        printed_before[prop.id] = console.file.getvalue()

    report = run_check(code, before=before, after=renderer.exercise_done, each=renderer.property_done)
    renderer.finish(report)
    backward = report.results_of("backward")
    assert [str(r.status) for r in backward[:2]] == ["failed", "failed"]
    hint = backward[0].failure.hint
    assert hint and hint not in printed_before[backward[0].id]
    assert hint in printed_before[backward[1].id]  # printed before the exercise's second property ran
    assert console.file.getvalue().count(f"property {backward[0].id}") == 1  # and not again at the exercise's end
