"""The sandboxed child computes nothing for a submission (issue 21 item 2, PLAN.md contract 5).

A submission that implements nothing walks every object reachable from the kit's modules in its
process (``sys.modules`` entries of ``micrograd``, their attributes, class members, closures and
defaults) and tries each callable as its operations (``kit_node(Value, "add", a, b)``, ``f(a, b)``,
checked on answers it knows: 2 + 3 is 5) and as its ``backward()`` (checked on a graph it builds by
hand). Graded in every sandbox layer this machine has, it scores 0 for every exercise: the child
carries no forward value, local derivative or traversal of the kit's. In the grader's own process,
where the kit's functions are reachable, the same submission computes right answers: the attack is
real, and it is the runtime that stops it.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import List

import pytest
from hostile_corpus import SCAVENGER_ENGINE as ENGINE
from hostile_corpus import SCAVENGER_NN as NN

from micrograd.impl import LocalEvaluator
from micrograd.oracles import ExactOracle
from micrograd.program import Const, Op, Program, compile_program
from micrograd.verdict import check_program


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("hostile")
    (directory / "engine.py").write_text(ENGINE, encoding="utf-8")
    (directory / "nn.py").write_text(NN, encoding="utf-8")
    return directory


def test_where_the_kits_functions_are_reachable_the_attack_computes_right_answers(hostile: Path) -> None:
    """In the grader's process the kit's own kit_node and run_backward are there: the submission finds
    and uses them, and its answers pass the checks. That is what the sandboxed child must not offer."""
    evaluator = LocalEvaluator(hostile)
    for program in (Program((1.5, -2.5), (Op("mul", (0, 1)), Op("tanh", (2,)), Op("add", (3, Const(2.0)))), (4,)),
                    Program((0.5,), (Op("exp", (0,)), Op("sub", (1, 0))), (2,))):
        check_program(evaluator, ExactOracle(), program, exercise="add")


def test_a_compiled_program_carries_only_numbers_and_steps() -> None:
    """What the child receives for a program the kit builds: each node's data and local derivatives as
    numbers, and for the kit's backward pass the order of the calls, never a function."""
    program = Program((1.5, -2.5), (Op("mul", (0, 1)), Op("tanh", (2,))), (3,), build="kit")
    script = compile_program(program)
    assert [step.data for step in script.steps] == [-3.75, pytest.approx(math.tanh(-3.75))]
    assert [step.local for step in script.steps] == [(-2.5, 1.5), pytest.approx((1 - math.tanh(-3.75) ** 2,))]
    kit = compile_program(Program((1.5, -2.5), (Op("mul", (0, 1)), Op("tanh", (2,))), (3,), backward="kit",
                                  seeds=(2.0,)))
    assert [r.order for r in kit.roots] == [(3, 2, 1, 0)] and kit.watch  # root first, each node after its users
    text = kit.to_json()
    assert "def " not in text and "lambda" not in text and "tanh" in text  # ".tanh": the method to call, by name


def _layers() -> List[str]:
    from micrograd.sandbox import IsolationError, choose_isolation

    found = []
    for layer in ("bwrap", "uid", "none"):
        try:
            choose_isolation(layer)
        except IsolationError:
            continue
        found.append(layer)
    return found


@pytest.mark.parametrize("layer", ["bwrap", "uid", "none"])
def test_in_every_layer_the_attack_scores_nothing(hostile: Path, layer: str, tmp_path: Path) -> None:
    from autograder.course import RUBRIC, course_rubric
    from autograder.grade._batch import grade_one
    from autograder.sandbox import Limits, choose_isolation

    if layer not in _layers():
        pytest.skip(f"the {layer} layer is not available here")
    rubric_file = tmp_path / "rubric.toml"  # every exercise of the course, few examples
    rubric_file.write_text("[settings]\nmax_examples = 5\n\n" + RUBRIC.read_text(), encoding="utf-8")
    result = grade_one(hostile, course_rubric(rubric_file), Limits(timeout=10.0, budget=300.0, startup=30.0),
                       choose_isolation(layer))
    assert result.status == "graded", (result.status, result.reason)
    assert len(result.exercises) == 21
    scored = {e.exercise: (e.passed, e.total) for e in result.exercises if e.passed}
    assert scored == {} and result.score == 0, scored
    # the search was real: it went through the callables of the kit's modules in the child, and found none
    tried = [int(m.group(1)) for p in result.properties
             for m in [re.search(r"none of the kit's (\d+) callables computes it", p.summary)] if m]
    assert tried and min(tried) >= 50, tried
