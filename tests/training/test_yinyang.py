"""The LLM101n module's yin-yang run: its RNG, data, model and log, digit for digit."""

from __future__ import annotations

import math
import random
import re

import numpy as np
import pytest

from micrograd import nn
from micrograd.engine import Value
from micrograd.training import (
    RNG,
    YinYangMLP,
    gen_data_yinyang,
    published_cross_entropy,
    split_loss,
    train_yinyang,
    yinyang_class,
)


@pytest.fixture(scope="module")
def run():
    return train_yinyang()


# --- RNG ---------------------------------------------------------------------------------------


def _xorshift_star_numpy(seed: int, count: int) -> list:
    """xorshift64* with numpy's wrapping uint64 arithmetic: an implementation independent of the kit's masks."""
    state = np.uint64(seed)
    out = []
    with np.errstate(over="ignore"):
        for _ in range(count):
            state ^= state >> np.uint64(12)
            state ^= state << np.uint64(25)
            state ^= state >> np.uint64(27)
            out.append(int((state * np.uint64(0x2545F4914F6CDD1D)) >> np.uint64(32)))
    return out


def test_rng_is_xorshift64_star():
    rng = RNG(42)
    assert [rng.random_u32() for _ in range(1000)] == _xorshift_star_numpy(42, 1000)


def test_rng_floats_have_24_bits_in_the_unit_interval_and_uniform_scales_them():
    a, b = RNG(7), RNG(7)
    for _ in range(1000):
        u = a.random_u32()
        x = b.random()
        assert x == (u >> 8) / 2**24 and 0.0 <= x < 1.0
    c, d = RNG(9), RNG(9)
    for _ in range(100):
        assert c.uniform(-1, 1) == -1 + 2 * d.random()


@pytest.mark.parametrize("seed", [0, -1, 2**64, 1.5, True])
def test_rng_rejects_seeds_xorshift_cannot_use(seed):
    with pytest.raises(ValueError, match="seed must be an int from 1 to 2\\*\\*64 - 1"):
        RNG(seed)


# --- data --------------------------------------------------------------------------------------


def test_yinyang_split_is_80_10_10_with_balanced_classes_in_draw_order():
    train, val, test = gen_data_yinyang(RNG(42), n=100)
    assert (len(train), len(val), len(test)) == (80, 10, 10)
    labels = [label for _, label in train + val + test]
    assert labels == [i % 3 for i in range(100)]
    for (x, y), label in train + val + test:
        assert isinstance(x, float) and isinstance(y, float) and type(label) is int
        assert math.hypot(x, y) <= 2.0  # the disc of radius r_big, scaled to radius 2


def test_yinyang_classes_follow_the_picture():
    r = 0.5  # r_big; the unscaled disc is centred at (r, r)
    assert yinyang_class(1.5 * r, r) == 2 and yinyang_class(0.5 * r, r) == 2  # the dots' centres
    assert yinyang_class(r, 1.9 * r) == 0  # top: yin
    assert yinyang_class(r, 0.1 * r) == 1  # bottom: yang
    assert yinyang_class(0.5 * r, r + 0.2) == 0  # the ring around the left dot is yin
    assert yinyang_class(1.5 * r, r + 0.2) == 1  # the ring around the right dot is yang


def test_yinyang_is_deterministic_and_draws_from_the_given_rng():
    assert gen_data_yinyang(RNG(42)) == gen_data_yinyang(RNG(42))
    assert gen_data_yinyang(RNG(42)) != gen_data_yinyang(RNG(43))


@pytest.mark.parametrize(("kwargs", "complaint"), [({"n": 0}, "n must be"), ({"r_small": 0.3}, "r_small")])
def test_yinyang_rejects_bad_arguments(kwargs, complaint):
    with pytest.raises(ValueError, match=complaint):
        gen_data_yinyang(RNG(1), **kwargs)


# --- model -------------------------------------------------------------------------------------


def test_model_weights_are_scaled_draws_in_layer_neuron_order_and_biases_zero():
    state = random.getstate()
    model = YinYangMLP(RNG(5), 2, (8, 3))
    assert random.getstate() == state  # Python's global random is left alone
    draws = RNG(5)
    neurons = [n for layer in model.layers for n in layer.neurons]
    assert [len(n.w) for n in neurons] == [2] * 8 + [8] * 3
    for n in neurons:
        assert [w.data for w in n.w] == [draws.uniform(-1, 1) * len(n.w) ** -0.5 for _ in n.w]
        assert n.b.data == 0
    assert len(model.parameters()) == 8 * 3 + 3 * 9


