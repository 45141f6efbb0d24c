"""Module programs: validation, serialization, the oracles agreeing, and errors captured."""

import contextlib
import io
import json
import math
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from micrograd.impl import LocalEvaluator, exercises_dir, reference_dir
from micrograd.oracles import (
    get_oracle,
    graph_module_outcome,
    numpy_module_outcome,
    oracle_skip_reason,
    relu_margin,
    torch_module_outcome,
)
from micrograd.program import ModuleOutcome, ModuleProgram
from micrograd.strategies import module_programs
from micrograd.verdict import SpecFailure, check_module_program, compare_module_outcomes, parameter_name

REFERENCE = LocalEvaluator(reference_dir())

# MLP(2, [2, 1]) worked by hand: hidden z = (0.5*1 - 1*2 + 0.25, -0.5*1 + 1*2 + 0) = (-1.25, 1.5),
# relu -> (0, 1.5); output = 0*2 + 1.5*(-1) + 0.5 = -1.0; sse with target 1: (-1 - 1)^2 = 4.
EXAMPLE = ModuleProgram(
    module="mlp",
    nin=2,
    sizes=(2, 1),
    params=(0.5, -1.0, 0.25, -0.5, 1.0, 0.0, 2.0, -1.0, 0.5),
    inputs=((1.0, 2.0),),
    targets=((1.0,),),
    actions=("forward", "step", "zero_grad", "forward", "parameters"),
    lr=0.1,
    seed=7,
)


needs_torch = pytest.mark.skipif(
    oracle_skip_reason("torch") is not None, reason=str(oracle_skip_reason("torch"))
)


def _evaluators():
    """The reference, the numpy oracle, and the torch model when torch is installed."""
    yield REFERENCE.evaluate(EXAMPLE)
    yield numpy_module_outcome(EXAMPLE)
    if oracle_skip_reason("torch") is None:
        yield torch_module_outcome(EXAMPLE)


def test_hand_worked_example_on_every_evaluator():
    # dloss/dout = 2 * (-1 - 1) = -4; the output neuron: w = (2, -1), b = 0.5, input (0, 1.5)
    # grads: w0 = -4 * 0 = 0, w1 = -4 * 1.5 = -6, b = -4; hidden neuron 1 (z = 1.5 > 0) gets
    # -4 * -1 = 4: w = 4 * (1, 2) = (4, 8), b = 4; hidden neuron 0 is dead (z < 0): all 0.
    grads = (0.0, 0.0, 0.0, 4.0, 8.0, 4.0, 0.0, -6.0, -4.0)
    for outcome in _evaluators():
        assert outcome.ok, outcome.error
        first = outcome.steps[0]
        assert first.outputs == ((-1.0,),) and first.single == (True,)
        assert first.loss == 4.0
        assert first.grads == pytest.approx(grads, abs=1e-12)
        assert outcome.steps[1].params == pytest.approx([p - 0.1 * g for p, g in zip(EXAMPLE.params, grads)])
        assert outcome.steps[2].grads == (0.0,) * 9
        assert outcome.steps[4].order == tuple(range(9))
        assert outcome.widths == (2, 2, 2)


def test_json_round_trip_of_program_and_outcome():
    again = ModuleProgram.from_json(EXAMPLE.to_json())
    assert again == EXAMPLE
    outcome = REFERENCE.evaluate(EXAMPLE)
    text = json.dumps(outcome.to_dict())
    assert ModuleOutcome.from_dict(json.loads(text)) == outcome
    assert json.loads(EXAMPLE.to_json())["kind"] == "module"


