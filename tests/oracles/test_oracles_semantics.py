"""Oracles on small programs whose data and gradients are derived by hand, and their error cases.

Every expected number below comes from the calculus written next to it, not from any oracle.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

from micrograd.oracles import (
    INSTALL_HINT,
    ORACLE_NAMES,
    FiniteDifferences,
    Oracle,
    get_oracle,
    oracle_skip_reason,
)
from micrograd.program import Const, Op, Program

# exact oracles agree with the calculus to rounding; FD to its truncation and rounding error
TOLERANCE = {"exact": 1e-13, "torch": 1e-13, "jax": 1e-13, "fd": 1e-9}


@pytest.fixture(scope="module", params=ORACLE_NAMES)
def oracle(request: pytest.FixtureRequest) -> Oracle:
    reason = oracle_skip_reason(request.param)
    if reason is not None:
        pytest.skip(reason)
    return get_oracle(request.param)


def leaf_program(x: float, op: Op) -> Program:
    return Program((x,), (op,), (1,))


# (program, expected data of every node, expected grad of every node)
CASES = {
    # c = a + b: dc/da = dc/db = 1
    "add": (Program((2.0, -3.0), (Op("add", (0, 1)),), (2,)), (2.0, -3.0, -1.0), (1.0, 1.0, 1.0)),
    # c = 1.5 - a (reflected): dc/da = -1
    "rsub": (Program((2.0,), (Op("sub", (Const(1.5), 0)),), (1,)), (2.0, -0.5), (-1.0, 1.0)),
    # c = a - b: dc/da = 1, dc/db = -1
    "sub": (Program((2.0, 5.0), (Op("sub", (0, 1)),), (2,)), (2.0, 5.0, -3.0), (1.0, -1.0, 1.0)),
    # c = a * b: dc/da = b, dc/db = a
    "mul": (Program((2.0, -3.0), (Op("mul", (0, 1)),), (2,)), (2.0, -3.0, -6.0), (-3.0, 2.0, 1.0)),
    # c = a / b = 3/4: dc/da = 1/b = 1/4, dc/db = -a/b**2 = -3/16
    "div": (Program((3.0, 4.0), (Op("div", (0, 1)),), (2,)), (3.0, 4.0, 0.75), (0.25, -3 / 16, 1.0)),
    # c = 2 / a (reflected) with a = 4: dc/da = -2/a**2 = -1/8
    "rdiv": (Program((4.0,), (Op("div", (Const(2), 0)),), (1,)), (4.0, 0.5), (-0.125, 1.0)),
    # c = a ** 3 with a = -2 (negative base, integer exponent): -8, dc/da = 3 a**2 = 12
    "pow_int": (leaf_program(-2.0, Op("pow", (0, Const(3)))), (-2.0, -8.0), (12.0, 1.0)),
    # c = a ** 2.0 (a float exponent that is an integer) with a = -3: 9, dc/da = 2a = -6
    "pow_float_integer": (leaf_program(-3.0, Op("pow", (0, Const(2.0)))), (-3.0, 9.0), (-6.0, 1.0)),
    # c = a ** -2 with a = -2: 1/4, dc/da = -2 a**-3 = -2/-8 = 1/4
    "pow_negative": (leaf_program(-2.0, Op("pow", (0, Const(-2)))), (-2.0, 0.25), (0.25, 1.0)),
    # c = a ** 0.5 with a = 4: 2, dc/da = 0.5 / sqrt(a) = 1/4
    "pow_sqrt": (leaf_program(4.0, Op("pow", (0, Const(0.5)))), (4.0, 2.0), (0.25, 1.0)),
    # c = a ** 0 with a = 3: 1, dc/da = 0 * a**-1 = 0
    "pow_zero": (leaf_program(3.0, Op("pow", (0, Const(0)))), (3.0, 1.0), (0.0, 1.0)),
    # c = -a: dc/da = -1
    "neg": (leaf_program(2.5, Op("neg", (0,))), (2.5, -2.5), (-1.0, 1.0)),
    # relu(a) for a > 0 is a, slope 1
    "relu_positive": (leaf_program(2.0, Op("relu", (0,))), (2.0, 2.0), (1.0, 1.0)),
    # relu(a) for a < 0 is 0, slope 0
    "relu_negative": (leaf_program(-2.0, Op("relu", (0,))), (-2.0, 0.0), (0.0, 1.0)),
    # tanh(0) = 0, tanh'(0) = 1 - 0**2 = 1
    "tanh_zero": (leaf_program(0.0, Op("tanh", (0,))), (0.0, 0.0), (1.0, 1.0)),
    # tanh(0.5) = (e - 1)/(e + 1), tanh' = 1 - tanh**2 = 4e / (e + 1)**2  (e**(2*0.5) = e)
    "tanh": (
        leaf_program(0.5, Op("tanh", (0,))),
        (0.5, (math.e - 1) / (math.e + 1)),
        (4 * math.e / (math.e + 1) ** 2, 1.0),
    ),
    # exp(1) = e, exp' = exp
    "exp": (leaf_program(1.0, Op("exp", (0,))), (1.0, math.e), (math.e, 1.0)),
    # log(2), log'(2) = 1/2; log(e**2)= 2 would need e**2 as a leaf, so use ln 2 = 0.693...
    "log": (leaf_program(2.0, Op("log", (0,))), (2.0, math.log(2.0)), (0.5, 1.0)),
    # c = a * a (a used twice) with a = 3: 9, dc/da = 2a = 6 (both uses add up)
    "reuse": (Program((3.0,), (Op("mul", (0, 0)),), (1,)), (3.0, 9.0), (6.0, 1.0)),
    # d = (a * b) + a with a = 2, b = -3: -4; dd/dc = 1, dd/da = b + 1 = -2, dd/db = a = 2
    "chain": (
        Program((2.0, -3.0), (Op("mul", (0, 1)), Op("add", (2, 0))), (3,)),
        (2.0, -3.0, -6.0, -4.0),
        (-2.0, 2.0, 1.0, 1.0),
    ),
    # two roots sharing leaf a: r1 = a * b, r2 = a + 1 (a=2, b=5): grad a = b + 1 = 6, grad b = a = 2
    "two_roots": (
        Program((2.0, 5.0), (Op("mul", (0, 1)), Op("add", (0, Const(1)))), (2, 3)),
        (2.0, 5.0, 10.0, 3.0),
        (6.0, 2.0, 1.0, 1.0),
    ),
    # root that is a leaf gets 1; node c = b * 2 that no root reads gets 0, and so does b
    "leaf_root": (
        Program((7.0, 1.0), (Op("mul", (1, Const(2))),), (0,)),
        (7.0, 1.0, 2.0),
        (1.0, 0.0, 0.0),
    ),
    # a = 0; b = a ** 0 is read by no root, and its slope 0 * a ** -1 is 0 * inf there: it must not
    # spoil a's grad. Root c = a ** 1 = a: dc/da = 1 * a ** 0 = 1
    "unused_steep_node": (
        Program((0.0,), (Op("pow", (0, Const(0))), Op("pow", (0, Const(1)))), (2,)),
        (0.0, 1.0, 0.0),
        (1.0, 0.0, 1.0),
    ),
    # no roots: every grad stays 0
    "no_roots": (Program((1.0,), (Op("exp", (0,)),), ()), (1.0, math.e), (0.0, 0.0)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_hand_derived_data_and_gradients(oracle: Oracle, case: str) -> None:
    program, data, grad = CASES[case]
    outcome = oracle.evaluate(program)
    assert outcome.ok, outcome.error
    tolerance = TOLERANCE[oracle.name]
    assert outcome.data == pytest.approx(data, rel=tolerance, abs=tolerance)
    assert outcome.grad == pytest.approx(grad, rel=tolerance, abs=tolerance)
    assert outcome.initial_grad == (0.0,) * program.size


def test_oracles_follow_the_protocol_and_say_their_name(oracle: Oracle) -> None:
    assert isinstance(oracle, Oracle)
    assert oracle.name in ORACLE_NAMES


def test_relu_at_zero_has_slope_zero_for_exact_oracles(oracle: Oracle) -> None:
    # micrograd's convention relu'(0) = 0; FD cannot see a convention, so it says "unknown"
    outcome = oracle.evaluate(leaf_program(0.0, Op("relu", (0,))))
    assert outcome.data == (0.0, 0.0)
    assert outcome.grad == ((None, 1.0) if oracle.name == "fd" else (0.0, 1.0))


def test_node_exponent_is_the_type_error_a_correct_engine_raises(oracle: Oracle) -> None:
    program = Program((2.0, 3.0), (Op("add", (0, 1)), Op("pow", (0, 2))), (3,))
    outcome = oracle.evaluate(program)
    assert outcome.error is not None
    assert (outcome.error.type, outcome.error.phase, outcome.error.node) == ("TypeError", "build", 3)


@pytest.mark.parametrize(
    ("program", "expected"),
    [
        # log of a negative number: math domain error while building node 1
        (leaf_program(-1.0, Op("log", (0,))), ("ValueError", "build", 1)),
        # 1 / 0 is 1 * 0.0 ** -1
        (Program((1.0, 0.0), (Op("div", (0, 1)),), (2,)), ("ZeroDivisionError", "build", 2)),
        # 0 ** 0.5 is 0, but its derivative 0.5 * 0 ** -0.5 divides by zero during root 1's backward
        (leaf_program(0.0, Op("pow", (0, Const(0.5)))), ("ZeroDivisionError", "backward", 1)),
        # 1 / 1e-200 = 1 * 1e-200 ** -1 = 1e200, but its slope -1 * 1e-200 ** -2 overflows in backward
        (Program((1.0, 1e-200), (Op("div", (0, 1)),), (2,)), ("OverflowError", "backward", 2)),
        # exp(1000) overflows a float
        (leaf_program(1000.0, Op("exp", (0,))), ("OverflowError", "build", 1)),
        # (-8) ** 0.5 is complex: no method rejects it, so reading b.data fails
        (leaf_program(-8.0, Op("pow", (0, Const(0.5)))), ("TypeError", "read", None)),
    ],
)
def test_errors_of_a_correct_engine_are_reported(oracle: Oracle, program: Program, expected: tuple) -> None:
    outcome = oracle.evaluate(program)
    assert outcome.error is not None
    assert (outcome.error.type, outcome.error.phase, outcome.error.node) == expected


@pytest.mark.parametrize(
    ("program", "message"),
    [
        # c = a * b feeds both roots d = c + 1 and e = c * 2
        (
            Program((1.0, 2.0), (Op("mul", (0, 1)), Op("add", (2, Const(1))), Op("mul", (2, Const(2)))), (3, 4)),
            "share the intermediate node c",
        ),
        # root c = a + b is an ancestor of root d = c * 2
        (Program((1.0, 2.0), (Op("add", (0, 1)), Op("mul", (2, Const(2)))), (2, 3)), "ancestor"),
        # leaf root a is read by root c = a * b (backward on a would overwrite a.grad with 1)
        (Program((1.0, 2.0), (Op("mul", (0, 1)),), (2, 0)), "ancestor"),
        # the same root twice
        (Program((1.0,), (Op("exp", (0,)),), (1, 1)), "ancestor"),
    ],
)
def test_roots_that_micrograd_does_not_sum_are_rejected(oracle: Oracle, program: Program, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        oracle.evaluate(program)


def test_fd_is_unknown_when_a_step_crosses_a_kink_or_leaves_the_domain() -> None:
    fd = FiniteDifferences()
    # relu(a - 1) at a = 1: the input of relu is exactly 0, any step crosses the kink
    kink = Program((1.0, 3.0), (Op("sub", (0, Const(1))), Op("relu", (2,)), Op("mul", (3, 1))), (4,))
    grad = fd.evaluate(kink).grad
    assert grad[0] is None and grad[2] is None
    # relu's own output and b are away from the kink: d(relu * b)/d relu = b = 3, d/db = relu = 0
    assert grad[3] == pytest.approx(3.0) and grad[1] == pytest.approx(0.0, abs=1e-12)
    # log(a) at a = 1e-9: every step (1e-3 down to 1e-6) makes the argument negative
    assert fd.evaluate(leaf_program(1e-9, Op("log", (0,)))).grad == (None, pytest.approx(1.0))
    # at a = 1e-4 the step shrinks until it stays in the domain: log'(a) = 1/a = 1e4
    assert fd.evaluate(leaf_program(1e-4, Op("log", (0,)))).grad == (pytest.approx(1e4, rel=1e-6), pytest.approx(1.0))


def test_fd_estimates_only_leaves_of_large_programs() -> None:
    # a chain of 10 additions of 1: every node has slope 1 with respect to the previous one
    ops = [Op("add", (0, Const(1)))] + [Op("add", (i, Const(1))) for i in range(1, 10)]
    program = Program((0.5,), tuple(ops), (10,))
    small = FiniteDifferences(max_nodes=5).evaluate(program)
    assert small.grad[0] == pytest.approx(1.0)
    assert small.grad[1:] == (None,) * 10
    assert FiniteDifferences().evaluate(program).grad == pytest.approx((1.0,) * 11)


@pytest.mark.parametrize(("kwargs", "message"), [({"step": 0.0}, "step"), ({"max_nodes": -1}, "max_nodes")])
def test_fd_rejects_bad_settings(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FiniteDifferences(**kwargs)


def test_unknown_oracle_names_are_rejected_with_the_choices() -> None:
    with pytest.raises(ValueError, match="unknown oracle 'tf'; choose one of exact, torch, jax, fd"):
        get_oracle("tf")
    with pytest.raises(ValueError, match="unknown oracle"):
        oracle_skip_reason("tf")


def test_fd_is_always_usable() -> None:
    assert oracle_skip_reason("fd") is None
    assert get_oracle("fd").name == "fd"


def test_importing_needs_neither_torch_nor_jax_and_missing_ones_say_how_to_install() -> None:
    # sys.modules[name] = None makes "import name" fail, as if the package were not installed
    script = """
