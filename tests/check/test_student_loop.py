"""The student's loop (issue 11): every problem a student met, as a test.

1. a bug in backward() is blamed on backward() (the root cause), and the exercises that need it are
   blocked with no hint of their own; 2. an exercise is "not started" only when its own method is a
   stub, and = for += gets the accumulation hint whatever else is a stub; 3. the lecture's code runs
   (a label, tanh from exp, a recursive build_topo) and passes wherever it is right; 4. the default
   install judges relu'(0); 5. a raised recursion limit does not pass; 6. paths and settings;
   7. output glitches; 8. fair to correct supersets (a Value exponent; no tanh); 9. lazy imports.

Tests that run the real spec on many implementations are ``slow`` (tox's slow environment runs them); the dependency
logic itself is also checked on tiny specs, fast.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Dict

import pytest
from check_helpers import FAKE_SPEC, copy_of_reference, rows, run_check, sections
from rich.console import Console

from micrograd import check
from micrograd.check import CheckReport, render_report
from micrograd.cli import main
from micrograd.impl import exercises_dir, reference_dir
from micrograd.mutants import CATALOGUE, write_mutant
from micrograd.verdict import EXERCISES, HINTS

LECTURE = Path(__file__).parent / "lecture"


def rendered(report: CheckReport) -> str:
    out = io.StringIO()
    render_report(report, Console(file=out, width=200, color_system=None))
    return out.getvalue()


def statuses(report: CheckReport) -> Dict[str, str]:
    return {e.exercise: e.status for e in report.exercises}


def write_spec(directory: Path, source: str) -> Path:
    directory.mkdir()
    (directory / "test_tiny.py").write_text(textwrap.dedent(source))
    return directory


# --------------------------------------------------------------------- 1. root causes, fast


TINY = """
    from micrograd.spec import spec_property
    from micrograd.verdict import SpecFailure

    @spec_property("add")
    def test_add_alone(impl):
        pass

    @spec_property("backward")
    def test_backward_fails(impl):
        raise SpecFailure("backward", "the root's grad is 0", "code", hint="seed the root")

    @spec_property("accumulation", needs=())
    def test_accumulation_alone(impl):
        pass

    @spec_property("accumulation")
    def test_accumulation_with_backward(impl):
        raise AssertionError("must not run: it needs backward, which fails")

    @spec_property("deep")
    def test_deep(impl):
        raise AssertionError("must not run: deep needs backward")
