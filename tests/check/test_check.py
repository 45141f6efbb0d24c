"""``micrograd check``: the student's view of the spec, run on a fake spec and on the real one."""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import List, Tuple

import pytest

from micrograd import check
from micrograd.cli import COMMANDS, main
from micrograd.impl import LocalEvaluator, exercises_dir, reference_dir
from micrograd.verdict import EXERCISES

FAKE_SPEC = Path(__file__).parent / "fake_spec"
FAKE_EXERCISES = ["add", "mul", "relu", "backward", "accumulation"]


def run_check(capsys, *args: str, spec: Path = FAKE_SPEC) -> Tuple[int, str, str]:
    """Run the check command's own parser and run(); (exit status, stdout, stderr)."""
    parser = argparse.ArgumentParser(prog="micrograd check")
    check.configure(parser)
    status = check.run(parser.parse_args(["--spec", str(spec), *args]))
    out, err = capsys.readouterr()
    return status, out, err


def copy_of_reference(tmp_path: Path, old: str, new: str) -> Path:
    """The reference with one source edit (a student's bug)."""
    target = tmp_path / "submission"
    target.mkdir()
    for name in ("engine.py", "nn.py"):
        shutil.copy(reference_dir() / name, target / name)
    engine = target / "engine.py"
    source = engine.read_text()
    if old not in source:
        raise AssertionError(f"the reference no longer contains {old!r}; update this test's bug")
    engine.write_text(source.replace(old, new, 1))
    return target


def rows(out: str) -> dict:
    """exercise name -> its line in the table."""
    table = {}
    for line in out.splitlines():
        words = line.split()
        if words and words[0] in EXERCISES and len(words) > 1 and words[0] not in table:
            table[words[0]] = line
    return table


def counterexample(out: str) -> str:
    """The indented code block under "Counterexample (runnable):"."""
    lines = out.splitlines()
    start = lines.index("Counterexample (runnable):") + 1
    while not lines[start].strip():
        start += 1
    code: List[str] = []
    for line in lines[start:]:
        if not line.strip():
            if code and code[-1] == "":
                break
            code.append("")
            continue
        if not line.startswith("    "):
            break
        code.append(line.rstrip())
    return textwrap.dedent("\n".join(code)).strip() + "\n"


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


def test_exercises_are_not_started_and_fail_cleanly(capsys):
    status, out, err = run_check(capsys, "--oracle", "fd")  # PATH defaults to exercises/
    assert status == 1
    assert f"Checking {exercises_dir()}" in out
    table = rows(out)
    assert all("not started" in table[name] for name in ("add", "mul", "relu", "backward"))
    assert "implement Value.__add__" in table["add"]
    assert "needs Value.__mul__ first" in table["backward"]  # the fake property multiplies
    assert "Next: implement Value.__add__ in engine.py" in out
    assert "0/4 exercises pass (4 not started, 1 skipped)" in out
    assert "Traceback" not in out + err and "Counterexample" not in out


def test_a_stub_stops_its_exercise_after_the_first_property(capsys):
    status, out, _ = run_check(capsys, str(exercises_dir()), "--oracle", "fd", "--json")
    assert status == 1
    add = json.loads(out)["exercises"][0]
    assert [p["status"] for p in add["properties"]] == ["failed", "not_run"]
    assert (add["status"], add["stub"], add["passed"], add["total"]) == ("not started", "Value.__add__", 0, 2)


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
    assert "Traceback" not in out + err
    code = counterexample(out)
    assert "a + a" in code and str(buggy) in code
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert ran.returncode == 0, ran.stderr
    # the snippet runs the submission, so it shows the wrong gradient: 1.0 where 2.0 is due
    assert float(ran.stdout.split()[-1]) == 1.0


def test_a_file_that_cannot_be_loaded_is_explained_once(capsys, tmp_path):
    broken = copy_of_reference(tmp_path, "    def relu(self):", "    def relu(self)")
    status, out, err = run_check(capsys, str(broken), "--oracle", "fd")
    assert status == 1
    table = rows(out)
    assert all("failing" in table[name] for name in ("add", "mul", "relu", "backward"))
    assert out.count("Your code cannot be loaded: importing") == 1
    assert "SyntaxError" in out and "(line " in out
    assert out.count("Your code cannot be loaded: the same error as add above.") == 3
    assert "Counterexample" not in out and "Traceback" not in out + err
    _, out, _ = run_check(capsys, str(broken), "--oracle", "fd", "--json")
    add = json.loads(out)["exercises"][0]
    assert [p["status"] for p in add["properties"]] == ["failed", "not_run"]


