"""Optional operations: declared with ``optional=True`` in the table, their exercise is off in the default course."""

from __future__ import annotations

import math

import pytest

from micrograd.ops import OPERATIONS, OPTIONAL, Operation
from micrograd.program import COURSE_OPS, OPS
from micrograd.verdict import ACCUMULATION_PROBES, COURSE, EXERCISES, OPTIONAL_EXERCISES


def test_the_course_and_the_optional_exercises_split_every_exercise_in_course_order():
    assert sorted((*COURSE, *OPTIONAL_EXERCISES), key=list(EXERCISES).index) == list(EXERCISES)
    assert not set(COURSE) & set(OPTIONAL_EXERCISES)
    assert all(EXERCISES[name].optional for name in OPTIONAL_EXERCISES)
    assert not any(EXERCISES[name].optional for name in COURSE)
    for name in COURSE:  # the default course never needs an optional exercise
        assert not set(EXERCISES[name].needs) & set(OPTIONAL_EXERCISES), name


def test_the_default_pools_leave_the_optional_operations_out():
    assert COURSE_OPS == tuple(name for name in OPS if name not in OPTIONAL)
    assert set(OPTIONAL) == {name for name, op in OPERATIONS.items() if op.optional}
    probed = {op.kind for op, _ in ACCUMULATION_PROBES}
    assert not probed & set(OPTIONAL)
    assert probed == set(COURSE_OPS)


def test_an_optional_operation_has_no_reflected_method():
    with pytest.raises(ValueError, match="optional operation has no reflected method"):
        Operation("hypot", 2, "hypot", reflected="__rhypot__", forward=math.hypot,
                  derivatives=(lambda a, b, out: a / out, lambda a, b, out: b / out),
                  torch=lambda torch, a, b: torch.hypot(a, b), jax=lambda jax, a, b: jax.numpy.hypot(a, b),
                  samples=((3.0, 4.0),), optional=True)