"""


def test_a_property_needing_a_failing_exercise_is_blocked_and_the_report_leads_with_the_root_cause(tmp_path):
    spec = write_spec(tmp_path / "spec", TINY)
    report = check.run_check(reference_dir(), spec_dir=spec, oracle="exact")
    assert statuses(report) == {"add": "passing", "backward": "failing", "accumulation": "blocked", "deep": "blocked"}
    accumulation = report.exercises[2]
    assert (accumulation.passed, accumulation.total, accumulation.blocked_by) == (1, 2, "backward")
    assert [p.name for p in report.results_of("accumulation") if p.status == "blocked"] == \
        ["test_accumulation_with_backward"]
    text = rendered(report)
    assert list(sections(text)) == ["backward"] and text.count("Hint:") == 1  # no hint of their own
    assert text.index("backward: backward and topological order") < text.index("exercise ")
    assert "blocked by backward: fix it first (what ran of its own passes)" in rows(text)["accumulation"]
    assert "Fix first, in this order: backward (2 exercises wait for it: accumulation, deep)." in text
    assert report.root_causes == [report.exercises[1]]


def test_checking_one_exercise_still_checks_what_it_needs(tmp_path):
    spec = write_spec(tmp_path / "spec", TINY)
    report = check.run_check(reference_dir(), spec_dir=spec, oracle="exact", exercises=["deep"])
    # deep is shown, and so is the root cause it waits for (with its counterexample), first
    assert statuses(report) == {"backward": "failing", "deep": "blocked"}
    assert report.exercises[1].blocked_by == "backward"
    assert list(sections(rendered(report))) == ["backward"]


def test_a_stub_of_another_exercise_blocks_instead_of_asking_to_implement_it():
    # neg_sub's programs call __neg__ and __sub__, which call __mul__ and __add__: all stubs here
    report = check.run_check(exercises_dir(), exercises=["neg_sub", "reflected"])
    assert statuses(report) == {"add": "not_started", "neg_sub": "blocked", "reflected": "blocked"}
    assert {e.blocked_by for e in report.exercises} == {None, "add"}
    text = rendered(report)
    assert "implement Value.__neg__" not in text and "implement Value.__rsub__" not in text
    assert "blocked by add: implement it first" in rows(text)["neg_sub"]


def test_an_exercise_is_not_started_only_when_its_own_method_is_a_stub(tmp_path):
    # everything written except __neg__: neg_sub is not started (its own stub), reflected waits for it
    stubbed = copy_of_reference(tmp_path, "        return self * -1\n", "        raise NotImplementedError('no')\n")
    report = check.run_check(stubbed, exercises=["neg_sub", "reflected"])
    by_name = {e.exercise: e for e in report.exercises}
    assert by_name["neg_sub"].status == "not_started" and by_name["neg_sub"].stub == "Value.__neg__"
    assert by_name["reflected"].status == "blocked" and by_name["reflected"].blocked_by == "neg_sub"
    assert "implement Value.__neg__" in rows(rendered(report))["neg_sub"]


# --------------------------------------------------------------------- 1 and 5. backward's bugs, real spec


BACKWARD_BUGS = {
    # mutant: (the root cause exercise, a phrase of its hint)
    "backward_preorder": ("backward", "as soon as it reaches it from the root"),
    "no_visited_set": ("backward", "visited set"),
    "root_not_seeded": ("backward", "root's own grad to 1"),
    "topo_not_reversed": ("backward", "reversed(topo)"),
    "recursion_limit_raised": ("deep", "sys.setrecursionlimit"),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(BACKWARD_BUGS))
def test_a_backward_bug_is_the_one_root_cause_and_no_other_exercise_gets_a_hint(name, tmp_path):
    cause, phrase = BACKWARD_BUGS[name]
    report = check.run_check(write_mutant(CATALOGUE[name], tmp_path / name))
    text = rendered(report)
    assert [e.exercise for e in report.root_causes] == [cause], text
    assert list(sections(text)) == [cause] and text.count("Hint:") == 1, text
    assert phrase in sections(text)[cause] and "backward()" in sections(text)[cause]
    # every operation is judged on its own (the kit's traversal): correct code passes despite backward()
    for passing in ("add", "mul", "pow", "neg_sub", "div", "reflected", "relu", "tanh", "exp", "log", "parameters"):
        assert statuses(report)[passing] == "passing", (passing, text)
    assert all(e.status in ("passing", "blocked") or e.exercise == cause for e in report.exercises), text
    blocked = {e.exercise for e in report.exercises if e.status == "blocked"}
    assert blocked == ({"accumulation", "deep", "neuron", "layer", "mlp", "zero_grad", "training", "cross_entropy"}
                       if cause == "backward" else set()), text
    assert statuses(report)["adamw"] == "passing", text  # AdamW.step reads and writes numbers: no backward()


# --------------------------------------------------------------------- 2. = for += while mul is a stub


@pytest.mark.slow
def test_assignment_in_add_gets_the_accumulation_hint_while_mul_is_a_stub(tmp_path):
    buggy = copy_of_reference(tmp_path, "self.grad += out.grad\n            other.grad += out.grad",
                              "self.grad = out.grad\n            other.grad = out.grad")
    engine = buggy / "engine.py"
    source = engine.read_text()
    start = source.index("        out = Value(self.data * other.data")
    end = source.index("        ### END SOLUTION", start)
    engine.write_text(source[:start] + "        raise NotImplementedError('Value.__mul__: to do')\n" + source[end:])
    report = check.run_check(buggy, exercises=["add", "mul", "accumulation"])
    assert statuses(report) == {"add": "passing", "mul": "not_started", "accumulation": "failing"}
    text = rendered(report)
    assert "implement Value.__mul__" in rows(text)["mul"] and "implement Value.__add__" not in text
    section = sections(text)["accumulation"]
    assert HINTS["accumulation"] in " ".join(section.split()) or "accumulate with +=" in section
    assert "Value.__add__" in section


# --------------------------------------------------------------------- 3. the lecture's code


def test_the_lecture_label_is_part_of_the_reference_and_the_tanh_stub_states_large_inputs():
    from micrograd.engine import Value

    assert Value(2.0, label="a").label == "a" and Value(1.0).label == ""
    stub = (exercises_dir() / "engine.py").read_text()
    tanh = stub[stub.index("def tanh"):stub.index("def exp")]
    assert "tanh(400) is 1.0" in tanh and "overflows" in tanh and "raise NotImplementedError" in tanh


def test_an_attribute_missing_from_slots_is_named_once(tmp_path):
    student = copy_of_reference(tmp_path, "        self.label = label  # a name for drawing, as in the lecture\n",
                                "        self.label = label\n        self.name = label\n")
    report = check.run_check(student, spec_dir=FAKE_SPEC, oracle="exact")
    assert report.load_failure is not None and "'name' to __slots__" in report.load_failure.hint
    text = rendered(report)
    assert text.count("Hint:") == 1 and text.count("add 'name' to __slots__") == 1
    assert "'Value' object has no attribute 'name'" in text and "backward" not in text.split("cannot be used")[1]


@pytest.mark.slow
def test_the_lectures_own_code_passes_wherever_it_is_right():
    report = check.run_check(LECTURE)
    got = statuses(report)
    # right: + * ** - / exp and backward() on small graphs; relu, log, 2 - a, 2 / a are not written
    for name in ("add", "mul", "pow", "neg_sub", "div", "exp", "backward"):
        assert got[name] == "passing", (name, rendered(report))
    assert {got[name] for name in ("relu", "log", "reflected")} == {"not_started"}
    # wrong: tanh from exp(2x) overflows for large inputs, and build_topo recurses
    text = rendered(report)
    assert got["tanh"] == "failing" and "math.tanh" in sections(text)["tanh"]
    assert got["deep"] == "failing" and "RecursionError" in sections(text)["deep"]
    assert "error" not in got.values() and "Traceback" not in text


# --------------------------------------------------------------------- 4. the default install judges everything


@pytest.mark.slow
def test_without_torch_or_jax_relu_prime_at_zero_is_judged(tmp_path):
    mutant = write_mutant(CATALOGUE["relu_grad_one_at_zero"], tmp_path / "relu")
    script = textwrap.dedent(f"""
        import json, sys
        sys.modules["torch"] = None
        sys.modules["jax"] = None
        from micrograd.check import run_check
        report = run_check({str(mutant)!r}, exercises=["relu"])
        relu = report.exercises[0]
        print(json.dumps([report.oracle, relu.status, report.first_problem("relu").hint,
                          [r.status for r in report.results_of("relu")]]))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    oracle, status, hint, results = json.loads(done.stdout.splitlines()[-1])
    assert (oracle, status, results) == ("exact", "failing", ["passed", "failed"])
    assert "relu'(0) = 0" in hint


