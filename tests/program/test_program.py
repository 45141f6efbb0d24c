"""Programs: validation, serialization, and code that runs to the same numbers."""

import pytest

from micrograd.impl import LocalEvaluator, reference_dir
from micrograd.program import Const, Op, Outcome, Program, float_forward, to_python

EXAMPLE = Program(
    (2.0, -3),
    (
        Op("mul", (0, 1)),
        Op("add", (2, 0)),
        Op("sub", (Const(1.5), 3)),
        Op("pow", (4, Const(2))),
        Op("div", (Const(-1), 5)),
        Op("relu", (3,)),
        Op("neg", (6,)),
        Op("mul", (8, Const(0.25))),
    ),
    (9,),
)


def test_json_round_trip_keeps_ints_and_floats_apart():
    again = Program.from_json(EXAMPLE.to_json())
    assert again == EXAMPLE
    assert type(again.leaves[1]) is int and type(again.ops[3].args[1].value) is int


def test_printed_code_runs_and_matches_the_evaluator():
    namespace: dict = {}
    exec(to_python(EXAMPLE), namespace)
    outcome = LocalEvaluator(reference_dir()).evaluate(EXAMPLE)
    assert outcome.ok
    assert [namespace[n].grad for n in "ab"] == list(outcome.grad[:2])
    assert float_forward(EXAMPLE) == list(outcome.data)


def test_negative_constant_base_is_parenthesized():
    text = to_python(Program((1.0,), (Op("pow", (0, Const(-2))), Op("sub", (Const(-1.0), 1))), (2,)))
    assert "b = a ** -2" in text and "c = -1.0 - b" in text


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Op("frobnicate", (0,)), "unknown operation 'frobnicate'"),
        (lambda: Op("add", (0,)), "add takes 2 operand"),
        (lambda: Op("add", (Const(1), Const(2))), "only constants"),
        (lambda: Op("pow", (Const(2), 0)), "left operand of \\*\\* must be a node .engines have no __rpow__"),
        (lambda: Program((1.0,), (Op("add", (0, 1)),)), "reads node 1, which is not an earlier node"),
        (lambda: Program((float("nan"),)), "leaf 0 must be a finite"),
        (lambda: Program((1.0,), roots=(3,)), "root 3 is not a node"),
    ],
)
def test_invalid_programs_are_rejected_with_the_reason(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


def test_outcome_from_untrusted_data_rejects_non_numbers():
    with pytest.raises(ValueError, match="expected a number"):
        Outcome.from_dict({"data": ["1.0"], "grad": [], "initial_grad": []})
    assert Outcome.from_dict(Outcome(data=(1.0,), grad=(None,)).to_dict()).grad == (None,)


def test_failures_are_captured_with_phase_node_and_location(tmp_path):
    (tmp_path / "engine.py").write_text(
        "class Value:\n"
        "    def __init__(self, data):\n"
        "        self.data, self.grad = data, 0\n"
        "    def __add__(self, other):\n"
        "        raise NotImplementedError('add me')\n"
    )
    (tmp_path / "nn.py").write_text("")
    outcome = LocalEvaluator(tmp_path).evaluate(Program((1.0, 2.0), (Op("add", (0, 1)),), (2,)))
    assert outcome.error is not None
    assert (outcome.error.type, outcome.error.phase, outcome.error.node) == ("NotImplementedError", "build", 2)
    assert outcome.error.location == "engine.py:5 in __add__"
