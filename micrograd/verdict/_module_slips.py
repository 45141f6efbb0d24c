"""The slip behind a wrong Neuron, Layer or MLP, when what the implementation gave is what a known slip gives.

A property's own hint says what should hold; when the implementation's outputs are exactly those of
the same network with one known slip (relu on the last layer of an MLP, tanh in place of relu), or
its neurons have the weight counts of a layer built with nin and nout swapped, the hint names that
slip instead. Anything else keeps the property's hint.
"""

from __future__ import annotations

import math
from typing import Callable, List, Optional, Sequence, Tuple

from micrograd.program import ModuleOutcome, ModuleProgram

__all__ = ["module_code", "module_hint"]

_SWAPPED = ("{what} built neurons with {got} weights each, expected {expected}: that is nin and nout swapped. "
            "Layer(nin, nout) is nout neurons of nin weights each ([Neuron(nin, **kwargs) for _ in range(nout)]), "
            "and layer i of an MLP is Layer(sz[i], sz[i + 1]).")
_WIDTHS = ("{what} built neurons with {got} weights each, expected {expected}: Layer(nin, nout) is nout neurons "
           "of nin weights each, and layer i of an MLP is Layer(sz[i], sz[i + 1]).")
_LAST_RELU = ("mlp(x) gives exactly what it would if the last layer applied relu too: the last layer must be linear "
              "(nonlin=False) so that the output can be negative. MLP builds its last Layer with nonlin=False, and "
              "Neuron.__call__ applies relu only when self.nonlin is True.")
_TANH = ("the outputs are exactly what tanh would give: your neuron applies tanh where this course's neurons use "
         "relu (act.relu() when self.nonlin is True).")

Activation = Callable[[float], float]


def _relu(x: float) -> float:
    return x if x > 0 else 0.0


def _forward(program: ModuleProgram, x: Sequence[float], nonlins: Sequence[bool], act: Activation) -> List[float]:
    """The module's outputs for ``x`` with ``nonlins`` per layer and ``act`` as the nonlinearity."""
    values, offset = [float(v) for v in x], 0
    for nin, nout, nonlin in zip(program.layer_inputs, program.sizes, nonlins):
        out = []
        for _ in range(nout):
            w, b = program.params[offset:offset + nin], program.params[offset + nin]
            offset += nin + 1
            z = sum((wi * xi for wi, xi in zip(w, values)), b)
            out.append(act(z) if nonlin else z)
        values = out
    return values


def _outputs(got: ModuleOutcome) -> Optional[Tuple[Tuple[float, ...], ...]]:
    forward = next((step for step in got.steps if step.action == "forward"), None)
    return None if forward is None else forward.outputs


def _same(a: Sequence[Sequence[float]], b: Sequence[Sequence[float]]) -> bool:
    return len(a) == len(b) and all(len(x) == len(y) and all(math.isclose(p, q, rel_tol=1e-9, abs_tol=1e-12)
                                                             for p, q in zip(x, y)) for x, y in zip(a, b))


def _swapped_widths(program: ModuleProgram) -> Tuple[int, ...]:
    """The neurons' weight counts of the same layers built as Layer(nout, nin)."""
    return tuple(nout for nin, nout in zip(program.layer_inputs, program.sizes) for _ in range(nin))


def module_hint(program: ModuleProgram, got: ModuleOutcome, expected: Optional[ModuleOutcome], hint: str) -> str:
    """``hint``, or the slip that explains ``got`` exactly (see the module's docstring)."""
    if got.widths and tuple(got.widths) != tuple(program.widths):
        template = _SWAPPED if tuple(got.widths) == _swapped_widths(program) else _WIDTHS
        return template.format(what=program.describe(), got=list(got.widths), expected=list(program.widths))
    outputs = _outputs(got)
    right = _outputs(expected) if expected is not None else None
    actions = list(program.actions)
    stepped = "step" in actions and actions.index("step") < actions.index("forward")  # params no longer given
    if got.error is not None or not outputs or right is None or _same(outputs, right) or stepped:
        return hint
    slips: List[Tuple[str, Sequence[bool], Activation]] = []
    if program.module == "mlp" and not program.nonlins[-1]:
        slips.append((_LAST_RELU, (True,) * len(program.sizes), _relu))
    if any(program.nonlins):
        slips.append((_TANH, program.nonlins, math.tanh))
    for text, nonlins, act in slips:
        if _same(outputs, [_forward(program, x, nonlins, act) for x in program.inputs]):
            return text
    return hint


def module_code(program: ModuleProgram, got: ModuleOutcome) -> str:
    """``program``'s snippet; when the check stopped because the neurons have the wrong number of weights, the
    snippet stops there too, with the check's own error (run as printed it would go on with the wrong model)."""
    code = program.to_python()
    if not got.widths or tuple(got.widths) == tuple(program.widths):
        return code
    lines = code.splitlines()
    at = next((i for i, line in enumerate(lines) if line.startswith("neurons = ")), None)
    if at is None:
        return code
    expected = list(program.widths)
    check = ["widths = [len(n.w) for n in neurons]  # the check counts each neuron's weights first",
             f"if widths != {expected}:",
             f"    raise TypeError(f\"{program.describe()} built neurons with {{widths}} weights each, "
             f"expected {expected}\")"]
    return "\n".join(lines[:at + 1] + check + lines[at + 1:]) + "\n"
