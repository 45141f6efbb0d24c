"""Build the kit's notebooks from the cells below, and execute them so they ship with outputs.

    python notebooks/build.py                 # write and execute every notebook
    python notebooks/build.py demo.ipynb      # only some
    python notebooks/build.py --no-execute    # write them without running (no outputs)

The cells live here, not only in the .ipynb files, so a review sees plain Python and
``tests/notebooks`` can check that the shipped notebooks are what this script builds.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

__all__ = ["HERE", "NOTEBOOKS", "build", "execute", "main"]

HERE = Path(__file__).resolve().parent
#: a cell is ("md", text) or ("code", source)
Cell = Tuple[str, str]

DEMO: List[Cell] = [
    ("md", """# micrograd: training a small MLP on the moons

A binary classifier with upstream micrograd's demo recipe: an `MLP(2, [16, 16, 1])`,
a max-margin (hinge) loss with L2 regularisation, and 100 steps of plain SGD.
Every number below comes from the scalar `Value` engine in `micrograd/engine.py`;
`micrograd.training` runs upstream's loop (the same losses, faster: see `docs/speed.md`)."""),
    ("code", """%matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

from micrograd.training import load_moons, make_model, moons_loss, predict, train_moons"""),
    ("md", """## The data

Two interleaving half circles with a little noise, labels -1 and +1: the 100 points of
upstream's demo (`make_moons(n_samples=100, noise=0.1)` with its seeds), bundled with the kit."""),
    ("code", """data = load_moons()
X, y = np.array(data.X), np.array(data.y)
print(len(data), "points,", (y > 0).sum(), "labelled +1")
plt.figure(figsize=(5, 5))
plt.scatter(X[:, 0], X[:, 1], c=y, s=20, cmap="jet")
plt.title("the moons");"""),
    ("md", "## The model"),
    ("code", """model = make_model()  # MLP(2, [16, 16, 1]) right after random.seed(1337), as upstream
print(model)
print("number of parameters", len(model.parameters()))"""),
    ("md", """## The loss

For a point `x` with label `y` and score `s = model(x)`, the max-margin loss
`relu(1 - y * s)` is zero once the point is on the right side of the boundary with a
margin of 1. The total loss is the mean over the points plus `1e-4 * sum(p * p)` over
the parameters, which keeps the weights small. Written out with `Value`s, as upstream's
demo does (`moons_loss(model, data, fast=False)` builds exactly this graph):

```python
scores = [model([Value(x0), Value(x1)]) for x0, x1 in data.X]
losses = [(1 + -yi * si).relu() for yi, si in zip(data.y, scores)]
data_loss = sum(losses) * (1.0 / len(losses))
reg_loss = 1e-4 * sum(p * p for p in model.parameters())
total_loss = data_loss + reg_loss
```"""),
    ("code", """total_loss, acc = moons_loss(model, data, fast=False)
print(f"before training: loss {total_loss.data:.4f}, accuracy {acc:.0%}")"""),
    ("md", """## Training: 100 steps of SGD

Each step: compute the loss, `model.zero_grad()`, `total_loss.backward()`, then move every
parameter against its gradient, `p.data -= learning_rate * p.grad`, with a learning rate
decaying from 1.0 to 0.109."""),
    ("code", """def show(step):
    if step.step % 10 == 0 or step.step == 99:
        print(f"step {step.step:3d} loss {step.loss:.4f}, accuracy {step.accuracy:.0%}")


run = train_moons(model, data, steps=100, on_step=show)
print(f"after training: training accuracy {run.final_accuracy:.0%}")"""),
    ("code", """plt.figure(figsize=(5, 3))
plt.plot(run.losses)
plt.xlabel("step")
plt.ylabel("loss")
plt.yscale("log");"""),
    ("md", "## The decision boundary"),
    ("code", """h = 0.25
x_min, x_max = X[:, 0].min() - 1, X[:, 0].max() + 1
y_min, y_max = X[:, 1].min() - 1, X[:, 1].max() + 1
xx, yy = np.meshgrid(np.arange(x_min, x_max, h), np.arange(y_min, y_max, h))
Z = np.array(predict(model, np.c_[xx.ravel(), yy.ravel()].tolist())) > 0

plt.figure(figsize=(5, 5))
plt.contourf(xx, yy, Z.reshape(xx.shape), cmap=plt.cm.Spectral, alpha=0.8)
plt.scatter(X[:, 0], X[:, 1], c=y, s=40, cmap=plt.cm.Spectral)
plt.xlim(xx.min(), xx.max())
plt.ylim(yy.min(), yy.max())
plt.title(f"decision boundary, training accuracy {run.final_accuracy:.0%}");"""),
]