def test_model_is_tanh_hidden_and_linear_logits():
    model = YinYangMLP(RNG(3), 2, (4, 3))
    x = (0.3, -1.2)
    hidden = [math.tanh(n.b.data + sum(w.data * xi for w, xi in zip(n.w, x))) for n in model.layers[0].neurons]
    logits = [n.b.data + sum(w.data * h for w, h in zip(n.w, hidden)) for n in model.layers[1].neurons]
    assert [v.data for v in model(x)] == pytest.approx(logits, rel=1e-14)


def test_published_cross_entropy_is_minus_log_softmax():
    logits = [Value(0.5), Value(-1.0), Value(2.0)]
    loss = published_cross_entropy(logits, 1)
    loss.backward()
    z = sum(math.exp(v.data) for v in logits)
    assert loss.data == pytest.approx(-math.log(math.exp(-1.0) / z), rel=1e-14)
    softmax = [math.exp(v.data) / z for v in logits]
    assert [v.grad for v in logits] == pytest.approx([softmax[0], softmax[1] - 1, softmax[2]], rel=1e-12)


def _recursive_topo(root):
    """The module's recursive topological sort, to compare with the reference's iterative one."""
    topo, visited = [], set()

    def build(v):
        if v not in visited:
            visited.add(v)
            for child in v._prev:
                build(child)
            topo.append(v)

    build(root)
    return topo


def test_iterative_backward_visits_nodes_in_the_recursive_order():
    # the same order means the same gradient sums, float for float
    train, _, _ = gen_data_yinyang(RNG(42))
    model = YinYangMLP(RNG(1))
    loss = split_loss(model, train[:3])
    expected = _recursive_topo(loss)
    seen = []
    for v in expected:
        original = v._backward
        v._backward = lambda v=v, original=original: (seen.append(v), original())
    loss.backward()
    assert [id(v) for v in seen] == [id(v) for v in reversed(expected)]


# --- the run -----------------------------------------------------------------------------------


def test_the_published_lines_are_reproduced_digit_for_digit(run, published_yinyang_log):
    assert [line for line in run.lines if line.split(",")[0] in {"step 1/100", "step 11/100", "step 91/100"}
            or line.startswith("step 100/100")] == published_yinyang_log


def test_the_log_is_110_lines_val_every_10_steps_then_train_every_step(run):
    expected_kinds = []
    for step in range(1, 101):
        if (step - 1) % 10 == 0:
            expected_kinds.append((step, "val"))
        expected_kinds.append((step, "train"))
    pattern = re.compile(r"^step (\d+)/100, (val|train) loss (\S+)$")
    matches = [pattern.match(line) for line in run.lines]
    assert all(matches), [line for line, m in zip(run.lines, matches) if not m]
    assert [(int(m[1]), m[2]) for m in matches] == expected_kinds
    for m in matches:
        text = m[3]
        if m[2] == "val":
            assert re.fullmatch(r"\d\.\d{6}", text)
        else:
            assert repr(float(text)) == text  # Python's repr: the shortest round-tripping digits
    assert [float(m[3]) for m in matches if m[2] == "train"] == run.train_losses
    assert run.train_losses[-1] < run.train_losses[0] / 20  # it learns


def test_the_stable_exercise_loss_agrees_but_changes_the_last_digits():
    # why the published run keeps its own cross-entropy: subtracting the max (nn.cross_entropy)
    # is the same function, but not the same floating-point operations
    published = train_yinyang(steps=12)
    stable = train_yinyang(steps=12, loss=nn.cross_entropy)
    assert stable.train_losses == pytest.approx(published.train_losses, rel=1e-12)
    assert stable.lines != published.lines


@pytest.mark.parametrize("steps", [0, -3, 2.5, True])
def test_train_yinyang_rejects_bad_steps(steps):
    with pytest.raises(ValueError, match="steps must be a positive whole number"):
        train_yinyang(steps=steps)
