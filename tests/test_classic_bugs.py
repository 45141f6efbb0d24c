"""The spec finds the classic autograd bugs in the ``ci`` profile, with a small runnable counterexample.

Each bug is an entry of the mutant catalogue (micrograd.mutants), written to a temporary directory. The
relevant spec property runs directly against ``LocalEvaluator(mutant)`` and must raise a
SpecFailure whose snippet builds only a few nodes, shows expected vs got, and reproduces
the wrong numbers when run with the mutant's Value.
"""

from __future__ import annotations

import contextlib
import io
import re

import pytest

from micrograd.impl import LocalEvaluator, load_implementation
from micrograd.judge import hypothesis_test, load_profile, profile_settings
from micrograd.mutants import mutant, write_mutant
from micrograd.oracles import get_oracle, oracle_skip_reason
from micrograd.spec import Property, kit_spec
from micrograd.verdict import SpecFailure

# name: (catalogue mutant, spec file, property, oracle, most nodes (leaves + operations) in the counterexample)
BUGS = {
    "assign_instead_of_accumulate": (
        "add_assigns_grad", "test_accumulation.py", "test_every_backward_adds_to_the_grad_already_there", "exact", 3,
    ),
    "backward_without_topological_order": (
        "no_topological_order", "test_backward.py", "test_backward_follows_topological_order", "fd", 7,
    ),
    "relu_gradient_one_at_zero": (
        "relu_grad_one_at_zero", "test_relu.py", "test_relu_gradient_at_zero_is_zero", "exact", 4,
    ),
    "out_data_where_out_grad_belongs": (
        "add_backward_uses_out_data", "test_add.py", "test_addition_matches_the_oracle", "fd", 3,
    ),
    "recursive_topological_sort": (
        "recursive_build_topo", "test_deep.py", "test_deep_chain_backpropagates_without_recursion_error", "fd", None,
    ),
}

@pytest.fixture
def ci_profile():
    """The ``ci`` Hypothesis profile while the test runs, then the session's own again."""
    load_profile("ci")
    try:
        yield
    finally:
        load_profile()


def _spec_property(file: str, name: str) -> Property:
    """The spec's property ``name``, of the exercise file ``file`` (its id is ``test_<exercise>::name``)."""
    return kit_spec()[f"{file[: -len('.py')]}::{name}"]


def _assignments(code: str) -> int:
    """The nodes a snippet makes: ``a = Value(...)`` and ``c = a + b``, not ``c.grad = ...``."""
    return sum(1 for line in code.splitlines() if re.match(r"^[a-z]\w* = ", line))


@pytest.mark.slow
@pytest.mark.parametrize("bug", sorted(BUGS))
def test_classic_bug_is_found_with_a_small_runnable_counterexample(bug, tmp_path, ci_profile):
    mutant_name, file, name, oracle_name, most_nodes = BUGS[bug]
    reason = oracle_skip_reason(oracle_name)
    if reason is not None:
        pytest.skip(f"oracle {oracle_name}: {reason}")
    directory = write_mutant(mutant(mutant_name), tmp_path)
    prop = _spec_property(file, name)
    chosen, seed = profile_settings(prop)
    test = hypothesis_test(prop, prop.arguments(LocalEvaluator(directory), get_oracle(oracle_name)), chosen, seed=seed)
    with pytest.raises(SpecFailure) as caught:
        test()
    failure = caught.value
    report = str(failure)
    assert failure.code in report or "Counterexample" in report
    if most_nodes is None:  # the deep chain: the failure is the exception, not a number
        assert failure.failure is not None and failure.failure.type == "RecursionError", report
        return
    assert failure.failure is None, report
    assert _assignments(failure.code) <= most_nodes, report
    assert failure.rows and any("wrong" in got for _, _, got in failure.rows), report
    # the snippet runs with the mutant's Value and prints the wrong number it reports
    value_class = load_implementation(directory).Value
    lines = failure.code.splitlines()
    assert lines[0].startswith("from micrograd.engine import Value"), failure.code
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec("\n".join(lines[1:]), {"Value": value_class})
    wrong = [(what.split(".")[0], got.split()[0]) for what, _, got in failure.rows if "wrong" in got]
    printed = {line.split()[0].strip("'"): line.split()[2] for line in out.getvalue().splitlines()}
    for node, got in wrong:
        if node in printed:
            assert float(printed[node]) == float(got), (node, printed, report)
