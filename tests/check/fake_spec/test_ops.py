"""Fake properties for add, mul and relu, in the real spec's style."""

import pytest
from _helpers import binary, compare, numbers
from hypothesis import given
from hypothesis import strategies as st

from micrograd.program import Op, Program


@pytest.mark.exercise("add")
@given(x=numbers, y=numbers, const=st.booleans())
def test_add_matches_oracle(impl, oracle, x, y, const):
    compare(
        "add",
        binary("add", x, y, const=const),
        impl,
        oracle,
        "both inputs of + receive out.grad unchanged: accumulate it with +=",
    )


@pytest.mark.exercise("add")
@given(x=numbers)
def test_add_to_itself(impl, oracle, x):
    compare(
        "add",
        Program((x,), (Op("add", (0, 0)),), (1,)),
        impl,
        oracle,
        "a node used twice must receive both contributions: accumulate with += in _backward",
    )


@pytest.mark.exercise("mul")
@given(x=numbers, y=numbers)
def test_mul_matches_oracle(impl, oracle, x, y):
    compare("mul", binary("mul", x, y), impl, oracle, "each input of * receives out.grad times the other input's data")


@pytest.mark.exercise("relu")
@given(x=numbers)
def test_relu_matches_oracle(impl, oracle, x):
    compare(
        "relu",
        Program((x,), (Op("relu", (0,)), Op("mul", (1, 0))), (2,)),
        impl,
        oracle,
        "relu passes out.grad where its input is positive, else nothing",
    )


def test_helper_without_mark_is_not_a_property():
    raise AssertionError("collect_properties must skip functions without an exercise mark")
