"""Diagnosis: missing methods, errors while building or in backward(), and probes that tell a wrong rule
from a wrong backward() or a missing +=, each labelled with the exercise to fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from micrograd.impl import LocalEvaluator, reference_dir
from micrograd.mutants import CATALOGUE, write_mutant
from micrograd.oracles import get_oracle
from micrograd.program import Const, Failure, Op, Outcome, Program
from micrograd.verdict import HINTS, SpecFailure, check_program, compare_outcomes

REFERENCE = LocalEvaluator(reference_dir())
FD = get_oracle("fd")


def _unary(kind: str, x: float = 0.5) -> Program:
    return Program((x,), (Op(kind, (0,)), Op("mul", (1, Const(2.0)))), (2,))


def _raised(program: Program, error: Failure, exercise: str) -> SpecFailure:
    failure = compare_outcomes(program, Outcome(error=error), REFERENCE.evaluate(program), exercise=exercise)
    assert failure is not None
    return failure


def test_a_missing_method_reads_not_implemented_under_its_own_exercise():
    error = Failure("AttributeError", "'Value' object has no attribute 'tanh'", "build", 1, "")
    failure = _raised(_unary("tanh"), error, "backward")
    assert failure.summary.startswith("not implemented: Value.tanh")
    assert failure.exercise == "tanh"
    assert "not implemented" in failure.hint and "read the traceback" not in failure.hint


def test_a_missing_reflected_operator_is_not_implemented_under_reflected():
    program = Program((0.5,), (Op("add", (Const(2.0), 0)),), (1,))
    error = Failure("TypeError", "unsupported operand type(s) for +: 'float' and 'Value'", "build", 1, "")
    failure = _raised(program, error, "add")
    assert failure.summary.startswith("not implemented: Value.__radd__") and failure.exercise == "reflected"


def test_a_type_error_raised_inside_the_students_method_is_that_error_not_a_missing_method(tmp_path: Path):
    """Issue 17: ``self.data ^ other`` in __pow__ raises "unsupported operand type(s)" from the student's own
    line: the report names that TypeError and its line, never "not implemented"."""
    folder = tmp_path / "student"
    folder.mkdir()
    for file in ("engine.py", "nn.py"):
        (folder / file).write_text((reference_dir() / file).read_text())
    engine = (folder / "engine.py").read_text()
    line = next(x for x in engine.splitlines() if "self.data**other" in x.replace(" ", ""))
    (folder / "engine.py").write_text(engine.replace(line, line.replace("**", " ^ ", 1)))
    program = Program((0.5,), (Op("pow", (0, Const(2.0))),), (1,))
    got = LocalEvaluator(folder).evaluate(program)
    assert got.error is not None and got.error.type == "TypeError" and "engine.py" in got.error.location
    failure = compare_outcomes(program, got, REFERENCE.evaluate(program), exercise="pow")
    assert failure is not None and failure.exercise == "pow"
    assert "not implemented" not in failure.summary and failure.summary.startswith("TypeError at engine.py:")
    assert ("exception", "none", "TypeError: unsupported operand type(s) for ^: 'float' and 'float'") in failure.rows


def test_an_attribute_error_that_is_not_the_method_stays_an_error():
    error = Failure("AttributeError", "'Value' object has no attribute '_prev'", "build", 1, "")
    failure = _raised(_unary("tanh"), error, "tanh")
    assert "not implemented" not in failure.summary and failure.hint.endswith("read the traceback of the snippet.")


def test_recursion_while_building_blames_the_operator_calling_itself():
    program = Program((0.5,), (Op("mul", (Const(2.0), 0)),), (1,))
    error = Failure("RecursionError", "maximum recursion depth exceeded", "build", 1, "engine.py:166 in __rmul__")
    failure = _raised(program, error, "mul")
    assert "Value.__rmul__ calls itself" in failure.hint and failure.hint != HINTS["recursion"]
    assert failure.exercise == "reflected"


def test_recursion_in_backward_is_the_deep_exercise():
    error = Failure("RecursionError", "maximum recursion depth exceeded", "backward", 2, "engine.py:120")
    failure = _raised(_unary("tanh"), error, "add")
    assert failure.hint == HINTS["recursion"] and failure.exercise == "deep"


def test_a_plain_number_used_as_a_value_asks_to_wrap_it():
    program = Program((0.5,), (Op("add", (0, Const(2.0))),), (1,))
    error = Failure("AttributeError", "'float' object has no attribute 'data'", "build", 1, "engine.py:37 in __add__")
    failure = _raised(program, error, "add")
    assert "Value(other)" in failure.hint and "wrap plain numbers in a Value" in failure.hint


def test_an_overflowing_tanh_formula_points_to_math_tanh():
    error = Failure("OverflowError", "math range error", "build", 1, "engine.py:87 in tanh")
    failure = _raised(_unary("tanh", 400.0), error, "tanh")
    assert "math.tanh" in failure.hint


def _mutant(name: str, tmp_path: Path) -> LocalEvaluator:
    return LocalEvaluator(write_mutant(CATALOGUE[name], tmp_path))


def _verdict(name: str, program: Program, exercise: str, tmp_path: Path) -> SpecFailure:
    with pytest.raises(SpecFailure) as caught:
        check_program(_mutant(name, tmp_path), FD, program, exercise=exercise)
    return caught.value


A_PLUS_A = Program((3.0,), (Op("add", (0, 0)), Op("mul", (1, Const(2.0)))), (2,))


def test_a_rule_giving_one_input_nothing_is_not_mistaken_for_accumulation(tmp_path):
    # on a + a, "only self gets out.grad" and "= instead of +=" give the same numbers: a probe tells them apart
    failure = _verdict("add_backward_first_input_only", A_PLUS_A, "accumulation", tmp_path)
    assert "Value.__add__" in failure.hint and failure.hint != HINTS["accumulation"]
    assert failure.exercise == "add"


def test_assignment_instead_of_accumulation_is_labelled_accumulation(tmp_path):
    failure = _verdict("add_assigns_grad", A_PLUS_A, "add", tmp_path)
    assert failure.hint == HINTS["accumulation"] and failure.exercise == "accumulation"


def test_a_rule_ignoring_out_grad_is_named(tmp_path):
    program = Program((1.0,), (Op("mul", (0, 0)), Op("mul", (1, Const(0.5)))), (2,))
    failure = _verdict("mul_backward_no_chain_rule", program, "mul", tmp_path)
    assert "ignores out.grad" in failure.hint and "Value.__mul__" in failure.hint and failure.exercise == "mul"


def test_a_wrong_backward_order_is_labelled_backward(tmp_path):
    program = Program((1.0,), (Op("add", (0, 0)), Op("add", (1, 1))), (2,), build="kit")
    failure = _verdict("topo_not_reversed", program, "backward", tmp_path)
    assert failure.hint == HINTS["not_reversed"] and failure.exercise == "backward"


def test_a_subtraction_through_a_wrong_negation_blames_negation(tmp_path):
    program = Program((1.0, 2.0), (Op("sub", (0, 1)),), (2,))
    failure = _verdict("neg_forgets_sign", program, "neg_sub", tmp_path)
    assert "Value.__neg__" in failure.hint and "Value.__sub__" not in failure.hint


def test_an_error_in_backward_names_the_method_whose_backward_raised(tmp_path):
    program = Program((1.0,), (Op("log", (0,)), Op("mul", (1, Const(2.0)))), (2,))
    failure = _verdict("log_backward_uses_output", program, "backward", tmp_path)
    assert failure.failure is not None and failure.failure.phase == "backward"
    assert "_backward of Value.log" in failure.hint and failure.exercise == "log"


def test_the_reference_passes_every_probe_program():
    from micrograd.ops import OPERATIONS
    from micrograd.verdict._blame import _probes

    for kind, operation in OPERATIONS.items():
        for reflected in ((False, True) if operation.reflected else (False,)):
            for pair in _probes((kind, reflected)):
                for program in pair:
                    check_program(REFERENCE, FD, program, exercise="add")


def _engine_with(tmp_path: Path, *edits: tuple) -> LocalEvaluator:
    """The reference with source edits (old, new) applied once each."""
    source = (reference_dir() / "engine.py").read_text()
    for old, new in edits:
        assert old in source, old
        source = source.replace(old, new, 1)
    (tmp_path / "engine.py").write_text(source)
    (tmp_path / "nn.py").write_text((reference_dir() / "nn.py").read_text())
    return LocalEvaluator(tmp_path)


_MUL_STUB = ("        out = Value(self.data * other.data, (self, other), '*')\n",
             "        raise NotImplementedError('Value.__mul__: to do')\n")


def test_accumulation_names_an_assignment_whatever_else_is_a_stub(tmp_path):
    from micrograd.verdict import check_accumulation

    log_assigns = ("self.grad += (1 / self.data) * out.grad", "self.grad = (1 / self.data) * out.grad")
    impl = _engine_with(tmp_path, _MUL_STUB, log_assigns)
    with pytest.raises(SpecFailure) as caught:
        check_accumulation(impl)
    assert caught.value.exercise == "accumulation" and "Value.log sets a grad with =" in caught.value.hint


def test_accumulation_is_not_done_while_an_operation_is_a_stub(tmp_path):
    from micrograd.verdict import check_accumulation

    with pytest.raises(SpecFailure) as caught:
        check_accumulation(_engine_with(tmp_path, _MUL_STUB))
    assert caught.value.failure is not None and caught.value.failure.type == "NotImplementedError"
    assert "Value.__mul__" in caught.value.summary


def test_a_stubbed_pow_does_not_pass_the_value_exponent_property(tmp_path):
    from micrograd.verdict import check_value_exponent

    impl = _engine_with(tmp_path, ("        out = Value(self.data**other, (self,), f'**{other}')\n",
                                   "        raise NotImplementedError('Value.__pow__: to do')\n"))
    program = Program((2.0, 1.5), (Op("pow", (0, 1)),), (2,), backward="kit", seeds=(2.0,))
    with pytest.raises(SpecFailure) as caught:
        check_value_exponent(impl, program)
    assert "a ** 2" in caught.value.summary and caught.value.exercise == "pow"
    check_value_exponent(REFERENCE, program)  # the reference raises TypeError on it: right


def test_a_reflected_hint_quotes_the_counterexamples_own_expression(tmp_path):
    # 2.0 - a computed as a - 2.0: the probe uses 2.5 - a, the hint must quote the snippet's 2.0 - a
    program = Program((1.0,), (Op("sub", (Const(2.0), 0)),), (1,), backward="kit", seeds=(-1.5,))
    failure = _verdict("rsub_as_sub", program, "reflected", tmp_path)
    assert "b = 2.0 - a" in failure.code and "2.0 - a" in failure.hint and "2.5" not in failure.hint
    assert "Value.__rsub__" in failure.hint and failure.exercise == "reflected"


def test_accumulation_probes_only_the_operations_asked_for_and_blames_the_exercise_given(tmp_path):
    from micrograd.verdict import check_accumulation

    log_assigns = ("self.grad += (1 / self.data) * out.grad", "self.grad = (1 / self.data) * out.grad")
    impl = _engine_with(tmp_path, log_assigns)
    check_accumulation(impl, ("add", "mul", "tanh"))  # log is not probed: nothing wrong there
    with pytest.raises(SpecFailure) as caught:
        check_accumulation(impl, ("log",), exercise="log")
    assert caught.value.exercise == "log" and "Value.log sets a grad with =" in caught.value.hint
    with pytest.raises(ValueError, match="unknown operation 'logg'"):
        check_accumulation(impl, ("logg",))


def test_accumulation_of_operations_asked_for_fails_on_their_stub_or_missing_method(tmp_path):
    from micrograd.verdict import check_accumulation

    for name in ("none", "stub", "missing"):
        (tmp_path / name).mkdir()
    check_accumulation(_engine_with(tmp_path / "none"), ("mul",))  # the reference's mul accumulates
    with pytest.raises(SpecFailure) as caught:
        check_accumulation(_engine_with(tmp_path / "stub", _MUL_STUB), ("mul",), exercise="mul")
    assert caught.value.exercise == "mul" and caught.value.failure is not None
    assert caught.value.failure.type == "NotImplementedError"
    renamed = ("    def log(self):", "    def log_renamed(self):")
    with pytest.raises(SpecFailure) as caught:
        check_accumulation(_engine_with(tmp_path / "missing", renamed), ("log",), exercise="log")
    assert caught.value.exercise == "log" and caught.value.failure is not None
