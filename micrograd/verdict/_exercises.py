"""The exercises of the course, in the order students meet them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict

__all__ = ["EXERCISES", "Exercise", "exercise"]


@dataclass(frozen=True)
class Exercise:
    """One unit of student work: ``name`` is the key used by markers, rubrics and reports."""

    name: str
    title: str
    file: str
    functions: str


EXERCISES: Dict[str, Exercise] = {
    e.name: e
    for e in [
        Exercise("add", "addition", "engine.py", "Value.__add__"),
        Exercise("mul", "multiplication", "engine.py", "Value.__mul__"),
        Exercise("pow", "power", "engine.py", "Value.__pow__"),
        Exercise("neg_sub", "negation and subtraction", "engine.py", "Value.__neg__, Value.__sub__"),
        Exercise("div", "division", "engine.py", "Value.__truediv__"),
        Exercise("reflected", "reflected operators", "engine.py",
                 "Value.__radd__, __rsub__, __rmul__, __rtruediv__"),
        Exercise("relu", "relu", "engine.py", "Value.relu"),
        Exercise("tanh", "tanh", "engine.py", "Value.tanh"),
        Exercise("exp", "exp", "engine.py", "Value.exp"),
        Exercise("log", "log", "engine.py", "Value.log"),
        Exercise("backward", "backward and topological order", "engine.py", "Value.backward"),
        Exercise("accumulation", "accumulation through reuse", "engine.py", "every _backward (+=)"),
        Exercise("deep", "deep graphs", "engine.py", "Value.backward (no recursion)"),
        Exercise("neuron", "Neuron", "nn.py", "Neuron.__call__"),
        Exercise("layer", "Layer", "nn.py", "Layer.__call__"),
        Exercise("mlp", "MLP", "nn.py", "MLP.__call__"),
        Exercise("parameters", "parameters order", "nn.py", "Neuron/Layer/MLP.parameters"),
        Exercise("zero_grad", "zero_grad", "nn.py", "Module.zero_grad"),
        Exercise("training", "a training step", "nn.py", "the whole MLP, trained with SGD"),
        Exercise("cross_entropy", "cross-entropy loss", "nn.py", "cross_entropy"),
        Exercise("adamw", "AdamW optimizer", "nn.py", "AdamW.step"),
    ]
}


def exercise(name: str) -> Exercise:
    """The exercise called ``name``; a typo is a ValueError listing the valid names."""
    try:
        return EXERCISES[name]
    except KeyError:
        raise ValueError(f"unknown exercise {name!r}; expected one of {', '.join(EXERCISES)}") from None
