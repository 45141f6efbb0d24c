"""``micrograd check``: the student's view of the spec, run on a fake spec and on the real one."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from check_helpers import (
    FAKE_EXERCISES,
    FAKE_SPEC,
    check_spec_dir,
    copy_of_reference,
    counterexample,
    rows,
    run_check,
    sections,
)

from micrograd import check
from micrograd.cli import COMMANDS, main
from micrograd.impl import LocalEvaluator, exercises_dir, reference_dir, snippet_folder
from micrograd.verdict import COURSE, EXERCISES


def test_check_is_a_micrograd_command():
    assert COMMANDS["check"] == "micrograd.check"


def test_the_reference_passes_the_fake_spec(capsys):
    status, out, err = run_check(capsys, str(reference_dir()), "--oracle", "fd")
    assert status == 0, out
    table = rows(out)
    assert list(table) == FAKE_EXERCISES
    assert all("passing" in table[name] for name in ("add", "mul", "relu", "backward"))
    assert "skipped" in table["accumulation"]
    assert "4/4 exercises pass" in out
    assert "Traceback" not in out + err


def test_exercises_are_not_started_and_fail_cleanly(capsys, monkeypatch):
    monkeypatch.chdir(exercises_dir().parent)  # PATH defaults to ./exercises
    status, out, err = run_check(capsys, "--oracle", "fd")
    assert status == 1
    words = " ".join(out.split())  # rich may keep a space at the end of a wrapped line
    assert f"Checking {Path('exercises').resolve()} (no PATH given: the exercises/ folder in the current" in words
    table = rows(out)
    assert all("not started" in table[name] for name in ("add", "mul", "relu"))
    assert "implement Value.__add__" in table["add"]
    # the fake backward property multiplies: backward() itself is not what stops it
    assert "blocked" in table["backward"] and "blocked by mul: implement it first" in table["backward"]
    assert "Next: implement Value.__add__ in engine.py" in out
    assert "0/4 exercises pass (3 not started, 1 blocked, 1 skipped)" in out
    assert "Traceback" not in out + err and "Counterexample" not in out


def test_a_stub_stops_its_exercise_after_the_first_property(capsys):
    status, out, _ = run_check(capsys, str(exercises_dir()), "--oracle", "fd", "--json")
    assert status == 1
    add = json.loads(out)["exercises"][0]
    assert [p["status"] for p in add["properties"]] == ["failed", "not_run"]
    assert (add["status"], add["stub"], add["passed"], add["total"]) == ("not_started", "Value.__add__", 0, 2)
    assert '"not run"' not in out and '"not started"' not in out  # one spelling: the statuses' own


def test_a_bug_is_named_with_a_runnable_counterexample_and_a_hint(capsys, tmp_path):
    buggy = copy_of_reference(
        tmp_path,
        "self.grad += out.grad\n            other.grad += out.grad",
        "self.grad = out.grad\n            other.grad = out.grad",
    )
    status, out, err = run_check(capsys, str(buggy), "--oracle", "fd")
    assert status == 1
    table = rows(out)
    assert "failing" in table["add"]
    assert all("passing" in table[name] for name in ("mul", "relu", "backward"))
    assert "add: addition" in out and "property test_ops::test_add_to_itself" in out
    assert "Hint: a node used twice must receive both contributions" in out
    assert "expected" in out and "got" in out
    assert "3/4 exercises pass (1 failing, 1 skipped)" in out
    assert out.index("add: addition") < out.index("exercise ")  # the failure leads, the table follows
    assert "Traceback" not in out + err
    code = counterexample(out)
    assert "a + a" in code and repr(snippet_folder(buggy)) in code  # the path as typed where the check ran
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert ran.returncode == 0, ran.stderr
    # the snippet runs the submission, so it shows the wrong gradient: 1.0 where 2.0 is due
    assert float(ran.stdout.split()[-1]) == 1.0


def test_a_file_that_cannot_be_loaded_is_explained_once(capsys, tmp_path):
    broken = copy_of_reference(tmp_path, "    def relu(self):", "    def relu(self)")
    status, out, err = run_check(capsys, str(broken), "--oracle", "fd")
    assert status == 1
    assert rows(out) == {}  # no table of exercises that could not run
    assert out.count("Your code cannot be loaded: importing") == 1 and out.count("SyntaxError") == 1
    assert "(line " in out and "0/5 exercises checked: your engine.py cannot be used" in out
    assert "Counterexample" not in out and "Traceback" not in out + err
    _, out, _ = run_check(capsys, str(broken), "--oracle", "fd", "--json")
    report = json.loads(out)
    assert "SyntaxError" in report["load_failure"]["summary"] and "SyntaxError" not in json.dumps(report["exercises"])
    assert {p["status"] for e in report["exercises"] for p in e["properties"]} == {"not_run"}


def test_json_report_parses_with_every_property_result(capsys, tmp_path):
    buggy = copy_of_reference(tmp_path, "other.grad += self.data * out.grad", "other.grad += other.data * out.grad")
    status, out, _ = run_check(capsys, str(buggy), "--oracle", "fd", "--json", "--profile", "ci")
    assert status == 1
    report = json.loads(out)
    assert (report["ok"], report["passing"], report["total"], report["oracle"], report["profile"]) == (
        False,
        2,
        4,
        "fd",
        "ci",
    )  # accumulation's one property is skipped: it does not count
    exercises = {e["name"]: e for e in report["exercises"]}
    assert list(exercises) == FAKE_EXERCISES
    assert exercises["mul"]["status"] == "failing"
    failure = exercises["mul"]["properties"][0]
    assert failure["failure_exercise"] == "mul" and "Value(" in failure["code"] and failure["hint"]
    assert any(row[0].endswith(".grad") for row in failure["rows"])
    assert exercises["add"]["status"] == "passing"
    assert all(p["status"] == "passed" and p["examples"] > 0 for p in exercises["add"]["properties"])
    assert exercises["accumulation"]["properties"][0]["status"] == "skipped"


def test_two_checks_of_the_same_code_agree(capsys, tmp_path):
    buggy = copy_of_reference(tmp_path, "other.grad += self.data * out.grad", "other.grad += other.data * out.grad")

    def verdicts() -> list:
        _, out, _ = run_check(capsys, str(buggy), "--oracle", "fd", "--json")
        return [
            (p["id"], p["status"], p["examples"], p["summary"], p["code"], p["rows"], p["hint"])
            for e in json.loads(out)["exercises"]
            for p in e["properties"]
        ]

    first = verdicts()
    assert any(verdict[1] == "failed" for verdict in first)
    assert verdicts() == first


def test_exercise_option_checks_only_those(capsys):
    status, out, _ = run_check(capsys, str(reference_dir()), "--oracle", "fd", "--json", "--exercise", "relu", "mul")
    assert status == 0
    assert [e["name"] for e in json.loads(out)["exercises"]] == ["mul", "relu"]


def test_an_infinite_loop_is_reported_as_a_timeout(capsys, tmp_path):
    stuck = copy_of_reference(
        tmp_path,
        '"""max(0, self): the input receives out.grad where self > 0, else 0 (relu\'(0) = 0)."""',
        '"""max(0, self), forever."""\n        while True:\n            pass',
    )
    status, out, err = run_check(capsys, str(stuck), "--oracle", "fd", "--timeout", "1")
    assert status == 1
    table = rows(out)
    assert "failing" in table["relu"] and "took longer than 1 s" in table["relu"]
    assert "it was running engine.py:" in table["relu"] and "(relu)" in table["relu"]
    assert all("passing" in table[name] for name in ("add", "mul"))
    # the first timeout stops the check: later exercises are not run
    assert "not run" in table["backward"] and "stopped after the timeout in relu" in table["backward"]
    assert "--timeout" in out and "2/5 exercises pass (1 failing, 2 not run)" in out
    assert "Traceback" not in out + err


