"""Hypothesis strategies for module programs: Neurons, Layers and MLPs with a batch and a loss."""

from __future__ import annotations

import math
from typing import Optional, Sequence, Tuple

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from micrograd.oracles import relu_margin
from micrograd.program import ACTIONS, LOSSES, MODULES, ModuleProgram

__all__ = ["module_programs"]

_PARAMS = st.floats(-1.0, 1.0, allow_nan=False, allow_subnormal=False)
_INPUTS = st.floats(-2.0, 2.0, allow_nan=False, allow_subnormal=False)
_LABELS = st.sampled_from([-1.0, 1.0])


def module_programs(
    *,
    kind: Optional[str] = None,
    loss: Optional[str] = None,
    nonlin: Optional[bool] = None,
    outputs: Optional[int] = None,
    actions: Optional[Sequence[str]] = None,
    max_steps: int = 0,
    max_inputs: int = 4,
    max_width: int = 4,
    max_depth: int = 3,
    min_margin: float = 1e-6,
) -> st.SearchStrategy[ModuleProgram]:
    """Module programs: random modules, parameters in [-1, 1], inputs and targets in [-2, 2].

    - ``kind``: ``"neuron"``, ``"layer"`` or ``"mlp"`` (default: any);
    - ``loss``: ``"sse"`` or ``"svm"`` (default: either; svm forces one output, labels +-1);
    - ``nonlin``: relu on a Neuron or a Layer (default: either; an MLP always has it);
    - ``outputs``: the width of the last layer (default: 1 to ``max_width``);
    - ``actions``: the actions to run (default ``("forward",)``), or with ``max_steps`` > 0,
      1 to ``max_steps`` SGD steps ``forward, step, zero_grad`` and a final ``forward``;
    - ``max_inputs`` examples per batch, ``max_width`` inputs and neurons per layer,
      ``max_depth`` layers in an MLP (hidden layers have at least 2 neurons: a layer of one
      returns a bare Value, which the next layer cannot iterate);
    - ``min_margin``: every relu input (pre-activations and svm margins, over every forward
      pass) stays at least this far from 0, so rounding never decides a kink. Use about
      1e-3 or more when finite differences will check the program.
    """
    if kind is not None and kind not in MODULES:
        raise InvalidArgument(f"kind={kind!r} must be one of {', '.join(map(repr, MODULES))} or None")
    if loss is not None and loss not in LOSSES:
        raise InvalidArgument(f"loss={loss!r} must be one of {', '.join(map(repr, LOSSES))} or None")
    if nonlin is not None and type(nonlin) is not bool:
        raise InvalidArgument(f"nonlin={nonlin!r} must be True, False or None")
    if kind == "mlp" and nonlin is False:
        raise InvalidArgument("nonlin=False is for a neuron or a layer: an MLP's hidden layers always use relu")
    for name, value, low in (("max_inputs", max_inputs, 1), ("max_width", max_width, 1),
                             ("max_depth", max_depth, 1), ("max_steps", max_steps, 0)):
        if type(value) is not int or not low <= value <= 64:
            raise InvalidArgument(f"{name}={value!r} must be an int from {low} to 64")
    if max_depth > 8:
        raise InvalidArgument(f"max_depth={max_depth!r} must be at most 8")
    if outputs is not None:
        if type(outputs) is not int or not 1 <= outputs <= max_width:
            raise InvalidArgument(f"outputs={outputs!r} must be an int from 1 to max_width={max_width}")
        if kind == "neuron" and outputs != 1:
            raise InvalidArgument(f"a neuron has one output, not outputs={outputs!r}")
        if loss == "svm" and outputs != 1:
            raise InvalidArgument(f"the svm loss needs one output, not outputs={outputs!r}")
    if actions is not None:
        actions = tuple(actions)
        if max_steps:
            raise InvalidArgument("give actions or max_steps, not both")
        bad = [a for a in actions if a not in ACTIONS]
        if bad or not actions:
            raise InvalidArgument(f"actions={actions!r} must be a non-empty sequence of {', '.join(ACTIONS)}")
    if not isinstance(min_margin, (int, float)) or not 0 <= min_margin <= 0.5 or math.isnan(min_margin):
        raise InvalidArgument(f"min_margin={min_margin!r} must be a number from 0 to 0.5")
    return _programs(kind, loss, nonlin, outputs, actions, max_steps, max_inputs, max_width, max_depth).filter(
        lambda program: relu_margin(program) >= min_margin
    )


@st.composite
def _programs(
    draw: st.DrawFn,
    kind: Optional[str],
    loss: Optional[str],
    nonlin: Optional[bool],
    outputs: Optional[int],
    actions: Optional[Tuple[str, ...]],
    max_steps: int,
    max_inputs: int,
    max_width: int,
    max_depth: int,
) -> ModuleProgram:
    module = kind or draw(st.sampled_from(MODULES))
    if loss is None:
        loss = "sse" if outputs not in (None, 1) else draw(st.sampled_from(LOSSES))
    last = 1 if module == "neuron" or loss == "svm" else outputs or draw(st.integers(1, max_width))
    if module == "mlp":
        # a hidden layer of one neuron returns a bare Value, which the next layer cannot iterate
        # (upstream micrograd's behaviour, kept by the reference), so hidden layers have 2 or more
        hidden = draw(st.lists(st.integers(2, max_width), max_size=max_depth - 1)) if max_width > 1 else []
        sizes = (*hidden, last)
    else:
        sizes = (last,)
    use_relu = True if module == "mlp" else (draw(st.booleans()) if nonlin is None else nonlin)
    nin = draw(st.integers(1, max_width))
    n_params = sum(nout * (k + 1) for k, nout in zip((nin, *sizes[:-1]), sizes))
    params = draw(st.lists(_PARAMS, min_size=n_params, max_size=n_params))
    batch = draw(st.integers(1, max_inputs))
    inputs = draw(st.lists(st.lists(_INPUTS, min_size=nin, max_size=nin), min_size=batch, max_size=batch))
    if loss == "svm":
        targets = [[y] for y in draw(st.lists(_LABELS, min_size=batch, max_size=batch))]
    else:
        targets = draw(st.lists(st.lists(_INPUTS, min_size=last, max_size=last), min_size=batch, max_size=batch))
    if actions is None:
        steps = draw(st.integers(1, max_steps)) if max_steps else 0
        actions = ("forward", "step", "zero_grad") * steps + ("forward",)
    lr = draw(st.floats(0.001, 0.2)) if "step" in actions else 0.05
    return ModuleProgram(
        module=module,
        nin=nin,
        sizes=tuple(sizes),
        params=tuple(params),
        inputs=tuple(tuple(x) for x in inputs),
        targets=tuple(tuple(t) for t in targets),
        nonlin=use_relu,
        loss=loss,
        actions=actions,
        lr=lr,
        seed=draw(st.integers(0, 2**32 - 1)),
    )
