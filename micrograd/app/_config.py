"""The model and how it trains: the settings, the LLM101n preset, and the starting parameters."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import List, Sequence, Tuple

from micrograd.app._wire import ACTIVATIONS
from micrograd.training import BETAS, LEARNING_RATE, RNG, WEIGHT_DECAY, YINYANG_HIDDEN, YINYANG_SEED, gen_data_yinyang

__all__ = [
    "INITS",
    "LOSSES",
    "OPTIMIZERS",
    "PRESET",
    "TrainConfig",
    "initial_parameters",
    "parameter_names",
]

#: the losses: softmax cross-entropy (``nn.cross_entropy``: yours with ``--impl``), the same as the
#: LLM101n module writes it (no max subtracted: reproduces its log digit for digit), and the
#: multiclass hinge (SVM) loss. Only the first runs on a student's code: the others are the kit's.
LOSSES = ("cross_entropy", "module_cross_entropy", "svm")
#: the optimizers: AdamW (``nn.AdamW``: yours with ``--impl``), or plain SGD applied by the app
OPTIMIZERS = ("adamw", "sgd")
#: how the weights start: ``rng.uniform(-1, 1) * nin**-0.5`` (the module's) or ``rng.uniform(-1, 1)`` (micrograd's)
INITS = ("scaled", "uniform")
#: AdamW's eps
EPS = 1e-8


@dataclass(frozen=True)
class TrainConfig:
    """``MLP(2, [*hidden, classes])`` and how it trains. The weights are drawn from the module's
    ``RNG(seed)``, after the yin-yang points when the data set is yin-yang (the module draws its
    data first, from the same generator), biases 0."""

    hidden: Tuple[int, ...] = (YINYANG_HIDDEN,)
    activation: str = "tanh"
    init: str = "scaled"
    loss: str = "module_cross_entropy"
    optimizer: str = "adamw"
    lr: float = LEARNING_RATE
    weight_decay: float = WEIGHT_DECAY
    betas: Tuple[float, float] = BETAS
    seed: int = YINYANG_SEED

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden", tuple(self.hidden))
        object.__setattr__(self, "betas", tuple(self.betas))
        if len(self.hidden) > 4 or any(type(h) is not int or not 1 <= h <= 64 for h in self.hidden):
            raise ValueError(f"hidden sizes must be up to 4 layers of 1 to 64 neurons, got {list(self.hidden)}")
        for name, allowed in (("activation", ACTIVATIONS), ("init", INITS), ("loss", LOSSES),
                              ("optimizer", OPTIMIZERS)):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}, got {getattr(self, name)!r}")
        for name in ("lr", "weight_decay"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a number >= 0, got {value!r}")
        if not (len(self.betas) == 2 and all(isinstance(b, float) and 0 <= b < 1 for b in self.betas)):
            raise ValueError(f"betas must be two numbers from 0 to 1 (excluded), got {self.betas!r}")
        if type(self.seed) is not int or not 1 <= self.seed < 2**63:
            raise ValueError(f"the seed must be a whole number from 1 to 2**63 - 1, got {self.seed!r}")

    def student(self) -> TrainConfig:
        """The same run on a student's code: the loss is their ``nn.cross_entropy``."""
        return self if self.loss == "cross_entropy" else replace(self, loss="cross_entropy")

    def is_preset(self, for_student: bool = False) -> bool:
        """Whether these are the LLM101n module's settings (on a student's code: with their loss)."""
        preset = PRESET.student() if for_student else PRESET
        return all(getattr(self, f.name) == getattr(preset, f.name) for f in fields(self))


#: the LLM101n micrograd module's run: MLP(2, [8, 3]) with tanh, RNG(42) and scaled weights, its
#: cross-entropy, AdamW(lr 0.1, betas (0.9, 0.95), weight decay 1e-4), on the yin-yang splits
PRESET = TrainConfig()


def parameter_names(sizes: Sequence[int], nin: int = 2) -> List[str]:
    """``layers[0].neurons[3].w[1]`` for every parameter of ``MLP(nin, sizes)``, in canonical order."""
    names = []
    for layer, (width, nout) in enumerate(zip((nin, *sizes[:-1]), sizes)):
        for neuron in range(nout):
            prefix = f"layers[{layer}].neurons[{neuron}]"
            names += [f"{prefix}.w[{k}]" for k in range(width)] + [f"{prefix}.b"]
    return names


def initial_parameters(config: TrainConfig, sizes: Sequence[int], dataset: str) -> List[float]:
    """The starting parameters (canonical order): weights from ``RNG(config.seed)``, after drawing the
    yin-yang points with it when ``dataset`` is yin-yang (so seed 42 gives the module's exact start);
    scaled by ``nin**-0.5`` for ``init="scaled"``; biases 0."""
    rng = RNG(config.seed)
    if dataset == "yin-yang":
        gen_data_yinyang(rng)
    params: List[float] = []
    for width, nout in zip((2, *sizes[:-1]), sizes):
        scale = width ** -0.5 if config.init == "scaled" else 1.0
        for _ in range(nout):
            params += [rng.uniform(-1, 1) * scale for _ in range(width)] + [0.0]
    return params
