"""Upstream micrograd's README example and its small training loop, as our README shows them."""

from __future__ import annotations

import random
import re
from pathlib import Path

from micrograd.nn import MLP


def test_readme_example_gives_upstreams_numbers(readme_graph):
    a, b, g = readme_graph
    assert (f"{g.data:.4f}", f"{a.grad:.4f}", f"{b.grad:.4f}") == ("24.7041", "138.8338", "645.5773")


def train(seed: int, steps: int = 20, learning_rate: float = 0.05):
    """Upstream's four-sample example: MLP(3, [4, 4, 1]), squared loss, plain SGD; the losses."""
    random.seed(seed)
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    model = MLP(3, [4, 4, 1])
    losses = []
    for _ in range(steps):
        predictions = [model(x) for x in xs]
        loss = sum((p - y) ** 2 for p, y in zip(predictions, ys))
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        losses.append(loss.data)
    return model, xs, ys, losses


def test_simple_training_example_lowers_the_loss():
    model, xs, ys, losses = train(seed=7)
    assert len(model.parameters()) == 4 * (3 + 1) + 4 * (4 + 1) + (4 + 1)
    assert losses[-1] < 0.5 * losses[0]
    assert all(later <= earlier + 1e-12 for earlier, later in zip(losses[:5], losses[1:5]))
    # the trained model puts every sample on the side of its label
    assert all((model(x).data > 0) == (y > 0) for x, y in zip(xs, ys))


def test_every_training_step_lowers_the_loss_for_a_small_learning_rate():
    # a step of size lr along -grad lowers a smooth loss when lr is small enough,
    # so this holds for any seed whose network is not dead (all relus off)
    trained = 0
    for seed in range(8):
        _, _, _, losses = train(seed=seed, steps=5, learning_rate=1e-3)
        if losses[0] == losses[-1]:
            continue  # every relu is off: zero gradient, nothing can move
        trained += 1
        assert all(later < earlier for earlier, later in zip(losses, losses[1:])), (seed, losses)
    assert trained >= 4


README = Path(__file__).resolve().parents[1] / "README.md"


def readme_library_blocks():
    """The README's ```python blocks that use the library (micrograd.engine or micrograd.nn)."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.DOTALL)
    return [b for b in blocks if re.search(r"^from micrograd\.(engine|nn) import", b, flags=re.MULTILINE)]


def test_readme_examples_run_and_print_what_their_comments_say(capsys):
    blocks = readme_library_blocks()
    assert any("Value(-4.0)" in block for block in blocks), "the README lost upstream's example"
    for block in blocks:
        exec(compile(block, str(README), "exec"), {"__name__": "readme_example"})
        printed = capsys.readouterr().out.splitlines()
        promised = re.findall(r"^print\(.*\)\s*# prints (\S+)", block, flags=re.MULTILINE)
        assert [line.strip() for line in printed[: len(promised)]] == [p.rstrip(",") for p in promised]
