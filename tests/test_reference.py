"""The reference engine and nn: upstream's published examples, and our documented semantics."""

import ast
import random
from pathlib import Path
from typing import Optional, Set

import pytest

from micrograd import nn
from micrograd.engine import Value
from micrograd.ops import OPERATIONS, OPTIONAL


def test_upstream_sanity_check_is_exact():
    x = Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    assert y.data == -20
    assert x.grad == 46


def test_million_node_chain_backpropagates_without_recursion_error():
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y + x  # d y / d x grows by one per node
    y.backward()
    assert y.data == 1_000_001.0
    assert x.grad == 1_000_001.0


def test_value_exponent_is_a_type_error_naming_the_type():
    with pytest.raises(TypeError, match=r"Value \*\* Value is not supported"):
        Value(2.0) ** Value(3.0)


def test_node_used_twice_receives_both_contributions():
    a = Value(3.0)
    b = a + a
    b.backward()
    assert a.grad == 2.0


def test_relu_gradient_at_zero_is_zero_as_in_pytorch():
    a = Value(0.0)
    a.relu().backward()
    assert a.grad == 0


def test_backward_on_two_roots_sums_into_shared_leaves():
    a, b = Value(2.0), Value(5.0)
    (a * b).backward()
    (a + b).backward()
    assert (a.grad, b.grad) == (5.0 + 1.0, 2.0 + 1.0)


def test_children_are_a_tuple_in_operand_order():
    a, b = Value(1.0), Value(2.0)
    assert (a * b)._prev == (a, b)
    assert (b - 1)._prev[0] is b


def test_tanh_exp_log_forward_and_backward():
    x = Value(0.5)
    y = x.tanh() + x.exp() + x.log()
    y.backward()
    import math

    assert y.data == pytest.approx(math.tanh(0.5) + math.exp(0.5) + math.log(0.5))
    assert x.grad == pytest.approx(1 - math.tanh(0.5) ** 2 + math.exp(0.5) + 1 / 0.5)


def test_parameters_order_is_layer_neuron_weights_then_bias():
    model = nn.MLP(2, [3, 1])
    expected = [p for layer in model.layers for n in layer.neurons for p in [*n.w, n.b]]
    assert [id(p) for p in model.parameters()] == [id(p) for p in expected]
    assert len(model.parameters()) == 3 * 3 + 1 * 4


def test_layer_with_one_neuron_returns_a_value_and_last_layer_is_linear():
    model = nn.MLP(2, [3, 1])
    assert isinstance(model([1.0, -1.0]), Value)
    assert [n.nonlin for layer in model.layers for n in layer.neurons] == [True] * 3 + [False]


def test_initialization_draws_weights_uniformly_in_order_like_upstream():
    random.seed(7)
    model = nn.MLP(2, [2, 1])
    random.seed(7)
    draws = [random.uniform(-1, 1) for _ in range(2 * 2 + 2)]
    weights = [p.data for n in [*model.layers[0].neurons, *model.layers[1].neurons] for p in n.w]
    assert weights == draws
    assert all(n.b.data == 0 for layer in model.layers for n in layer.neurons)


def test_zero_grad_resets_every_parameter():
    model = nn.MLP(3, [4, 1])
    model([1.0, 2.0, 3.0]).backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0 for p in model.parameters())


def _code_lines(path: Path, only: Optional[Set[str]] = None, but: Set[str] = frozenset()) -> int:
    """Lines of code: no blank lines, no solution markers; ``only`` (the lines of these methods of Value) or
    ``but`` (all lines but those of these methods)."""
    lines = path.read_text().splitlines()
    classes = [n for n in ast.parse(path.read_text()).body if isinstance(n, ast.ClassDef) and n.name == "Value"]
    spans = {n.name: range(n.lineno - 1 - len(n.decorator_list), n.end_lineno or n.lineno)
             for value in classes for n in value.body if isinstance(n, ast.FunctionDef)}
    chosen = {i for name in (only if only is not None else spans.keys() - but) for i in spans[name]}
    if only is None:
        chosen |= {i for i in range(len(lines)) if not any(i in spans[name] for name in spans)}
    return sum(1 for i in chosen if lines[i].strip() and "### " not in lines[i])


def test_reference_stays_about_upstreams_size():
    root = Path(__file__).resolve().parents[1] / "reference"
    optional = {OPERATIONS[name].method for name in OPTIONAL}
    # guarded numbers (tinygrad style): upstream is 94 + 60 lines; change these on purpose only
    assert _code_lines(root / "engine.py", but=optional) <= 120  # the default course's engine
    # each optional exercise's method (sigmoid) is one op in the reference's pattern, and no more
    assert all(_code_lines(root / "engine.py", only={method}) <= 10 for method in optional)
    # nn.py: upstream's 60 lines, plus the LLM101n module's cross_entropy and AdamW (about 25 more)
    assert _code_lines(root / "nn.py") <= 95
