"""The spec finds the classic autograd bugs in the ``ci`` profile, with a small runnable counterexample.

Each bug is a string edit of the reference engine copied into a temporary directory. The
relevant spec property runs directly against ``LocalEvaluator(mutant)`` and must raise a
SpecFailure whose snippet builds only a few nodes, shows expected vs got, and reproduces
the wrong numbers when run with the mutant's Value.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import itertools
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

from micrograd._paths import reference_dir, spec_dir
from micrograd.impl import LocalEvaluator, load_implementation
from micrograd.oracles import get_oracle, oracle_skip_reason
from micrograd.verdict import SpecFailure

_BFS_BACKWARD = """\
        self.grad = 1
        queue, seen = [self], {self}
        while queue:  # breadth first: not a topological order
            v = queue.pop(0)
            v._backward()
            for child in v._prev:
                if child not in seen:
                    seen.add(child)
                    queue.append(child)
"""

_RECURSIVE_BACKWARD = """\
        topo, visited = [], set()

        def build_topo(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build_topo(child)
                topo.append(v)
        build_topo(self)
        self.grad = 1
        for v in reversed(topo):
            v._backward()
"""


def _replace_backward(source: str, body: str) -> str:
    start = source.index("    def backward(self):")
    begin = source.index("### BEGIN SOLUTION\n", start) + len("### BEGIN SOLUTION\n")
    end = source.index("        ### END SOLUTION", begin)
    return source[:begin] + body + source[end:]


def _edit(old: str, new: str, count: int):
    def mutate(source: str) -> str:
        if source.count(old) != count:
            raise AssertionError(f"expected {count} x {old!r} in the reference engine, found {source.count(old)}")
        return source.replace(old, new)

    return mutate


# name: (mutation, spec file, property, oracle, most nodes (leaves + operations) in the counterexample)
BUGS = {
    "assign_instead_of_accumulate": (
        _edit(".grad += ", ".grad = ", 9), "test_add.py", "test_addition_matches_the_oracle", "fd", 2,
    ),
    "backward_without_topological_order": (
        lambda s: _replace_backward(s, _BFS_BACKWARD), "test_backward.py", "test_backward_follows_topological_order",
        "fd", 7,
    ),
    "relu_gradient_one_at_zero": (
        _edit("(out.data > 0) * out.grad", "(out.data >= 0) * out.grad", 1), "test_relu.py",
        "test_relu_gradient_at_zero_is_zero", "torch", 4,
    ),
    "out_data_where_out_grad_belongs": (
        _edit("grad += other.data * out.grad", "grad += other.data * out.data", 1), "test_mul.py",
        "test_multiplication_matches_the_oracle",
        "fd", 3,
    ),
    "recursive_topological_sort": (
        lambda s: _replace_backward(s, _RECURSIVE_BACKWARD), "test_deep.py",
        "test_deep_chain_backpropagates_without_recursion_error", "fd", None,
    ),
}

_counter = itertools.count()


@pytest.fixture
def ci_profile():
    """The ``ci`` Hypothesis profile while the test runs, then the previous one again."""
    previous = settings.get_current_profile_name()
    settings.load_profile("ci")
    try:
        yield
    finally:
        settings.load_profile(previous)


def _spec_property(file: str, name: str):
    """A fresh copy of a spec property (so settings applied here do not leak into the spec run)."""
    path = spec_dir() / file
    spec = importlib.util.spec_from_file_location(f"_classic_bugs_spec_{next(_counter)}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)


def _mutant(tmp_path: Path, mutate) -> Path:
    for file in ("engine.py", "nn.py"):
        shutil.copy(reference_dir() / file, tmp_path / file)
    engine = tmp_path / "engine.py"
    engine.write_text(mutate(engine.read_text()))
    return tmp_path


def _assignments(code: str) -> int:
    return sum(1 for line in code.splitlines() if " = " in line and not line.startswith("print"))


@pytest.mark.slow
@pytest.mark.parametrize("bug", sorted(BUGS))
def test_classic_bug_is_found_with_a_small_runnable_counterexample(bug, tmp_path, ci_profile):
    mutate, file, name, oracle_name, most_nodes = BUGS[bug]
    reason = oracle_skip_reason(oracle_name)
    if reason is not None:
        pytest.skip(f"oracle {oracle_name}: {reason}")
    directory = _mutant(tmp_path, mutate)
    prop = _spec_property(file, name)
    with pytest.raises(SpecFailure) as caught:
        prop(impl=LocalEvaluator(directory), oracle=get_oracle(oracle_name))
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
