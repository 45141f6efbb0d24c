"""The one loop over the exercises (micrograd.judge.judge): root causes, what they block, and how check and
grading differ only in what they run, never in what they call the root cause. Every property here is a fake
with a fixed verdict, so each rule is pinned down."""

from __future__ import annotations

from typing import Dict, List, Optional

import pytest

from micrograd.judge import CHECK, GRADE, ExerciseStatus, PropertyResult, PropertyStatus, judge
from micrograd.program import Failure
from micrograd.spec import Property
from micrograd.verdict import EXERCISES, SpecFailure


def prop(exercise: str, name: str = "p", needs: Optional[tuple] = None) -> Property:
    return Property(name, exercise, f"test_{exercise}", body=print,
                    needs=EXERCISES[exercise].needs if needs is None else needs)


def failing(hint: str = "a hint", raised: Optional[Failure] = None):  # type: ignore[no-untyped-def]
    return lambda p: PropertyResult.of_failure(p.id, p.exercise, SpecFailure(p.exercise, "wrong", "code",
                                                                             [("a", "1", "2")], hint, raised))


def passing(p: Property) -> PropertyResult:
    return PropertyResult(p.id, p.exercise, PropertyStatus.PASSED)


def runner(verdicts: Dict[str, object], ran: List[str]):  # type: ignore[no-untyped-def]
    def run(p: Property) -> PropertyResult:
        ran.append(p.id)
        return verdicts.get(p.id, passing)(p)  # type: ignore[operator]
    return run


#: accumulation's bug (= for +=): its own rule check fails; so do neuron's and layer's, which need it
SPEC = [prop("add"), prop("mul"), prop("accumulation", "own", needs=()), prop("accumulation", "graphs"),
        prop("neuron"), prop("layer"), prop("parameters")]
BUG = {"test_accumulation::own": failing("use +="), "test_accumulation::graphs": failing("use +="),
       "test_neuron::p": failing("bias once"), "test_layer::p": failing("order")}


def test_grading_runs_everything_and_marks_what_follows_from_the_root_cause() -> None:
    ran: List[str] = []
    found = judge(SPEC, runner(BUG, ran), GRADE)
    assert ran == [p.id for p in SPEC]  # every property runs: the scores do not depend on this
    statuses = {name: e.status for name, e in found.exercises.items()}
    assert statuses == {"add": "passing", "mul": "passing", "accumulation": "failing", "neuron": "blocked",
                        "layer": "blocked", "parameters": "passing"}
    assert [e.exercise for e in found.root_causes] == ["accumulation"]
    assert {e.exercise for e in found.consequences("accumulation")} == {"neuron", "layer"}  # layer: via neuron
    by_id = {r.id: r for r in found.properties}
    assert by_id["test_neuron::p"].status == "failed" and by_id["test_neuron::p"].blocked_by == "accumulation"
    assert by_id["test_neuron::p"].hint == "" and by_id["test_layer::p"].hint == ""  # no hint of their own
    assert by_id["test_accumulation::own"].hint == "use +=" and by_id["test_accumulation::own"].blocked_by is None
    # the accumulation property that needs backward and the ops only: accumulation's own failure, not blocked
    assert by_id["test_accumulation::graphs"].blocked_by is None


def test_the_check_does_not_run_what_is_blocked_and_names_the_same_root_cause() -> None:
    ran: List[str] = []
    found = judge(SPEC, runner(BUG, ran), CHECK)
    assert "test_neuron::p" not in ran and "test_layer::p" not in ran
    graded = judge(SPEC, runner(BUG, []), GRADE)
    assert {n: e.status for n, e in found.exercises.items()} == {n: e.status for n, e in graded.exercises.items()}
    assert {n: e.blocked_by for n, e in found.exercises.items()} == \
        {n: e.blocked_by for n, e in graded.exercises.items()}
    blocked = [r for r in found.properties if r.status is PropertyStatus.BLOCKED]
    assert {r.id for r in blocked} == {"test_neuron::p", "test_layer::p"}
    assert all(r.blocked_by == "accumulation" and r.summary == "blocked by accumulation" for r in blocked)