@pytest.mark.parametrize(
    ("make_path", "message"),
    [
        (lambda tmp: tmp / "nowhere", "does not exist"),
        (lambda tmp: tmp, "has no engine.py"),
        (lambda tmp: (tmp / "file.py").write_text("x = 1") and tmp / "file.py", "is not a directory"),
    ],
)
def test_a_bad_path_is_a_one_line_error(capsys, tmp_path, make_path, message):
    path = make_path(tmp_path)
    status = main(["check", str(path), "--spec", str(FAKE_SPEC), "--oracle", "fd"])
    out, err = capsys.readouterr()
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("micrograd check: ") and message in err and str(path) in err


def test_an_empty_spec_is_a_clear_error(capsys, tmp_path):
    status, out, err = run_check(capsys, str(reference_dir()), spec=tmp_path)
    assert status == 2 and "declares no property" in err and out == ""


def test_bad_options_are_refused_by_the_parser(capsys):
    for bad in (["--timeout", "0"], ["--oracle", "numpy"], ["--profile", "fast"]):
        with pytest.raises(SystemExit) as exit_info:
            run_check(capsys, *bad)
        assert exit_info.value.code == 2
        assert bad[1] in capsys.readouterr().err
    status, out, err = run_check(capsys, "--exercise", "mull")
    assert (status, out) == (2, "") and "unknown exercise 'mull'" in err