def test_a_property_only_a_missing_oracle_can_judge_shows_in_the_table_with_a_working_command(tmp_path, monkeypatch):
    import micrograd.oracles

    spec = write_spec(tmp_path / "spec", """
        from micrograd.spec import spec_property
        from micrograd.verdict import SpecFailure

        @spec_property("relu", oracles=("torch",))
        def test_needs_torch(impl, oracle):
            raise SpecFailure("relu", "must not run without torch")

        @spec_property("relu")
        def test_alone(impl):
            pass
    """)
    real = micrograd.oracles.oracle_skip_reason
    monkeypatch.setattr(micrograd.oracles, "oracle_skip_reason",
                        lambda name: "torch is not installed: pip install -e '.[oracles]' in a clone of the kit"
                        if name == "torch" else real(name))
    report = check.run_check(reference_dir(), spec_dir=spec, oracle="exact")
    line = rows(rendered(report))["relu"]
    assert "passing" in line and "not run here: only the torch oracle can judge it" in line
    assert "pip install -e '.[oracles]'" in line


# --------------------------------------------------------------------- 6. paths and settings


def test_without_a_path_the_check_says_what_it_checks_and_why(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    status, out, err = run_check(capsys)
    assert status == 2 and out == "" and "no exercises/ folder and no engine.py in" in err
    assert "micrograd assign --out exercises" in err
    (tmp_path / "exercises").mkdir()
    for name in ("engine.py", "nn.py"):
        (tmp_path / "exercises" / name).write_text((reference_dir() / name).read_text())
    status, out, _ = run_check(capsys, "--oracle", "exact")
    assert status == 0 and f"Checking {tmp_path / 'exercises'} (no PATH given: the exercises/ folder in the" in \
        " ".join(out.split())


def test_the_path_may_come_after_exercise_options(capsys):
    status, out, err = run_check(capsys, "--exercise", "add", "mul", str(reference_dir()), "--json")
    report = json.loads(out)
    assert status == 0, err
    assert report["path"] == str(reference_dir()) and [e["name"] for e in report["exercises"]] == ["add", "mul"]


def test_hypothesis_profile_is_honoured_as_in_pytest_when_exploring(monkeypatch, capsys):
    monkeypatch.setenv("HYPOTHESIS_PROFILE", "grading")
    report = check.run_check(reference_dir(), spec_dir=FAKE_SPEC, oracle="exact", exercises=["add"], explore=True)
    assert report.profile == "grading" and report.explored
    # the exam's examples, then those the profile draws (grading: 300)
    assert all(r.examples is not None and r.examples > 300 for r in report.results_of("add"))
    plain = check.run_check(reference_dir(), spec_dir=FAKE_SPEC, oracle="exact", exercises=["add"])
    assert all(r.examples is not None and r.examples <= 25 for r in plain.results_of("add"))  # the exam alone
    assert check.run_check(reference_dir(), spec_dir=FAKE_SPEC, oracle="exact", exercises=["add"],
                           profile="ci").profile == "ci"


def test_assign_refuses_to_overwrite_a_changed_file_unless_forced(tmp_path, capsys):
    out = tmp_path / "exercises"
    assert main(["assign", "--out", str(out)]) == 0
    engine = out / "engine.py"
    engine.write_text(engine.read_text().replace("# YOUR CODE HERE", "return 42  # my work", 1))
    assert main(["assign", "--out", str(out)]) == 2
    assert "my work" in engine.read_text() and "--force" in capsys.readouterr().err
    assert main(["assign", "--out", str(out), "--force"]) == 0
    assert "my work" not in engine.read_text()
    assert main(["assign", "--out", str(out)]) == 0 and "up to date" in capsys.readouterr().out


def test_assign_writes_to_the_current_directorys_exercises(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["assign"]) == 0
    assert (tmp_path / "exercises" / "engine.py").is_file() and (tmp_path / "exercises" / "nn.py").is_file()


# --------------------------------------------------------------------- 7. output glitches


def test_square_brackets_in_a_row_are_not_read_as_markup(tmp_path):
    spec = write_spec(tmp_path / "spec", """
        from micrograd.spec import spec_property
        from micrograd.verdict import SpecFailure

        @spec_property("layer", needs=())
        def test_order(impl):
            raise SpecFailure("layer", "layer(x) should be [n(x) for n in self.neurons], in order", "code",
                              hint="keep [bold]the order[/bold]")
    """)
    text = rendered(check.run_check(reference_dir(), spec_dir=spec, oracle="exact"))
    assert "layer(x) should be [n(x) for n in self.neurons], in order" in rows(text)["layer"]
    assert "keep [bold]the order[/bold]" in text


@pytest.mark.slow
def test_an_nn_failure_names_the_numpy_model_that_judged_it(tmp_path):
    mutant = write_mutant(CATALOGUE["neuron_bias_not_added"], tmp_path / "bias")
    report = check.run_check(mutant, exercises=["neuron"])
    text = rendered(report)
    assert "(checked against the NumPy model)" in sections(text)["neuron"]
    assert "PyTorch" not in sections(text)["neuron"]


def test_json_spells_not_run_one_way():
    report = check.run_check(exercises_dir(), spec_dir=FAKE_SPEC, oracle="exact")
    text = json.dumps(report.to_dict())
    assert '"not_run"' in text and '"not run"' not in text  # the status's own value, everywhere


# --------------------------------------------------------------------- 8. fair to correct supersets


DIFFERENTIATES = """        if isinstance(other, Value):  # a superset: a Value exponent, differentiated
            out = Value(self.data**other.data, (self, other), '**')

            def _backward(self=self, other=other, out=out):
                self.grad += other.data * self.data**(other.data - 1) * out.grad
                other.grad += out.data * math.log(self.data) * out.grad
            out._backward = _backward
            return out
"""


@pytest.mark.parametrize(("name", "edit", "verdict"), [
    ("asserts", "        assert isinstance(other, (int, float)), 'numbers only'\n", "passed"),
    ("differentiates", DIFFERENTIATES, "passed"),
    ("takes_the_data", "        other = other.data if isinstance(other, Value) else other\n", "failed"),
])
def test_a_value_exponent_may_raise_anything_or_be_differentiated_right(tmp_path, name, edit, verdict):
    from micrograd.impl import LocalEvaluator
    from micrograd.judge import kit_exam, run_property
    from micrograd.spec import kit_spec

    student = copy_of_reference(tmp_path, "        if not isinstance(other, (int, float)):\n",
                                edit + "        if not isinstance(other, (int, float)):\n")
    (prop,) = [p for p in kit_spec().select(["pow"]) if "value_exponent" in p.name]
    result = run_property(prop, LocalEvaluator(student), examples=kit_exam(kit_spec()).entry(prop).examples)
    assert result.status == verdict, result.summary
    if verdict == "failed":
        assert result.failure is not None and "raise TypeError" in result.failure.hint


@pytest.mark.slow
def test_an_engine_without_tanh_exp_log_passes_backward_and_accumulation(tmp_path):
    student = copy_of_reference(tmp_path, "    def tanh(self):", "    def _no_tanh(self):")
    engine = student / "engine.py"
    engine.write_text(engine.read_text().replace("    def exp(self):", "    def _no_exp(self):")
                      .replace("    def log(self):", "    def _no_log(self):"))
    report = check.run_check(student, exercises=["backward", "accumulation", "tanh"])
    assert statuses(report) == {"backward": "passing", "accumulation": "passing", "tanh": "not_started"}
    assert "implement Value.tanh" in rows(rendered(report))["tanh"]


# (a reflected hint quoting the counterexample's own numbers: tests/verdict/test_diagnosis.py)


# --------------------------------------------------------------------- 9. lazy imports, survivable crashes


def test_checking_imports_neither_torch_nor_jax():
    # numpy neither, until the nn checks need the NumPy model
    script = ("import sys, micrograd.check, micrograd.cli, micrograd.verdict, micrograd.strategies; "
              "print(sorted({'torch', 'jax', 'numpy'} & set(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_crash_in_the_deep_chain_is_survived_and_reported(tmp_path):
    from micrograd.program import DeepChain
    from micrograd.verdict import SpecFailure, check_deep_chain

    (tmp_path / "engine.py").write_text(textwrap.dedent("""
        import os, signal

        class Value:
            def __init__(self, data, _children=(), _op=''):
                self.data, self.grad, self._prev, self._op = data, 0, tuple(_children), _op
                self._backward = lambda: None

            def backward(self):  # what a C stack overflow does
                os.kill(os.getpid(), signal.SIGSEGV)
    """))
    (tmp_path / "nn.py").write_text("")
    from micrograd.sandbox import local_evaluator

    probe = DeepChain(10)
    got = local_evaluator(tmp_path).evaluate(probe)
    assert got.error is not None and got.error.type == "Crash"  # the sandbox's plain child died, not this process
    assert "SIGSEGV" in got.error.message
    with pytest.raises(SpecFailure) as caught:
        check_deep_chain(probe, got)
    assert caught.value.exercise == "deep" and caught.value.hint == HINTS["recursion"]


def test_a_raised_recursion_limit_does_not_leak_into_the_checking_process(tmp_path):
    from micrograd.impl import LocalEvaluator
    from micrograd.program import Op, Program

    student = copy_of_reference(tmp_path, "import math\n", "import math\nimport sys\nsys.setrecursionlimit(123456)\n")
    before = sys.getrecursionlimit()
    assert LocalEvaluator(student).evaluate(Program((1.0,), (Op("add", (0, 0)),), (1,))).ok
    assert sys.getrecursionlimit() == before


def test_the_real_spec_declares_its_dependencies_in_order():
    from micrograd.spec import kit_spec

    order = list(EXERCISES)
    for prop in kit_spec():
        assert all(order.index(need) < order.index(prop.exercise) for need in prop.needs), prop.id
    assert os.environ.get("MICROGRAD_CACHE")  # the check tests keep the exams they make to themselves