import sys
sys.modules["torch"] = None
sys.modules["jax"] = None
import micrograd.oracles as oracles
for name in ("torch", "jax"):
    print(oracles.oracle_skip_reason(name))
    try:
        oracles.get_oracle(name)
    except ImportError as error:
        print(error)
print(oracles.oracle_skip_reason("fd"), oracles.get_oracle("fd").name)
print(oracles.oracle_skip_reason("exact"), oracles.get_oracle("exact").name)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    hint = f"is not installed: {INSTALL_HINT}"
    assert lines[0] == f"torch {hint}" and lines[2] == f"jax {hint}"
    assert lines[1] == f"oracle 'torch' is unavailable: torch {hint}"
    assert lines[4:] == ["None fd", "None exact"]


def test_the_install_hint_works_from_a_clone() -> None:
    """The distribution micrograd-kit is not on PyPI: the hint installs the clone's own extra, which must exist."""
    assert "micrograd-kit[" not in INSTALL_HINT
    assert "pip install -e '.[oracles]'" in INSTALL_HINT
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    extras = re.search(r"^oracles = \[(.*)\]$", pyproject.read_text(), re.MULTILINE)
    assert extras is not None and "torch" in extras.group(1) and "jax" in extras.group(1)



def test_importing_does_not_import_torch_or_jax() -> None:
    script = "import sys, micrograd.oracles; print(sorted({'torch', 'jax'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