def test_a_stub_of_another_exercise_is_the_root_cause_of_what_it_stops() -> None:
    stub = Failure("NotImplementedError", "Value.__mul__: self * other", "build", 2, "engine.py:40 in __mul__")
    verdicts = {"test_mul::p": failing(raised=stub), "test_neuron::p": failing(raised=stub)}
    spec = [prop("add"), prop("mul"), prop("neuron", needs=("add",))]
    for policy in (CHECK, GRADE):
        found = judge(spec, runner(verdicts, []), policy)
        assert found.exercises["mul"].status == "not_started" and found.exercises["mul"].stub == "Value.__mul__"
        assert found.exercises["neuron"].status == "blocked" and found.exercises["neuron"].blocked_by == "mul"


def test_a_timeout_stops_the_check_but_not_grading() -> None:
    hang = {"test_mul::p": lambda p: PropertyResult(p.id, p.exercise, PropertyStatus.TIMEOUT, "took longer")}
    spec = [prop("add"), prop("mul"), prop("relu"), prop("tanh")]
    checked = judge(spec, runner(hang, ran := []), CHECK)
    assert ran == ["test_add::p", "test_mul::p"]
    assert checked.exercises["relu"].status == "not_run" and checked.exercises["relu"].stopped_by == "mul"
    graded = judge(spec, runner(hang, ran := []), GRADE)
    assert len(ran) == 4 and graded.exercises["relu"].status == "passing"


class _KilledFromOutside:
    """A fake evaluator whose child the sandbox gave up on: killed from outside twice (contract 2)."""

    name = "killed"

    def evaluate(self, request: object) -> object:
        from micrograd.program import Outcome

        return Outcome(error=Failure("Interrupted", "the child was killed from outside the submission (SIGKILL)",
                                     "crash"))


def test_a_child_killed_from_outside_interrupts_the_property_and_its_exercise() -> None:
    """The sandbox's Failure of type Interrupted: the student is not blamed (interrupted, not failing)."""
    from micrograd.judge import kit_exam, run_property
    from micrograd.oracles import get_oracle
    from micrograd.spec import kit_spec

    spec = kit_spec()
    mul = spec["test_mul::test_multiplication_matches_the_oracle"]
    exam = kit_exam(spec)
    result = run_property(mul, _KilledFromOutside(), get_oracle("exact"), examples=exam.entry(mul).examples)
    assert result.status == "interrupted" and "killed from outside" in result.summary and result.hint == ""
    found = judge([mul], lambda p: result, CHECK)
    assert found.exercises["mul"].status == "interrupted" and found.root_causes[0].exercise == "mul"


@pytest.mark.parametrize("policy", [CHECK, GRADE])
def test_files_that_cannot_load_run_nothing(policy: object) -> None:
    ran: List[str] = []
    found = judge(SPEC, runner({}, ran), policy, cannot_run=lambda p: "engine.py cannot be used")  # type: ignore
    assert ran == [] and {e.status for e in found.exercises.values()} == {ExerciseStatus.NOT_RUN}


def test_an_exercise_waiting_for_a_root_cause_is_blocked_in_both_even_where_grading_sees_it_pass() -> None:
    spec = [*SPEC, prop("zero_grad", needs=("neuron",))]  # its property passes even with accumulation's bug
    graded = judge(spec, runner(BUG, []), GRADE)
    checked = judge(spec, runner(BUG, []), CHECK)
    for found in (graded, checked):
        assert found.exercises["zero_grad"].status == "blocked"
        assert found.exercises["zero_grad"].blocked_by == "accumulation"
    zero_grad = next(r for r in graded.properties if r.exercise == "zero_grad")
    assert zero_grad.status == "passed" and zero_grad.blocked_by is None  # its points: the rubric's, as before
    assert graded.exercises["zero_grad"].passed == graded.exercises["zero_grad"].total == 1


def test_properties_grading_could_not_run_block_nothing() -> None:
    """The time budget spent: what did not run is not run, neither a root cause nor blocked by one."""
    spec = [prop("add"), prop("mul"), prop("neg_sub"), prop("reflected")]  # neg_sub needs add and mul
    spent = {p.id: (lambda p: PropertyResult(p.id, p.exercise, PropertyStatus.NOT_RUN, "not run: budget"))
             for p in spec[1:]}
    found = judge(spec, runner(spent, []), GRADE)
    assert {n: e.status for n, e in found.exercises.items()} == {
        "add": "passing", "mul": "not_run", "neg_sub": "not_run", "reflected": "not_run"}
    assert found.root_causes == [] and all(e.blocked_by is None for e in found.exercises.values())