TRACE_GRAPH: List[Cell] = [
    ("md", """# Drawing the graph behind a Value

`micrograd.viz.draw_dot(root)` draws every `Value` that `root` depends on as a box
showing its `data` and its `grad`, and every operation as a small node between its
inputs and its result. It returns a `graphviz.Digraph`: Jupyter shows it directly,
and `draw_dot(root).render("graph")` writes a file (SVG by default). Rendering needs
graphviz's `dot` program (Debian/Ubuntu: `apt-get install graphviz`, macOS: `brew install graphviz`)
and the `graphviz` Python package (the kit's `notebooks` extra). This notebook draws the
kit's reference `Value`; `learn.ipynb` runs your own code."""),
    ("code", """from micrograd.engine import Value
from micrograd.nn import Neuron
from micrograd.viz import draw_dot"""),
    ("md", "## A tiny expression, before and after `backward()`"),
    ("code", """x = Value(1.0)
y = (x * 2 + 1).relu()
draw_dot(y)  # every grad is still 0"""),
    ("code", """y.backward()
draw_dot(y)  # dy/dx = 2"""),
    ("md", """## A neuron by hand

`o = tanh(x1*w1 + x2*w2 + b)`, with the bias chosen so that `o` is about 0.7071.
After `backward()`, each box holds the derivative of `o` with respect to it.
`w2` gets grad 0: it is multiplied by `x2 = 0`, so changing it does not change `o`."""),
    ("code", """x1 = Value(2.0)
x2 = Value(0.0)
w1 = Value(-3.0)
w2 = Value(1.0)
b = Value(6.8813735870195432)
n = x1 * w1 + x2 * w2 + b
o = n.tanh()
o.backward()
print(f"o = {o.data:.4f}; do/dx1 = {x1.grad:.4f}, do/dw1 = {w1.grad:.4f}, do/dw2 = {w2.grad:.4f}")
draw_dot(o)"""),
    ("md", """## A `Neuron` from `micrograd.nn`, top to bottom

Its weights are random; the output is `relu(w . x + b)`."""),
    ("code", """import random

random.seed(1337)
neuron = Neuron(2)
out = neuron([Value(1.0), Value(-2.0)])
out.backward()
draw_dot(out, rankdir="TB")"""),
]

LEARN: List[Cell] = [
    ("md", """# micrograd step by step

From a single `Value` to training a small neural network, on your own code. Write your
`engine.py` and `nn.py` in the `exercises/` folder that `micrograd assign` made in your
course folder: this notebook runs that code when it runs in the course folder (or in a
folder inside it, such as the `micrograd-notebooks/` that `micrograd notebooks` makes),
and the kit's reference implementation otherwise. Its first cell says which code it runs;
set `IMPLEMENTATION` to choose. Cells that use something you have not written yet stop
with `NotImplementedError` naming the method; `micrograd check` tells you what is left."""),
    ("code", """import random

from micrograd.impl import choose_implementation, load_implementation
from micrograd.viz import draw_dot

# "auto": your exercises/ folder (found as `micrograd check` finds it, or one folder up), else the
# kit's reference; or "reference"; or the path of a folder holding an engine.py and an nn.py
IMPLEMENTATION = "auto"

chosen = choose_implementation(IMPLEMENTATION)
impl = load_implementation(chosen.folder)
Value, Neuron, Layer, MLP = impl.Value, impl.Neuron, impl.Layer, impl.MLP
print(chosen.why)"""),
    ("md", """## 1. A Value is a number that remembers where it came from

Every operation makes a new `Value` that keeps its inputs (`_prev`) and the operation
(`_op`). `grad` starts at 0."""),
    ("code", """a = Value(2.0)
b = Value(-3.0)
c = a * b
print(c, "made by", repr(c._op), "from", [v.data for v in c._prev])"""),
    ("md", """## 2. `backward()` fills in every gradient

`c.backward()` sets `c.grad = 1` and applies the chain rule from `c` back to the leaves:
for `c = a * b`, `dc/da = b` and `dc/db = a`."""),
    ("code", """c.backward()
print("dc/da =", a.grad, " dc/db =", b.grad)"""),
    ("md", """## 3. Check a gradient against a finite difference

The slope of `f` at `x` is about `(f(x + h) - f(x - h)) / 2h` for a small `h`."""),
    ("code", """def f(x):
    return (x * x + 3 * x).tanh() + (x - 1) ** 2


x = Value(0.5)
y = f(x)
y.backward()
h = 1e-6
numeric = (f(Value(0.5 + h)).data - f(Value(0.5 - h)).data) / (2 * h)
print(f"backward: {x.grad:.6f}   finite difference: {numeric:.6f}")"""),
    ("md", """## 4. A value used twice collects both contributions

`y = x * x` uses `x` twice, so `dy/dx = x + x`: each `_backward` must *add* to `grad`."""),
    ("code", """x = Value(3.0)
y = x * x
y.backward()
print("dy/dx =", x.grad)
draw_dot(y)"""),
    ("md", """## 5. A neuron: `relu(w . x + b)`"""),
    ("code", """random.seed(4)
neuron = Neuron(3)
out = neuron([1.0, -2.0, 0.5])
out.backward()
print("output", out.data)
print("gradients of the weights and bias", [p.grad for p in neuron.parameters()])"""),
    ("md", """## 6. A multi-layer perceptron

`MLP(3, [4, 4, 1])`: 3 inputs, two hidden layers of 4 relu neurons, one linear output."""),
    ("code", """random.seed(7)
model = MLP(3, [4, 4, 1])
print(model)
print(len(model.parameters()), "parameters")"""),
    ("md", """## 7. Training: upstream's four-sample example

Squared loss, then a step of gradient descent: zero the grads, backward, move every
parameter a little against its gradient. The loss goes down."""),
    ("code", """xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
ys = [1.0, -1.0, -1.0, 1.0]

for step in range(20):
    predictions = [model(x) for x in xs]
    loss = sum((p - y) ** 2 for p, y in zip(predictions, ys))
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data -= 0.05 * p.grad
    if step % 4 == 0 or step == 19:
        print(f"step {step:2d} loss {loss.data:.4f}")

print("predictions", [round(model(x).data, 3) for x in xs], "targets", ys)"""),
    ("md", """Next: `notebooks/demo.ipynb` trains a bigger network on a 2-D dataset and plots
its decision boundary; `notebooks/trace_graph.ipynb` draws graphs."""),
]