@settings(max_examples=30, deadline=None)
@given(module_programs(max_steps=3))
def test_generated_programs_round_trip(program):
    assert ModuleProgram.from_json(program.to_json()) == program
    assert relu_margin(program) >= 1e-6


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(kind="program"), "kind is 'program'"),
        (lambda d: d.update(module="rnn"), "module must be one of"),
        (lambda d: d.update(nin=0), "nin must be an int from 1"),
        (lambda d: d.update(nin=True), "nin must be an int"),
        (lambda d: d.update(sizes=[2, 10**6]), "each of sizes must be an int"),
        (lambda d: d.update(params=d["params"][:-1]), "has 9 parameters, but params has 8"),
        (lambda d: d.update(params=[*d["params"][:-1], "1"]), "params must hold finite numbers"),
        (lambda d: d.update(params=[*d["params"][:-1], float("nan")]), "params must hold finite numbers"),
        (lambda d: d.update(inputs=[[1.0]]), "input 0 has 1 numbers, but nin is 2"),
        (lambda d: d.update(targets=[]), "targets has 0 rows"),
        (lambda d: d.update(actions=["forward", "rm -rf"]), "unknown action 'rm -rf'"),
        (lambda d: d.update(actions=["step"] * 65), "at most 64 actions"),
        (lambda d: d.update(loss="mse"), "loss must be one of"),
        (lambda d: d.update(nonlin=False), "nonlin=False is for a Neuron or a Layer"),
        (lambda d: d.update(nonlin=[]), "nonlin must be True or False"),
        (lambda d: d.update(seed=True), "seed must be an int"),
        (lambda d: d.pop("params"), "missing 'params'"),
        (lambda d: d.update(inputs=5), "expected a list"),
    ],
)
def test_untrusted_programs_are_rejected_with_the_reason(change, message):
    data = EXAMPLE.to_dict()
    change(data)
    with pytest.raises(ValueError, match=message):
        ModuleProgram.from_dict(data)


@pytest.mark.parametrize(
    "data",
    [
        "not a dict",
        {"steps": [{"action": "forward", "loss": "1"}]},
        {"steps": [{"action": "explode"}]},
        {"steps": [{"action": "forward", "single": [1]}]},
        {"widths": [1.5]},
        {"error": {"type": 3, "message": "", "phase": "build"}},
        {"error": "boom"},
    ],
)
def test_untrusted_outcomes_are_rejected(data):
    with pytest.raises(ValueError):
        ModuleOutcome.from_dict(data)


@needs_torch
@settings(max_examples=25, deadline=None)
@given(module_programs(max_steps=4))
def test_torch_numpy_and_reference_agree(program):
    expected = torch_module_outcome(program)
    assert len(expected.steps) == len(program.actions)
    for other in (numpy_module_outcome(program), REFERENCE.evaluate(program)):
        assert other.ok, other.error
        assert compare_module_outcomes(expected, other, program=program) == []


@needs_torch
@pytest.mark.parametrize("oracle", ["torch", "jax", "fd"])
@settings(max_examples=15, deadline=None)
@given(program=module_programs(max_inputs=2, max_width=3, max_depth=2, min_margin=0.05))
def test_to_program_agrees_with_the_torch_model(oracle, program):
    if oracle_skip_reason(oracle) is not None:
        pytest.skip(str(oracle_skip_reason(oracle)))
    graph = get_oracle(oracle).evaluate(program.to_program())
    assert graph.ok, graph.error
    got = graph_module_outcome(program, graph)
    expected = torch_module_outcome(program)
    tolerance = {"rel": 1e-5, "abs_": 1e-6} if oracle == "fd" else {}
    assert compare_module_outcomes(expected, got, program=program, **tolerance) == []


def test_to_program_has_parameters_then_inputs_as_leaves_and_the_loss_as_root():
    graph = EXAMPLE.to_program()
    assert graph.leaves == (*EXAMPLE.params, 1.0, 2.0)
    assert graph.roots == (EXAMPLE.loss_node(),)
    assert graph.op_kinds() == {"add", "mul", "relu"}
    (out,) = EXAMPLE.output_nodes()
    outcome = REFERENCE.evaluate(graph)
    assert outcome.data[out[0]] == -1.0 and outcome.data[graph.roots[0]] == 4.0


def test_comparison_names_the_parameter_and_the_action():
    expected = numpy_module_outcome(EXAMPLE)
    bad_step = replace(expected.steps[0], grads=(*expected.steps[0].grads[:-1], 1.0))
    got = replace(expected, steps=(bad_step, *expected.steps[1:]))
    (row,) = compare_module_outcomes(expected, got, program=EXAMPLE)
    assert row.what == "after action 0 (forward): layers[1].neurons[0].b.grad"
    assert (row.expected, row.got) == ("-4", "1")
    assert compare_module_outcomes(expected, got, program=EXAMPLE, steps=[1, 2]) == []
    truncated = replace(expected, steps=expected.steps[:2])
    assert compare_module_outcomes(expected, truncated)[0].what == "actions completed"