# Seeds (the grad each root starts from, with backward="kit") and preset leaf grads, derived by hand.
def test_seeds_scale_each_roots_gradients(oracle: Oracle) -> None:
    # r1 = a * b (seed 2), r2 = a + 1 (seed -3), a = 2, b = 5: grad a = 2 * b - 3 = 7, grad b = 2 * a = 4
    program = Program((2.0, 5.0), (Op("mul", (0, 1)), Op("add", (0, Const(1)))), (2, 3), backward="kit",
                      seeds=(2.0, -3.0))
    tolerance = TOLERANCE[oracle.name]
    assert oracle.evaluate(program).grad == pytest.approx((7.0, 4.0, 2.0, -3.0), rel=tolerance, abs=tolerance)


def test_preset_grads_are_kept_and_added_to(oracle: Oracle) -> None:
    # c = a * b with a.grad = 0.25 and b.grad = -1 before: a.grad = 0.25 + b = 5.25, b.grad = -1 + a = 1
    program = Program((2.0, 5.0), (Op("mul", (0, 1)),), (2,), preset=(0.25, -1.0))
    tolerance = TOLERANCE[oracle.name]
    assert oracle.evaluate(program).grad == pytest.approx((5.25, 1.0, 1.0), rel=tolerance, abs=tolerance)


def test_the_exact_oracle_can_differentiate_a_value_exponent() -> None:
    from micrograd.oracles import ExactOracle

    # c = a ** b with a = 2, b = 3: 8; dc/da = b a**(b-1) = 12, dc/db = a**b ln a = 8 ln 2
    program = Program((2.0, 3.0), (Op("pow", (0, 1)),), (2,))
    assert ExactOracle().evaluate(program).error is not None  # a correct micrograd engine raises
    outcome = ExactOracle(value_exponents=True).evaluate(program)
    assert outcome.data == (2.0, 3.0, 8.0)
    assert outcome.grad == pytest.approx((12.0, 8 * math.log(2.0), 1.0), rel=1e-15)
