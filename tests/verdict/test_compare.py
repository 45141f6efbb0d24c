"""Comparing outcomes: tolerances, which check fires first, the culprit, rows, code and hints."""

from __future__ import annotations

import math

import pytest

from micrograd.impl import LocalEvaluator, reference_dir
from micrograd.ops import KINK_HINTS
from micrograd.program import Const, Failure, Op, Outcome, Program
from micrograd.verdict import (
    EXACT,
    FINITE_DIFFERENCES,
    HINTS,
    SpecFailure,
    Tolerance,
    check_program,
    compare_outcomes,
    method_name,
    tolerance_for,
)

REFERENCE = LocalEvaluator(reference_dir())

# a = 3; b = a + a; c = b * 2.0 (root)
A_PLUS_A = Program((3.0,), (Op("add", (0, 0)), Op("mul", (1, Const(2.0)))), (2,))


def _outcome(data, grad):
    return Outcome(data=tuple(data), grad=tuple(grad), initial_grad=(0.0,) * len(data))


def test_tolerance_rejects_bad_numbers():
    with pytest.raises(ValueError, match="rel"):
        Tolerance(rel=-1.0, abs=0.0, scale=0.0)
    with pytest.raises(ValueError, match="abs"):
        Tolerance(rel=0.0, abs=1, scale=0.0)


@pytest.mark.parametrize(
    ("expected", "got", "magnitude", "close"),
    [
        (1.0, 1.0 + 1e-12, 0.0, True),
        (1.0, 1.0 + 1e-6, 0.0, False),
        (0.0, 1e-13, 0.0, True),
        (0.0, 1e-9, 1e4, True),  # cancellation next to values of 1e4
        (0.0, 1e-9, 1.0, False),
        (math.inf, math.inf, 0.0, True),
        (1.0, math.inf, 0.0, False),
        (1.0, math.nan, 0.0, False),
    ],
)
def test_exact_tolerance(expected, got, magnitude, close):
    assert EXACT.close(expected, got, magnitude) is close


def test_finite_differences_are_looser_than_autograd_for_grads_only():
    assert tolerance_for("fd") == (EXACT, FINITE_DIFFERENCES)
    assert tolerance_for("torch") == (EXACT, EXACT)
    assert FINITE_DIFFERENCES.rel > EXACT.rel


def test_equal_outcomes_pass():
    expected = REFERENCE.evaluate(A_PLUS_A)
    assert compare_outcomes(A_PLUS_A, expected, expected, exercise="add") is None


def test_assignment_instead_of_accumulation_is_named():
    expected = _outcome([3, 6, 12], [4, 2, 1])
    got = _outcome([3, 6, 12], [2, 2, 1])  # a got one of its two contributions
    failure = compare_outcomes(A_PLUS_A, got, expected, exercise="add", oracle_name="torch")
    assert isinstance(failure, SpecFailure)
    assert failure.summary == "wrong gradient (checked against PyTorch): a.grad is 2, expected 4"
    assert failure.rows == [("a.grad", "4", "2   <- wrong")]
    assert failure.hint == HINTS["accumulation"]
    assert "b = a + a" in failure.code and "c.backward()" in failure.code
    assert "Counterexample (runnable)" in str(failure)


def test_a_backward_run_twice_is_named():
    program = Program((3.0,), (Op("tanh", (0,)), Op("mul", (1, Const(2.0)))), (2,))
    expected = REFERENCE.evaluate(program)
    doubled = [g * 2 if i == 0 else g for i, g in enumerate(expected.grad)]
    failure = compare_outcomes(program, _outcome(expected.data, doubled), expected, exercise="backward")
    assert failure is not None and failure.hint == HINTS["twice"]


def test_wrong_rule_hint_names_the_method_and_its_rule():
    program = Program((3.0, 4.0), (Op("mul", (0, 1)), Op("mul", (2, Const(2.0)))), (3,))
    expected = _outcome([3, 4, 12, 24], [8, 6, 2, 1])
    got = _outcome([3, 4, 12, 24], [24, 24, 2, 1])  # out.data instead of out.grad
    failure = compare_outcomes(program, got, expected, exercise="mul")
    assert failure is not None
    assert "Value.__mul__" in failure.hint and "out.grad (not out.data)" in failure.hint
    assert [r[0] for r in failure.rows] == ["a.grad", "b.grad"]


def test_relu_at_zero_hint():
    program = Program((0.0,), (Op("relu", (0,)), Op("mul", (1, Const(2.0)))), (2,))
    expected = _outcome([0, 0, 0], [0, 2, 1])
    failure = compare_outcomes(program, _outcome([0, 0, 0], [2, 2, 1]), expected, exercise="relu")
    assert failure is not None and failure.hint == KINK_HINTS["relu"] and failure.exercise == "relu"


