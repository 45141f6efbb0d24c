"""The table of operations: what each operation of a Value is, declared once.

Programs, evaluation, the four oracles (exact, finite differences, PyTorch, JAX), the strategies
and the verdicts read everything they know about an operation from its entry here. What the
course says about it (its exercise, the rule in words, the usual mistakes) is in
:mod:`micrograd.ops._words`. docs/adding-an-operation.md says how to add one.

An entry's functions take plain Python numbers (``forward(a, b)``, ``derivatives[0](a, b, out)``)
with Python's semantics, so that they raise where a correct engine raises; ``torch`` and ``jax``
take the library's module first (``torch(torch, a, b)``) and its tensors or arrays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Sequence, Tuple, Union

__all__ = ["Domain", "Form", "OPERATIONS", "Operation"]

#: how micrograd writes an operation with others: ``("add", "a", ("neg", "b"))`` is ``a + (-b)``;
#: ``"a"`` and ``"b"`` are its operands, a number is a plain number
Form = Union[str, float, Tuple[Any, ...]]
#: the inputs a strategy may draw: ``domain(operands, gap, bound)`` is True when every evaluator
#: agrees on the operation there and stays ``gap`` away from where it breaks (see micrograd.strategies)
Domain = Callable[[Sequence[float], float, float], bool]


def _anywhere(args: Sequence[float], gap: float, bound: float) -> bool:
    return True


@dataclass(frozen=True)
class Operation:
    """One operation: its syntax, its semantics on plain numbers, and what the oracles and strategies need.

    ``symbol`` is the Python operator (``+`` in ``a + b``, ``-`` in ``-a``), empty for a method
    called as ``a.relu()``; ``method`` the Value method computing it; ``reflected`` the method Python
    calls with a plain number on the left (``2 + a`` calls ``a.__radd__(2)``; empty: a number may not
    stand there). ``derivatives[i](*operands, out)`` is d out / d operand ``i``. ``built_from`` and
    ``reflected_from`` say how micrograd computes the method and the reflected method with other
    operations (None: it makes one node of its own). ``numbers`` are the operands a correct engine
    accepts only as plain numbers (it raises TypeError for a Value there) and ``drawn`` what the
    strategies draw for them. ``pole`` is an operand that must stay away from 0 whatever the others
    (a divisor), ``kinks`` the inputs of a unary operation where it has no derivative (micrograd's
    convention decides there, and finite differences stay away); ``samples`` are operands at which
    the verdicts probe the operation on its own, inside its domain. ``total``: its forward and derivatives
    return a float for every float operand (never raise), and so do the operations it is built from: a
    program of total operations cannot fail in a correct engine. ``optional``: its exercise is off in the
    default course (the default rubric, ``micrograd check`` without ``--all``, the strategies' default pool
    and the accumulation probes leave it out) until an instructor's rubric grades it.
    """

    name: str
    arity: int
    method: str
    forward: Callable[..., Any]
    derivatives: Tuple[Callable[..., Any], ...]
    torch: Callable[..., Any]
    jax: Callable[..., Any]
    samples: Tuple[Tuple[float, ...], ...]
    symbol: str = ""
    reflected: str = ""
    built_from: Optional[Form] = None
    reflected_from: Optional[Form] = None
    numbers: Tuple[int, ...] = ()
    drawn: Tuple[float, ...] = ()
    pole: Optional[int] = None
    kinks: Tuple[float, ...] = ()
    domain: Domain = _anywhere
    total: bool = False
    optional: bool = False

    def __post_init__(self) -> None:
        if self.arity not in (1, 2):
            raise ValueError(f"operation {self.name!r}: arity is 1 or 2, got {self.arity!r}")
        if len(self.derivatives) != self.arity:
            raise ValueError(f"operation {self.name!r}: one derivative per operand, got {len(self.derivatives)}")
        if self.kinks and self.arity != 1:
            raise ValueError(f"operation {self.name!r}: kinks are for unary operations")
        if self.reflected and self.arity != 2:
            raise ValueError(f"operation {self.name!r}: only a binary operation has a reflected method")
        if self.optional and self.reflected:
            raise ValueError(f"operation {self.name!r}: an optional operation has no reflected method (the "
                             "reflected exercise is part of every course)")
        if self.total and (self.numbers or self.pole is not None):
            raise ValueError(f"operation {self.name!r}: an operation with number-only operands or a pole is not total")
        if bool(self.numbers) != bool(self.drawn):
            raise ValueError(f"operation {self.name!r}: number-only operands need the numbers to draw, and back")
        for sample in self.samples:
            if len(sample) != self.arity:
                raise ValueError(f"operation {self.name!r}: sample {sample!r} needs {self.arity} operands")


def _pow_domain(args: Sequence[float], gap: float, bound: float) -> bool:
    base, exponent = args
    if float(exponent).is_integer():
        # x ** 0 and x ** -n have derivatives n * x ** (n - 1) that divide by x
        return exponent >= 1 or abs(base) >= gap
    return base >= gap  # fractional powers: real only for positive bases


def _relu(x: float) -> float:
    return x if x > 0 else 0.0


#: every operation, in the order programs and strategies list them
OPERATIONS: Dict[str, Operation] = {op.name: op for op in (
    Operation(
        "add", 2, "__add__", symbol="+", reflected="__radd__",
        forward=lambda a, b: a + b,
        derivatives=(lambda a, b, out: 1.0, lambda a, b, out: 1.0),
        reflected_from=("add", "b", "a"),  # 2 + a is a + 2
        torch=lambda torch, a, b: a + b,
        jax=lambda jax, a, b: a + b,
        total=True,
        samples=((1.5, -2.5),),
    ),
    Operation(
        "sub", 2, "__sub__", symbol="-", reflected="__rsub__",
        forward=lambda a, b: a - b,
        derivatives=(lambda a, b, out: 1.0, lambda a, b, out: -1.0),
        built_from=("add", "a", ("neg", "b")),  # a - b is a + (-b)
        reflected_from=("add", "a", ("neg", "b")),
        torch=lambda torch, a, b: a - b,
        jax=lambda jax, a, b: a - b,
        total=True,
        samples=((1.5, -2.5),),
    ),
    Operation(
        "mul", 2, "__mul__", symbol="*", reflected="__rmul__",
        forward=lambda a, b: a * b,
        derivatives=(lambda a, b, out: b, lambda a, b, out: a),
        reflected_from=("mul", "b", "a"),  # 2 * a is a * 2
        torch=lambda torch, a, b: a * b,
        jax=lambda jax, a, b: a * b,
        total=True,
        samples=((1.5, -2.5),),
    ),
    Operation(
        "div", 2, "__truediv__", symbol="/", reflected="__rtruediv__",
        forward=lambda a, b: a / b,
        derivatives=(lambda a, b, out: 1 / b, lambda a, b, out: -a / b**2),
        built_from=("mul", "a", ("pow", "b", -1)),  # a / b is a * b**-1
        reflected_from=("mul", "a", ("pow", "b", -1)),
        pole=1,
        torch=lambda torch, a, b: a / b,
        jax=lambda jax, a, b: a / b,
        samples=((1.5, -2.5),),
    ),
    Operation(
        "pow", 2, "__pow__", symbol="**",
        forward=lambda a, b: a**b,
        derivatives=(lambda a, b, out: b * a ** (b - 1), lambda a, b, out: out * math.log(a)),
        numbers=(1,),  # a Value exponent is a TypeError (engines have no __rpow__ either)
        drawn=(2, 3, -1, 0.5, 1, 0, -2, 1.5, -0.5, 2.5),  # simplest first: integers, then fractions
        domain=_pow_domain,
        torch=lambda torch, a, b: torch.pow(a, b),
        # the exponent is a number: no gradient to it, so a negative base with an integer exponent is finite
        jax=lambda jax, a, b: jax.lax.pow(a, jax.lax.stop_gradient(b)),
        samples=((1.5, 3),),
    ),
    Operation(
        "neg", 1, "__neg__", symbol="-",
        forward=lambda a: -a,
        derivatives=(lambda a, out: -1.0,),
        built_from=("mul", "a", -1),  # -a is a * -1
        torch=lambda torch, a: -a,
        jax=lambda jax, a: -a,
        total=True,
        samples=((1.5,),),
    ),
    Operation(
        "relu", 1, "relu",
        forward=_relu,
        derivatives=(lambda a, out: 1.0 if a > 0 else 0.0,),  # relu'(0) = 0, as in PyTorch
        kinks=(0.0,),
        torch=lambda torch, a: torch.relu(a),  # relu'(0) = 0 (torch.maximum would give 0.5)
        jax=lambda jax, a: jax.nn.relu(a),
        total=True,
        samples=((1.5,), (-1.5,)),
    ),
    Operation(
        "tanh", 1, "tanh",
        forward=math.tanh,
        derivatives=(lambda a, out: 1 - out**2,),
        torch=lambda torch, a: torch.tanh(a),
        jax=lambda jax, a: jax.numpy.tanh(a),
        total=True,
        samples=((0.7,),),
    ),
    Operation(
        "exp", 1, "exp",
        forward=math.exp,
        derivatives=(lambda a, out: out,),
        domain=lambda args, gap, bound: args[0] <= math.log(bound),  # beyond, the value overflows the bound
        torch=lambda torch, a: torch.exp(a),
        jax=lambda jax, a: jax.numpy.exp(a),
        samples=((0.7,),),
    ),
    Operation(
        "log", 1, "log",
        forward=math.log,
        derivatives=(lambda a, out: 1 / a,),
        domain=lambda args, gap, bound: args[0] >= gap,  # log' = 1/x: far from 0
        torch=lambda torch, a: torch.log(a),
        jax=lambda jax, a: jax.numpy.log(a),
        samples=((1.5,),),
    ),
    Operation(
        "sigmoid", 1, "sigmoid",
        forward=lambda a: 1 / (1 + math.exp(-a)),
        derivatives=(lambda a, out: out * (1 - out),),
        domain=lambda args, gap, bound: -args[0] <= math.log(bound),  # beyond, e ** -a overflows the bound
        torch=lambda torch, a: torch.sigmoid(a),
        jax=lambda jax, a: jax.nn.sigmoid(a),
        samples=((0.7,), (-1.5,)),
        optional=True,  # off in the default course: a rubric switches it on (sigmoid = 1)
    ),
)}