def test_parameter_names_follow_the_canonical_order():
    names = [parameter_name(EXAMPLE, i) for i in range(9)]
    assert names[:3] == ["layers[0].neurons[0].w[0]", "layers[0].neurons[0].w[1]", "layers[0].neurons[0].b"]
    assert names[-1] == "layers[1].neurons[0].b" and parameter_name(EXAMPLE, 9) is None


def test_printed_code_runs_and_prints_the_same_numbers(capsys):
    namespace: dict = {}
    exec(EXAMPLE.to_python(), namespace)
    printed = capsys.readouterr().out.splitlines()
    outcome = REFERENCE.evaluate(EXAMPLE)
    assert printed[1] == f"loss {outcome.steps[0].loss}"
    assert printed[2] == "grads " + str([list(outcome.steps[0].grads[i:i + 3]) for i in (0, 3, 6)])
    assert namespace["loss"].data == outcome.steps[3].loss


@settings(max_examples=20, deadline=None)
@given(module_programs(max_steps=2))
def test_printed_code_of_any_program_runs_to_the_evaluated_numbers(program):
    namespace: dict = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(program.to_python(), namespace)
    outcome = REFERENCE.evaluate(program)
    assert namespace["loss"].data == outcome.steps[-1].loss
    neurons = namespace["neurons"]
    assert tuple(p.grad for n in neurons for p in [*n.w, n.b]) == outcome.steps[-1].grads


def test_not_implemented_is_captured_with_its_location():
    outcome = LocalEvaluator(exercises_dir()).evaluate(EXAMPLE)
    assert outcome.error is not None
    assert outcome.error.type == "NotImplementedError"
    assert outcome.error.phase == "forward" and outcome.error.node == 0
    assert outcome.error.location.startswith("nn.py:")
    assert outcome.steps == ()


@pytest.mark.parametrize(
    ("patch", "phase", "error"),
    [
        ("act.relu() if self.nonlin else act", "forward", "TypeError: Neuron(2, nonlin=True)(x) returned str"),
        ("self.w + [self.b]", "parameters", "NotImplementedError"),
    ],
)
def test_broken_implementations_are_captured_not_raised(tmp_path: Path, patch, phase, error):
    (tmp_path / "engine.py").write_text((reference_dir() / "engine.py").read_text())
    source = (reference_dir() / "nn.py").read_text()
    broken = "'oops'" if phase == "forward" else "exec('raise NotImplementedError')"
    (tmp_path / "nn.py").write_text(source.replace(patch, broken))
    neuron = replace(EXAMPLE, module="neuron", sizes=(1,), params=EXAMPLE.params[:3])
    program = replace(neuron, actions=("parameters", "forward"))
    if phase == "parameters":
        program = replace(program, actions=("forward", "parameters"))
    outcome = LocalEvaluator(tmp_path).evaluate(program)
    assert outcome.error is not None and str(outcome.error).startswith(error)
    assert outcome.error.phase == phase
    assert len(outcome.steps) == 1  # the action before the failing one is kept


def test_a_missing_nn_file_is_an_implementation_error(tmp_path: Path):
    (tmp_path / "engine.py").write_text((reference_dir() / "engine.py").read_text())
    outcome = LocalEvaluator(tmp_path).evaluate(EXAMPLE)
    assert outcome.error is not None and outcome.error.type == "ImplementationError"
    assert "nn.py is missing" in outcome.error.message