def test_run_check_can_use_another_evaluator():
    class Counting(LocalEvaluator):
        calls = 0

        def evaluate(self, request):
            Counting.calls += 1
            return super().evaluate(request)

    report = check.run_check(
        exercises_dir(), spec_dir=FAKE_SPEC, oracle="fd", exercises=["mul"], evaluator=Counting(reference_dir())
    )
    assert report.ok and report.path == exercises_dir() and Counting.calls > 0


class NamedOracle:
    """An oracle that only says its name (the properties below never ask it anything)."""

    def __init__(self, name: str) -> None:
        self.name = name


def restricted_spec(directory: Path) -> Path:
    directory.mkdir()
    (directory / "test_kink.py").write_text(
        textwrap.dedent(
            """
            from hypothesis import strategies as st
            from micrograd.spec import spec_property
            from micrograd.verdict import SpecFailure

            @spec_property("relu", oracles=("fd",), x=st.just(0.0))
            def test_only_fd_judges(impl, oracle, x):
                if oracle.name != "fd":
                    raise SpecFailure("relu", f"judged by {oracle.name}")
            """
        )
    )
    return directory


def test_a_property_only_some_oracles_may_judge_gets_one_of_them(tmp_path):
    report = check.run_check(reference_dir(), spec_dir=restricted_spec(tmp_path / "spec"), oracle=NamedOracle("other"))
    assert [r.status for r in report.results_of("relu")] == ["passed"]


def test_it_is_skipped_when_none_of_them_is_installed(tmp_path, monkeypatch):
    import micrograd.oracles

    monkeypatch.setattr(micrograd.oracles, "oracle_skip_reason", lambda name: "not installed")
    report = check.run_check(reference_dir(), spec_dir=restricted_spec(tmp_path / "spec"), oracle=NamedOracle("other"))
    (result,) = report.results_of("relu")
    assert (result.status, result.summary) == ("skipped", "only the fd oracle can judge it (not installed)")
    assert report.exercises[0].status == "skipped"


def test_the_runnable_code_loads_the_checked_implementation(tmp_path):
    code = "from micrograd.engine import Value\n\na = Value(1.0)\n"
    rewritten = check.runnable_code(code, tmp_path)
    assert "from micrograd.engine" not in rewritten and "load_implementation(" in rewritten
    assert "Value = impl.Value" in rewritten and rewritten.endswith("a = Value(1.0)\n")
    assert check.runnable_code("x = 1\n", tmp_path) == "x = 1\n"


# ----------------------------------------------------------------------------- the real spec


@pytest.mark.slow
def test_the_reference_passes_the_real_spec(capsys):
    status, out, _ = run_check(capsys, str(reference_dir()), "--json", spec=check_spec_dir())
    report = json.loads(out)
    problems = {
        e["name"]: [p["summary"] for p in e["properties"] if p["status"] != "passed"]
        for e in report["exercises"]
        if e["status"] != "passing"
    }
    assert status == 0, problems
    assert report["passing"] == report["total"] == len(COURSE)


@pytest.mark.slow
def test_exercises_fail_cleanly_on_the_real_spec(capsys):
    status, out, err = run_check(capsys, str(exercises_dir()), spec=check_spec_dir())
    assert status == 1
    table = rows(out)
    assert list(table) == list(COURSE)
    for name, line in table.items():
        own = EXERCISES[name].methods
        # not started exactly when one of its own methods is a stub; else blocked by one it needs
        assert ("not started" in line and f"implement {own[0]}" in line) if own and not EXERCISES[name].needs \
            else ("not started" in line or "blocked by" in line), (name, line)
    assert "blocked by add" in table["neg_sub"] and "blocked by backward" in table["deep"]
    assert "Traceback" not in out + err


@pytest.mark.slow
def test_a_bug_on_the_real_spec_shows_a_snippet_and_a_hint_for_each_failing_exercise(capsys, tmp_path):
    buggy = copy_of_reference(
        tmp_path,
        "self.grad += out.grad\n            other.grad += out.grad",
        "self.grad = out.grad\n            other.grad = out.grad",
    )
    chosen = ["add", "mul", "accumulation", "neuron"]
    status, out, err = run_check(capsys, str(buggy), "--exercise", *chosen, spec=check_spec_dir())
    assert status == 1
    table = rows(out)
    # = for += is accumulation's bug only: add's own rule is right, and neuron waits for accumulation
    assert "passing" in table["add"] and "passing" in table["mul"] and "failing" in table["accumulation"]
    assert "blocked by accumulation" in table["neuron"]
    shown = sections(out)
    assert list(shown) == ["accumulation"]
    text = shown["accumulation"]
    assert "Counterexample (runnable):" in text and "Hint: a node used twice" in text and "Value.__add__" in text
    assert "Traceback" not in out + err