def test_json_report_parses_with_every_property_result(capsys, tmp_path):
    buggy = copy_of_reference(tmp_path, "other.grad += self.data * out.grad", "other.grad += other.data * out.grad")
    status, out, _ = run_check(capsys, str(buggy), "--oracle", "fd", "--json")
    assert status == 1
    report = json.loads(out)
    assert (report["ok"], report["passing"], report["total"], report["oracle"], report["profile"]) == (
        False,
        2,
        4,
        "fd",
        "ci",
    )
    exercises = {e["name"]: e for e in report["exercises"]}
    assert list(exercises) == FAKE_EXERCISES
    assert exercises["mul"]["status"] == "failing"
    failure = exercises["mul"]["properties"][0]["failure"]
    assert failure["exercise"] == "mul" and "Value(" in failure["code"] and failure["hint"]
    assert any(row[0].endswith(".grad") for row in failure["rows"])
    assert exercises["add"]["status"] == "passing"
    assert all(p["status"] == "passed" and p["examples"] > 0 for p in exercises["add"]["properties"])
    assert exercises["accumulation"]["properties"][0]["status"] == "skipped"


def test_two_checks_of_the_same_code_agree(capsys, tmp_path):
    buggy = copy_of_reference(tmp_path, "other.grad += self.data * out.grad", "other.grad += other.data * out.grad")

    def verdicts() -> list:
        _, out, _ = run_check(capsys, str(buggy), "--oracle", "fd", "--json")
        return [
            (p["property"], p["status"], p["examples"], p["failure"])
            for e in json.loads(out)["exercises"]
            for p in e["properties"]
        ]

    first = verdicts()
    assert any(status == "failed" for _, status, _, _ in first)
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
    assert status == 2 and "has no properties" in err and out == ""


def test_bad_options_are_refused_by_the_parser(capsys):
    for bad in (["--timeout", "0"], ["--oracle", "numpy"], ["--exercise", "mull"], ["--profile", "fast"]):
        with pytest.raises(SystemExit) as exit_info:
            run_check(capsys, *bad)
        assert exit_info.value.code == 2
        assert bad[1] in capsys.readouterr().err


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
            import pytest
            from hypothesis import given, strategies as st
            from micrograd.verdict import SpecFailure

            @pytest.mark.exercise("relu")
            @pytest.mark.parametrize("oracle", ["fd"], indirect=True)
            @given(st.just(0.0))
            def test_only_fd_judges(impl, oracle, x):
                if oracle.name != "fd":
                    raise SpecFailure("relu", f"judged by {oracle.name}")
            """
        )
    )
    return directory


def test_a_property_only_some_oracles_may_judge_gets_one_of_them(tmp_path):
    report = check.run_check(reference_dir(), spec_dir=restricted_spec(tmp_path / "spec"), oracle=NamedOracle("other"))
    assert [r.status for r in report.exercises[0].results] == ["passed"]


def test_it_is_skipped_when_none_of_them_is_installed(tmp_path, monkeypatch):
    import micrograd.oracles

    monkeypatch.setattr(micrograd.oracles, "oracle_skip_reason", lambda name: "not installed")
    report = check.run_check(reference_dir(), spec_dir=restricted_spec(tmp_path / "spec"), oracle=NamedOracle("other"))
    (result,) = report.exercises[0].results
    assert (result.status, result.message) == ("skipped", "only the fd oracle can judge it (none installed)")
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
        e["name"]: [p.get("message") for p in e["properties"] if p["status"] != "passed"]
        for e in report["exercises"]
        if e["status"] != "passing"
    }
    assert status == 0, problems
    assert report["passing"] == report["total"] == len(EXERCISES)


@pytest.mark.slow
def test_exercises_fail_cleanly_on_the_real_spec(capsys):
    status, out, err = run_check(capsys, spec=check_spec_dir())
    assert status == 1
    table = rows(out)
    assert list(table) == list(EXERCISES)
    assert all("not started" in line for line in table.values()), out
    assert f"0/{len(EXERCISES)} exercises pass ({len(EXERCISES)} not started)" in out
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
    assert "passing" in table["mul"]
    failing = [name for name in chosen if "failing" in table[name]]
    assert "add" in failing and "accumulation" in failing
    shown = sections(out)
    assert sorted(shown) == sorted(failing)
    for text in shown.values():
        said_once = "the same counterexample and hint as" in text
        assert said_once or ("Counterexample (runnable):" in text and "Hint:" in text), text
    assert "Traceback" not in out + err


def sections(out: str) -> dict:
    """exercise name -> the text under its failure heading ("add: addition ────")."""
    found: dict = {}
    current = None
    for line in out.splitlines():
        words = line.split()
        if words and words[0].endswith(":") and words[0][:-1] in EXERCISES and words[-1].startswith("──"):
            current = words[0][:-1]
            found[current] = ""
        elif current is not None:
            found[current] += line + "\n"
    return found


def check_spec_dir() -> Path:
    from micrograd._paths import spec_dir

    return spec_dir()