def test_construction_is_seeded_and_leaves_the_global_random_state_alone():
    import random

    random.seed(123)
    before = random.random()
    random.seed(123)
    REFERENCE.evaluate(EXAMPLE)
    assert random.random() == before


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "cnn"}, "kind='cnn' must be one of"),
        ({"loss": "mse"}, "loss='mse'"),
        ({"max_width": 0}, "max_width=0 must be an int from 1"),
        ({"max_depth": 9}, "max_depth=9 must be at most 8"),
        ({"kind": "neuron", "outputs": 2}, "outputs=2 must be an int from 1 to max_width|a neuron has one output"),
        ({"actions": ["forward"], "max_steps": 2}, "not both"),
        ({"actions": ["jump"]}, "must be a non-empty sequence"),
        ({"min_margin": -1}, "min_margin=-1"),
        ({"kind": "mlp", "nonlin": False}, "MLP's hidden layers always use relu"),
    ],
)
def test_strategy_arguments_are_checked_up_front(kwargs, message):
    with pytest.raises(InvalidArgument, match=message):
        module_programs(**kwargs)


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_strategy_respects_its_bounds(data):
    program = data.draw(module_programs(kind="mlp", max_inputs=2, max_width=3, max_depth=2, max_steps=2))
    assert program.module == "mlp" and len(program.inputs) <= 2 and len(program.sizes) <= 2
    assert program.nin <= 3 and all(1 <= s <= 3 for s in program.sizes)
    assert all(s >= 2 for s in program.sizes[:-1])
    assert program.actions[-1] == "forward" and program.actions.count("step") <= 2
    assert all(math.isfinite(v) and abs(v) <= 1 for v in program.params)


def _mutant(tmp_path: Path, old: str, new: str) -> LocalEvaluator:
    (tmp_path / "engine.py").write_text((reference_dir() / "engine.py").read_text())
    source = (reference_dir() / "nn.py").read_text()
    assert old in source
    (tmp_path / "nn.py").write_text(source.replace(old, new))
    return LocalEvaluator(tmp_path)


def test_check_passes_the_reference_and_returns_its_outcome():
    got = check_module_program(REFERENCE, EXAMPLE, exercise="training", fields=("loss", "params"), summary="s",
                               hint="h")
    assert got == REFERENCE.evaluate(EXAMPLE)


def test_check_reports_a_wrong_module_with_code_rows_and_hint(tmp_path: Path):
    relu_everywhere = _mutant(tmp_path, "return act.relu() if self.nonlin else act", "return act.relu()")
    with pytest.raises(SpecFailure) as info:
        check_module_program(relu_everywhere, EXAMPLE, exercise="mlp", fields=("outputs",), summary="it is linear",
                             hint="no relu at the end")
    failure = info.value
    assert failure.exercise == "mlp" and failure.failure is None
    assert failure.summary == "MLP(2, [2, 1]): it is linear, but it does not (checked against the NumPy model)"
    # the second forward pass (action 3) follows one SGD step
    assert failure.rows == [
        ("after action 0 (forward): output 0 for x0", "-1", "0"),
        ("after action 3 (forward): output 0 for x0", "0.9", "0"),
    ]
    assert "model = MLP(2, [2, 1])" in failure.code
    # its outputs are exactly those of relu on the last layer: the hint names that slip, not the property's words
    assert "last layer must be linear" in failure.hint


def test_check_reports_not_implemented_with_where_to_work():
    with pytest.raises(SpecFailure) as info:
        check_module_program(LocalEvaluator(exercises_dir()), EXAMPLE, exercise="mlp", fields=("outputs",),
                             summary="s", hint="h")
    failure = info.value
    assert failure.failure is not None and failure.failure.type == "NotImplementedError"
    assert "raised NotImplementedError: MLP.__call__" in failure.summary
    assert "replace the `raise NotImplementedError` at nn.py:" in failure.hint and "MLP.__call__" in failure.hint


def test_check_can_compare_an_implementation_with_itself(tmp_path: Path):
    no_zero_grad = _mutant(tmp_path, "            p.grad = 0", "            pass")
    program = replace(EXAMPLE, actions=("forward", "zero_grad", "forward"))

    def again(got: ModuleOutcome) -> ModuleOutcome:
        return replace(got, steps=(got.steps[0], got.steps[1], got.steps[0]))

    check_module_program(REFERENCE, program, exercise="zero_grad", fields=("grads",), expected=again, steps=[2],
                         summary="s", hint="h")
    with pytest.raises(SpecFailure) as info:
        check_module_program(no_zero_grad, program, exercise="zero_grad", fields=("grads",), expected=again,
                             steps=[2], summary="s", hint="h")
    assert info.value.rows[0] == ("after action 2 (forward): layers[0].neurons[1].w[0].grad", "4", "8")