def test_wrong_forward_value_blames_the_first_wrong_node():
    expected = _outcome([3, 6, 12], [4, 2, 1])
    got = _outcome([3, 9, 18], [4, 2, 1])
    failure = compare_outcomes(A_PLUS_A, got, expected, exercise="add")
    assert failure is not None
    assert failure.summary == "wrong value: b = a + a gives 9, expected 6"
    assert failure.rows[0] == ("b.data", "6", "9")
    assert "Value.__add__" in failure.hint


def test_values_that_differ_late_are_shown_with_enough_digits():
    expected = _outcome([3, 6, 12], [4, 2, 1])
    got = _outcome([3, 6, 12], [4.000001, 2, 1])
    failure = compare_outcomes(A_PLUS_A, got, expected, exercise="add")
    assert failure is not None and failure.rows[0][1:] == ("4", "4.000001   <- wrong")


def test_an_exception_names_type_location_statement_and_method():
    error = Failure("NotImplementedError", "", "build", 1, "engine.py:57")
    failure = compare_outcomes(A_PLUS_A, Outcome(error=error), REFERENCE.evaluate(A_PLUS_A), exercise="add")
    assert failure is not None and failure.failure == error
    assert failure.summary == "NotImplementedError at engine.py:57 while computing b = a + a (Value.__add__)"
    assert failure.hint == "implement Value.__add__: it still raises NotImplementedError."


def test_recursion_error_in_backward_gets_the_explicit_stack_hint():
    error = Failure("RecursionError", "maximum recursion depth exceeded", "backward", 2, "engine.py:120")
    failure = compare_outcomes(A_PLUS_A, Outcome(error=error), REFERENCE.evaluate(A_PLUS_A), exercise="deep")
    assert failure is not None and failure.summary == "RecursionError at engine.py:120 in c.backward()"
    assert failure.hint == HINTS["recursion"]


def test_initial_grads_are_checked_before_values():
    got = Outcome(data=(3.0, 6.0, 12.0), grad=(4.0, 2.0, 1.0), initial_grad=(0.0, 1.0, 0.0))
    failure = compare_outcomes(A_PLUS_A, got, REFERENCE.evaluate(A_PLUS_A), exercise="add")
    assert failure is not None and failure.hint == HINTS["initial_grad"]
    assert failure.rows == [("b.grad before backward()", "0", "1")]


def test_unknown_expected_gradients_are_not_compared():
    expected = Outcome(data=(3.0, 6.0, 12.0), grad=(None, 2.0, 1.0), initial_grad=(0.0,) * 3)
    assert compare_outcomes(A_PLUS_A, _outcome([3, 6, 12], [99, 2, 1]), expected, exercise="add") is None


def test_a_value_exponent_must_raise_type_error():
    program = Program((2.0, 3.0), (Op("pow", (0, 1)),), (2,))
    expected = Outcome(error=Failure("TypeError", "no", "build", 2))
    failure = compare_outcomes(program, _outcome([2, 3, 8], [12, 5.5, 1]), expected, exercise="pow")
    assert failure is not None and failure.summary == "expected TypeError while computing c = a ** b, " \
        "but no error was raised"
    assert "TypeError" in failure.hint
    assert compare_outcomes(program, Outcome(error=Failure("TypeError", "x", "build", 2)), expected,
                            exercise="pow") is None
    wrong_type = compare_outcomes(program, Outcome(error=Failure("ValueError", "x", "build", 2)), expected,
                                  exercise="pow")
    assert wrong_type is not None and "got ValueError" in wrong_type.summary


def test_method_names_follow_the_operand_order():
    assert method_name(Op("sub", (Const(2.0), 0))) == "Value.__rsub__"
    assert method_name(Op("div", (0, 1))) == "Value.__truediv__"
    assert method_name(Op("neg", (0,))) == "Value.__neg__"
    assert method_name(Op("tanh", (0,))) == "Value.tanh"


class _Fixed:
    def __init__(self, name, outcome):
        self.name, self.outcome = name, outcome

    def evaluate(self, program):
        return self.outcome


def test_check_program_raises_the_failure_and_returns_the_outcome_otherwise():
    good = REFERENCE.evaluate(A_PLUS_A)
    assert check_program(REFERENCE, _Fixed("torch", good), A_PLUS_A, exercise="add") == good
    with pytest.raises(SpecFailure, match=r"a\.grad is 4, expected 5"):
        check_program(REFERENCE, _Fixed("torch", _outcome([3, 6, 12], [5, 2, 1])), A_PLUS_A, exercise="add")


def test_finite_difference_truncation_error_is_not_blamed_on_the_engine():
    from micrograd.oracles import get_oracle

    # i = 2 * (16 a) ** 5 at a = 0: the exact gradient is 0, FD at h = 1e-3 is off by 5e-7
    ops = [Op("mul", (1, 1)), Op("mul", (2, 0)), Op("mul", (3, 2)), Op("mul", (4, 4)), Op("mul", (5, 5)),
           Op("mul", (6, 4)), Op("mul", (7, Const(2.0)))]
    program = Program((0.0, 2.0), ops, (8,))
    check_program(REFERENCE, get_oracle("fd"), program, exercise="mul")
