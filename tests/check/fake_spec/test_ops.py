"""Fake properties for add, mul and relu, in the real spec's style."""

from _helpers import binary, compare, numbers
from hypothesis import strategies as st

from micrograd.program import Op, Program
from micrograd.spec import spec_property


@spec_property("add", x=numbers, y=numbers, const=st.booleans())
def test_add_matches_oracle(impl, oracle, x, y, const):
    compare(
        "add",
        binary("add", x, y, const=const),
        impl,
        oracle,
        "both inputs of + receive out.grad unchanged: accumulate it with +=",
    )


@spec_property("add", x=numbers)
def test_add_to_itself(impl, oracle, x):
    compare(
        "add",
        Program((x,), (Op("add", (0, 0)),), (1,)),
        impl,
        oracle,
        "a node used twice must receive both contributions: accumulate with += in _backward",
    )


@spec_property("mul", x=numbers, y=numbers)
def test_mul_matches_oracle(impl, oracle, x, y):
    compare("mul", binary("mul", x, y), impl, oracle, "each input of * receives out.grad times the other input's data")


@spec_property("relu", x=numbers)
def test_relu_matches_oracle(impl, oracle, x):
    compare(
        "relu",
        Program((x,), (Op("relu", (0,)), Op("mul", (1, 0))), (2,)),
        impl,
        oracle,
        "relu passes out.grad where its input is positive, else nothing",
    )


def test_helper_without_mark_is_not_a_property():
    raise AssertionError("load_spec must skip functions that are not declared properties")
