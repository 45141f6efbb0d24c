"""Training on the bundled two-moons data: upstream micrograd's demo loop, and its fast path.

``train_moons()`` runs upstream's demo.ipynb loop on the reference MLP;
``fast=True`` (the default) builds one graph node per neuron instead of one per
``*`` and ``+``, with the same losses (see docs/speed.md).
"""

from micrograd.training._data import MOONS_FILE, DataError, Moons, load_moons
from micrograd.training._fused import ModelShapeError, fused_scores, sum_of_squares
from micrograd.training._loop import (
    ALPHA,
    DEMO_SEED,
    DEMO_SIZES,
    DEMO_STEPS,
    Step,
    TrainingRun,
    learning_rate,
    make_model,
    moons_loss,
    predict,
    train_moons,
)

__all__ = [
    # data
    "MOONS_FILE",
    "DataError",
    "Moons",
    "load_moons",
    # the loop
    "ALPHA",
    "DEMO_SEED",
    "DEMO_SIZES",
    "DEMO_STEPS",
    "Step",
    "TrainingRun",
    "learning_rate",
    "make_model",
    "moons_loss",
    "predict",
    "train_moons",
    # fused nodes
    "ModelShapeError",
    "fused_scores",
    "sum_of_squares",
]
