"""The right hint for the slips a generic hint used to misname (issue 17, item 3): each runs a catalogued
mutant through the verdict that judges it and reads the hint a student is given.

Where the check cannot tell which of several slips it saw, the hint says what it observed
("node b's _backward ran twice"); where it can, it names the slip and the method it is in.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from micrograd.impl import LocalEvaluator, student_snippet
from micrograd.mutants import CATALOGUE, write_mutant
from micrograd.oracles import ExactOracle
from micrograd.program import Const, ModuleProgram, Op, Program
from micrograd.verdict import (
    DEEP_PROBE,
    SpecFailure,
    check_backward_probes,
    check_deep_chain,
    check_module_program,
    check_program,
)

EXACT = ExactOracle()


def _mutant(name: str, tmp_path: Path) -> LocalEvaluator:
    return LocalEvaluator(write_mutant(CATALOGUE[name], tmp_path / name))


def _failure(impl: LocalEvaluator, program: Program, exercise: str) -> SpecFailure:
    with pytest.raises(SpecFailure) as raised:
        check_program(impl, EXACT, program, exercise=exercise)
    return raised.value


def test_a_mul_forward_without_data_is_blamed_on_mul_not_on_rmul(tmp_path):
    """``Value(self.data * other, ...)``: number * Value calls other.__rmul__, which calls __mul__ again."""
    impl = _mutant("mul_forward_value_operand", tmp_path)
    failure = _failure(impl, Program((0.5,), (Op("mul", (0, Const(2.0))),), (1,)), "mul")
    assert failure.exercise == "mul"
    assert "Value.__mul__" in failure.hint and "self.data * other.data" in failure.hint
    assert "from numbers only" in failure.hint
    assert "a reflected operator must not call itself" not in failure.hint


def test_an_rmul_calling_itself_still_gets_the_reflected_hint(tmp_path):
    impl = _mutant("rmul_recurses", tmp_path)
    failure = _failure(impl, Program((0.5,), (Op("mul", (Const(2.0), 0)),), (1,)), "reflected")
    assert failure.exercise == "reflected" and "Value.__rmul__ calls itself" in failure.hint


def test_a_topological_sort_without_a_visited_set_is_told_what_ran_twice(tmp_path):
    impl = _mutant("topo_no_visited_set_children_in_order", tmp_path)
    with pytest.raises(SpecFailure) as raised:
        check_backward_probes(impl)
    failure = raised.value
    calls = dict((what, got) for what, _, got in failure.rows)["_backward calls, in order"]
    assert calls.split(", ").count("b") == 2
    assert failure.hint.startswith("node b's _backward ran twice")
    assert "visited set" in failure.hint and "as soon as it reaches it" not in failure.hint


def test_a_walk_from_the_root_without_a_topological_order_is_told_both_what_ran_twice_and_the_order(tmp_path):
    with pytest.raises(SpecFailure) as raised:
        check_backward_probes(_mutant("no_topological_order", tmp_path))
    hint = raised.value.hint
    assert "ran twice" in hint and "reverse topological order" in hint


def test_relu_computed_in_place_is_told_it_changed_its_input(tmp_path):
    failure = _failure(_mutant("relu_in_place", tmp_path), Program((-1.0,), (Op("relu", (0,)),), (1,)), "relu")
    assert failure.exercise == "relu"
    assert "Value.relu" in failure.hint and "must not change its input" in failure.hint
    assert "self.data" in failure.hint


def test_an_int_only_exponent_is_told_floats_are_fine(tmp_path):
    failure = _failure(_mutant("pow_int_only", tmp_path), Program((1.0,), (Op("pow", (0, Const(0.5))),), (1,)), "pow")
    assert failure.exercise == "pow"
    assert "float exponent" in failure.hint and "isinstance(other, (int, float))" in failure.hint
    assert "read the traceback" not in failure.hint


def test_a_negation_that_builds_no_graph_is_told_no_gradient_reached_its_input(tmp_path):
    failure = _failure(_mutant("neg_detached", tmp_path), Program((0.5,), (Op("neg", (0,)),), (1,)), "neg_sub")
    assert failure.exercise == "neg_sub"
    assert "no gradient reached a through Value.__neg__" in failure.hint
    assert "children" in failure.hint and "looks wrong" not in failure.hint


_MLP = ModuleProgram("mlp", 2, (2, 1), (0.5, -0.5, 0.1, 1.0, 0.25, 0.0, -1.0, 0.5, -0.2),
                     ((1.0, 2.0), (-1.0, 0.5)), ((0.5,), (-0.25,)))
_NEURON = ModuleProgram("neuron", 2, (1,), (0.5, -0.25, 0.1), ((1.0, 2.0),), ((0.5,),))


def _module_failure(impl: LocalEvaluator, program: ModuleProgram, exercise: str) -> SpecFailure:
    with pytest.raises(SpecFailure) as raised:
        check_module_program(impl, program, exercise=exercise, fields=("outputs", "loss"),
                             summary="mlp(x) should be right", hint="apply the layers in order, first to last")
    return raised.value


def test_an_mlp_whose_last_layer_applies_relu_is_told_so(tmp_path):
    failure = _module_failure(_mutant("mlp_last_layer_relu", tmp_path), _MLP, "mlp")
    assert "last layer must be linear" in failure.hint and "nonlin=False" in failure.hint
    assert "in order" not in failure.hint


def test_a_tanh_neuron_is_told_it_applies_tanh(tmp_path):
    failure = _module_failure(_mutant("neuron_tanh_instead_of_relu", tmp_path), _NEURON, "neuron")
    assert "applies tanh" in failure.hint and "relu" in failure.hint


def test_swapped_layer_sizes_are_told_what_was_built(tmp_path):
    failure = _module_failure(_mutant("mlp_layer_sizes_swapped", tmp_path), _MLP, "mlp")
    assert "swapped" in failure.hint and "Layer(sz[i], sz[i + 1])" in failure.hint
    assert "[2, 2, 1, 1]" in failure.hint  # what was built: 2 neurons of 2 weights, then 2 of 1


def test_a_correct_mlp_keeps_the_propertys_hint_for_other_failures(tmp_path):
    failure = _module_failure(_mutant("mlp_layers_reversed", tmp_path), _MLP, "mlp")
    assert failure.hint == "apply the layers in order, first to last"


def test_the_deep_chain_hint_says_what_the_check_does_and_claims_no_segfault(tmp_path):
    impl = _mutant("recursive_build_topo", tmp_path)
    with pytest.raises(SpecFailure) as raised:
        check_deep_chain(DEEP_PROBE, impl.evaluate(DEEP_PROBE))
    hint = raised.value.hint
    assert "segfault" not in hint and "crash" not in hint
    assert f"{DEEP_PROBE.depth:,} nodes" in hint and f"limit ({DEEP_PROBE.recursion_limit})" in hint
    assert "must not recurse" in hint and "explicit stack" in hint and "sys.setrecursionlimit" in hint


def test_the_snippet_of_a_grad_not_starting_at_0_prints_the_grads_before_backward(tmp_path, capsys):
    """Issue 17 item 1: the report claims ``a.grad before backward()``; its snippet must print that, so it
    runs no backward pass (the grads it printed after backward() were not what the report claimed)."""
    impl = _mutant("grad_starts_at_one", tmp_path)
    program = Program((2.0,), (Op("mul", (0, Const(3.0))),), (1,), build="kit")
    failure = _failure(impl, program, "backward")
    claimed = {what: got for what, _, got in failure.rows}
    assert claimed == {"a.grad before backward()": "1", "b.grad before backward()": "1"}
    assert "backward()" not in failure.code.replace("before backward()", "")
    exec(failure.code.replace("from micrograd.engine import Value", ""), {"Value": impl.impl.Value})
    printed = dict(line.split(" ", 1) for line in capsys.readouterr().out.splitlines())
    assert printed == {"a": "2.0 1", "b": "6.0 1"}


def test_the_deep_chain_snippet_fails_as_the_check_did_when_backward_raises_the_limit(tmp_path):
    """Issue 17 item 1: the check ignores sys.setrecursionlimit while backward() runs; a snippet that let
    backward() raise it to 10**6 ran a 100,000-deep recursion fine and printed the right grads."""
    folder = write_mutant(CATALOGUE["recursion_limit_raised_high"], tmp_path / "student")
    got = LocalEvaluator(folder).evaluate(DEEP_PROBE)
    assert got.error is not None and got.error.type == "RecursionError"
    with pytest.raises(SpecFailure) as raised:
        check_deep_chain(DEEP_PROBE, got)
    assert "sys.setrecursionlimit(1000)" in raised.value.code
    done = subprocess.run([sys.executable, "-c", student_snippet(raised.value.code, str(folder))],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode != 0 and done.stderr.strip().splitlines()[-1].startswith("RecursionError"), done.stdout


def test_the_snippet_of_swapped_layer_sizes_stops_with_the_checks_own_error(tmp_path):
    """Issue 17 item 1: the check stops at the weight counts; run as printed, the snippet went on."""
    folder = write_mutant(CATALOGUE["mlp_layer_sizes_swapped"], tmp_path / "student")
    failure = _module_failure(LocalEvaluator(folder), _MLP, "mlp")
    assert failure.failure is not None and failure.failure.type == "TypeError"
    done = subprocess.run([sys.executable, "-c", student_snippet(failure.code, str(folder))],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.stderr.strip().splitlines()[-1] == f"TypeError: {failure.failure.message}", done.stdout


def test_the_deep_chain_row_keeps_the_checks_note_whole(tmp_path):
    got = LocalEvaluator(write_mutant(CATALOGUE["recursion_limit_raised_high"], tmp_path / "s")).evaluate(DEEP_PROBE)
    with pytest.raises(SpecFailure) as raised:
        check_deep_chain(DEEP_PROBE, got)
    assert dict((what, g) for what, _, g in raised.value.rows)["exception"] == \
        "RecursionError: maximum recursion depth exceeded (backward() called sys.setrecursionlimit(1000000), " \
        "which was ignored)"