YINYANG: List[Cell] = [
    ("md", """# micrograd: 3-way classification of the yin-yang (LLM101n)

The LLM101n micrograd module moves from the binary moons to three classes of 2-D points:
the yin-yang data set, an MLP with one tanh hidden layer that outputs three logits, the
cross-entropy loss built from `exp` and `log`, and the AdamW optimizer. Everything below
runs on the scalar `Value` engine of `micrograd/engine.py`; `micrograd.training` replays the
module's script and prints its published log digit for digit (`micrograd demo yinyang`)."""),
    ("code", """%matplotlib inline
import math

import matplotlib.pyplot as plt
import numpy as np

from micrograd.demo import predict_classes
from micrograd.engine import Value
from micrograd.nn import cross_entropy
from micrograd.training import RNG, YinYangMLP, accuracy, gen_data_yinyang, train_yinyang

COLORS = ["#d62728", "#2ca02c", "#1f77b4"]  # yin, yang, the two dots"""),
    ("md", """## The data

A deterministic xorshift random number generator (`RNG(42)`: the same numbers in Python and
in C) draws points in a disc and labels them yin (0), yang (1) or one of the two small dots
(2); point `i` is redrawn until its class is `i % 3`. 100 points, split 80/10/10."""),
    ("code", """rng = RNG(42)
train, val, test = gen_data_yinyang(rng, n=100)
print(len(train), "train,", len(val), "val,", len(test), "test")
print("first point:", train[0])
points = np.array([x for x, _ in train + val + test])
labels = np.array([y for _, y in train + val + test])
plt.figure(figsize=(5, 5))
for k, name in enumerate(["yin", "yang", "dots"]):
    plt.scatter(*points[labels == k].T, s=25, color=COLORS[k], edgecolors="k", label=name)
plt.gca().set_aspect("equal")
plt.legend()
plt.title("the yin-yang data");"""),
    ("md", """## The model

`MLP(2, [8, 3])`: 8 tanh neurons, then 3 linear neurons whose outputs are the logits, one
per class. Each weight is `rng.uniform(-1, 1) * nin**-0.5`, drawn after the data; biases start at 0."""),
    ("code", """model = YinYangMLP(rng)
print(model)
print("number of parameters", len(model.parameters()))
logits = model(train[0][0])
print("logits of the first point:", [round(v.data, 4) for v in logits])"""),
    ("md", """## The loss: cross-entropy

The softmax turns logits into probabilities, `p_k = exp(l_k) / sum_j exp(l_j)`, and the loss of a
point of class `y` is `-log(p_y)`. Its gradient is simple: `p_k - 1` for the right class, `p_k` for
the others. `nn.cross_entropy` (an exercise) subtracts the largest logit before `exp`: the softmax
is unchanged and `exp` cannot overflow."""),
    ("code", """x, y = train[0]
logits = model(x)
loss = cross_entropy(logits, y)
loss.backward()
z = sum(math.exp(v.data) for v in logits)
print("loss", loss.data, "= -log p_y =", -math.log(math.exp(logits[y].data) / z))
print("grads  ", [round(v.grad, 6) for v in logits])
print("softmax - one-hot", [round(math.exp(v.data) / z - (k == y), 6) for k, v in enumerate(logits)])
print("large logits:", cross_entropy([Value(1000.0), Value(998.0), Value(990.0)], 0).data)"""),
    ("md", """## Training with AdamW

100 full-batch steps of `AdamW(lr=0.1, betas=(0.9, 0.95), weight_decay=1e-4)` on the mean
cross-entropy of the training split, with the validation loss every 10 steps: the module's
script, replayed by `train_yinyang`. It uses the module's published loss (without the max
subtraction), so its log is the published one, digit for digit."""),
    ("code", """def show(line):
    if "val" in line or line.startswith("step 100/"):  # the train loss of every step is in run.lines
        print(line)


run = train_yinyang(on_line=show)
print(f"{run.seconds:.1f} s")"""),
    ("code", """plt.figure(figsize=(6, 3.5))
plt.plot(range(1, 101), run.train_losses, label="train")
plt.plot([s + 1 for s, _ in run.val_losses], [v for _, v in run.val_losses], "o-", label="val")
plt.xlabel("step")
plt.ylabel("mean cross-entropy")
plt.legend();"""),
    ("code", """for name, split in (("train", run.train), ("val", run.val), ("test", run.test)):
    print(f"{name} accuracy {accuracy(run.model, split):.0%}")"""),
    ("md", """## The decision regions

Each point of a grid gets the class of its largest logit."""),
    ("code", """axis = np.linspace(-2.5, 2.5, 80)
xx, yy = np.meshgrid(axis, axis)
regions = np.array(predict_classes(run.model, zip(xx.ravel().tolist(), yy.ravel().tolist()))).reshape(xx.shape)
plt.figure(figsize=(5, 5))
plt.contourf(xx, yy, regions, levels=[-0.5, 0.5, 1.5, 2.5], colors=COLORS, alpha=0.3)
for k in range(3):
    plt.scatter(*points[labels == k].T, s=25, color=COLORS[k], edgecolors="k")
plt.gca().set_aspect("equal")
plt.title("decision regions after 100 steps");"""),
]

