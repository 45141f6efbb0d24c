"""Exercises are generated from the reference, and every stub says what belongs there."""

import ast
import inspect
import re
from pathlib import Path

import pytest

from micrograd.assign import AssignError, generate, solution_regions
from micrograd.cli import main
from micrograd.impl import exercises_dir, load_implementation, reference_dir
from micrograd.ops import OPERATIONS

ROOT = Path(__file__).resolve().parents[2]


def test_committed_exercises_match_the_reference(capsys):
    # the checkout's own files, whether the package under test is installed or editable
    args = ["assign", "--check", "--source", str(ROOT / "reference"), "--out", str(ROOT / "exercises")]
    assert main(args) == 0, capsys.readouterr().out


def test_check_fails_and_shows_a_diff_when_an_exercise_was_edited(tmp_path, capsys):
    assert main(["assign", "--out", str(tmp_path)]) == 0
    engine = tmp_path / "engine.py"
    engine.write_text(engine.read_text().replace("# YOUR CODE HERE", "# edited by hand", 1))
    assert main(["assign", "--check", "--out", str(tmp_path)]) == 1
    assert "edited by hand" in capsys.readouterr().out


def _stubbed_callables(impl):
    """(name, callable with dummy arguments) for every stubbed function in the exercises."""
    value = impl.Value
    a, b = value(2.0), value(3.0)
    for operation in OPERATIONS.values():  # every operation's method, and its reflected method (2 + a)
        operands = (a, 2 if operation.numbers else b)[:operation.arity]
        method = getattr(value, operation.method)
        yield f"Value.{operation.method}", lambda m=method, args=operands: m(*args)
        if operation.reflected:
            reflected = getattr(value, operation.reflected)
            yield f"Value.{operation.reflected}", lambda m=reflected: m(a, 2)
    yield "Value.backward", lambda: a.backward()
    neuron = impl.Neuron(2)
    yield "Neuron.__call__", lambda: neuron([1.0, 2.0])
    yield "Neuron.parameters", lambda: neuron.parameters()
    layer = impl.Layer(2, 2)
    yield "Layer.__call__", lambda: layer([1.0, 2.0])
    yield "Layer.parameters", lambda: layer.parameters()
    mlp = impl.MLP(2, [2, 1])
    yield "MLP.__call__", lambda: mlp([1.0, 2.0])
    yield "MLP.parameters", lambda: mlp.parameters()
    yield "Module.zero_grad", lambda: mlp.zero_grad()
    yield "cross_entropy", lambda: impl.nn.cross_entropy([a, b], 0)
    yield "AdamW.step", lambda: impl.nn.AdamW([a, b]).step()


def test_every_region_is_stubbed_and_every_stub_raises_with_a_hint():
    impl = load_implementation(exercises_dir())
    sources = [(reference_dir() / name).read_text() for name in ("engine.py", "nn.py")]
    regions = [r.qualname for source in sources for r in solution_regions(source)]
    calls = dict(_stubbed_callables(impl))
    assert sorted(calls) == sorted(regions)
    for qualname, call in calls.items():
        with pytest.raises(NotImplementedError) as info:
            call()
        message = str(info.value)
        assert message.startswith(qualname + ": ")
        assert len(message) > len(qualname) + 10, f"{qualname}: the hint is empty"


def test_exercises_keep_the_scaffolding():
    source = (exercises_dir() / "engine.py").read_text()
    ast.parse(source)
    assert "other = other if isinstance(other, Value) else Value(other)" in source
    assert "raise TypeError" in source  # the argument check is scaffolding, not an exercise
    assert "### BEGIN SOLUTION" not in source
    assert inspect.cleandoc("""self.grad +=""") not in source


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("def f():\n    ### BEGIN SOLUTION\n    pass\n", "never closed"),
        ("def f():\n    pass\n    ### END SOLUTION\n", "without a ### BEGIN SOLUTION"),
        ("def f():\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n    pass\n", r"inside the region opened on line 2"),
        ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n", "must be inside a function"),
        ("def f(:\n", "bad.py is not valid Python"),
    ],
)
def test_malformed_markers_are_named_with_their_line(source, message):
    with pytest.raises(AssignError, match=re.escape(message)):
        generate(source, "bad.py")
