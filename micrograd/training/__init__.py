"""Training: upstream micrograd's moons demo, and the LLM101n module's yin-yang run.

``train_moons()`` runs upstream's demo.ipynb loop on the reference MLP;
``fast=True`` (the default) builds one graph node per neuron instead of one per
``*`` and ``+``, with the same losses (see docs/speed.md).

``train_yinyang()`` replays the LLM101n micrograd module's script (its xorshift
``RNG``, ``gen_data_yinyang``, a tanh MLP, cross-entropy and AdamW) and prints its
log digit for digit (see docs/yinyang.md).
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
from micrograd.training._rng import RNG
from micrograd.training._yinyang import (
    BETAS,
    LEARNING_RATE,
    VAL_EVERY,
    WEIGHT_DECAY,
    YINYANG_HIDDEN,
    YINYANG_POINTS,
    YINYANG_SEED,
    YINYANG_STEPS,
    YinYangMLP,
    YinYangRun,
    accuracy,
    published_cross_entropy,
    split_loss,
    train_yinyang,
)
from micrograd.training._yinyang_data import Example, gen_data_yinyang, yinyang_class

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
    # the LLM101n module's yin-yang run
    "RNG",
    "Example",
    "gen_data_yinyang",
    "yinyang_class",
    "BETAS",
    "LEARNING_RATE",
    "VAL_EVERY",
    "WEIGHT_DECAY",
    "YINYANG_HIDDEN",
    "YINYANG_POINTS",
    "YINYANG_SEED",
    "YINYANG_STEPS",
    "YinYangMLP",
    "YinYangRun",
    "accuracy",
    "published_cross_entropy",
    "split_loss",
    "train_yinyang",
    # fused nodes
    "ModelShapeError",
    "fused_scores",
    "sum_of_squares",
]
