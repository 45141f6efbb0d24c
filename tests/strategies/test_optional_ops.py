"""Random programs never hold an optional operation (sigmoid) unless asked for: the default pool leaves it out,
and no property of another exercise draws it, so a student who never writes it loses nothing."""

from __future__ import annotations

import json

from hypothesis import find, given, settings

from micrograd.judge import kit_exam
from micrograd.ops import OPTIONAL
from micrograd.program import Program
from micrograd.spec import kit_spec
from micrograd.strategies import programs


@given(programs())
def test_the_default_pool_draws_no_optional_operation(program: Program) -> None:
    assert not {op.kind for op in program.ops} & set(OPTIONAL)


def test_an_optional_operation_is_drawn_when_asked_for() -> None:
    found = find(programs(ops=("add", *OPTIONAL)), lambda p: any(op.kind in OPTIONAL for op in p.ops),
                 settings=settings(database=None))
    assert {op.kind for op in found.ops} <= {"add", "mul", *OPTIONAL}  # (mul: each root's * c)


def test_no_property_of_another_exercise_holds_an_optional_operation_in_the_kits_exam() -> None:
    assert OPTIONAL == ("sigmoid",)
    exam = kit_exam(kit_spec())
    found = {prop_id for prop_id, entry in exam.entries.items()
             if any(f'["{name}", ' in json.dumps(entry.encoded()) for name in OPTIONAL)}
    assert found == {"test_sigmoid::test_sigmoid_matches_the_oracle"}