NOTEBOOKS: Dict[str, List[Cell]] = {
    "learn.ipynb": LEARN,
    "trace_graph.ipynb": TRACE_GRAPH,
    "demo.ipynb": DEMO,
    "yinyang.ipynb": YINYANG,
}


def build(name: str) -> nbformat.NotebookNode:
    """The notebook ``name`` (a key of NOTEBOOKS), without outputs."""
    if name not in NOTEBOOKS:
        raise ValueError(f"unknown notebook {name!r}; choose from {', '.join(NOTEBOOKS)}")
    cells = [new_markdown_cell(text) if kind == "md" else new_code_cell(text) for kind, text in NOTEBOOKS[name]]
    for index, cell in enumerate(cells):
        cell["id"] = f"{Path(name).stem.replace('_', '-')}-{index}"
    return new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
    )


def execute(notebook: nbformat.NotebookNode, cwd: Path = HERE, timeout: int = 1200) -> nbformat.NotebookNode:
    """Run every cell in a fresh python3 kernel with ``cwd`` as working directory (raises on an error)."""
    from nbclient import NotebookClient

    resources = {"metadata": {"path": str(cwd)}}
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3", resources=resources)
    client.execute()
    return notebook


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help=f"notebooks to build (default: all of {', '.join(NOTEBOOKS)})")
    parser.add_argument("--no-execute", action="store_true", help="write the notebooks without running them")
    args = parser.parse_args(argv)
    for name in args.names or list(NOTEBOOKS):
        if name not in NOTEBOOKS:
            parser.error(f"unknown notebook {name!r}; choose from {', '.join(NOTEBOOKS)}")
        notebook = build(name)
        if not args.no_execute:
            print(f"executing {name} ...", flush=True)
            execute(notebook)
        nbformat.validate(notebook)
        nbformat.write(notebook, HERE / name)
        print(f"wrote {HERE / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
