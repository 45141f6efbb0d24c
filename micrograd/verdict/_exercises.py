"""The exercises of the course, in the order students meet them, and what each one builds on.

The exercises about operations come from the table of operations and its words
(:mod:`micrograd.ops`): their names, titles and order from the words, their methods from the
table, and what they need from how micrograd builds each method (``a - b`` is ``a + (-b)``, and
``-b`` is ``b * -1``, so neg_sub needs add and mul). The others are declared here; every nn
exercise runs the engine.

``needs`` is the dependency graph: an exercise's checks use the methods of the exercises it needs.
``micrograd check`` checks them in this order; when a needed exercise is not passing, the
checks that need it are *blocked by* it instead of failing with a hint of their own. Every
exercise comes after all it needs, so EXERCISES order is a dependency order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Tuple

from micrograd.ops import EXERCISES as OPERATION_EXERCISES
from micrograd.ops import OPERATIONS, REFLECTED, exercise_of, operations_in
from micrograd.verdict._blame import built_from

__all__ = [
    "COURSE", "EXERCISES", "Exercise", "OPTIONAL_EXERCISES", "exercise", "exercise_of_method", "prerequisites",
    "stub_method",
]


@dataclass(frozen=True)
class Exercise:
    """One unit of student work: ``name`` is the key used by markers, rubrics and reports.

    ``needs`` names the exercises whose methods its checks use (checked first); ``methods``
    the qualified names of the methods a student writes for it (``Value.__add__``). ``optional``: off in the
    default course (an exercise about optional operations, ``Operation.optional``): the default rubric and
    ``micrograd check`` leave it out until a rubric, ``--exercise NAME`` or ``--all`` asks for it.
    """

    name: str
    title: str
    file: str
    functions: str
    needs: Tuple[str, ...] = ()
    methods: Tuple[str, ...] = ()
    optional: bool = False


def _methods(exercise: str) -> Tuple[Tuple[str, bool], ...]:
    """The methods a student writes for an exercise about operations: (operation, reflected)."""
    return tuple((name, exercise == REFLECTED) for name in operations_in(exercise))


def _functions(methods: Tuple[str, ...]) -> str:
    """``Value.__add__``; ``Value.__neg__, Value.__sub__``; past two, the class is named once."""
    if len(methods) <= 2:
        return ", ".join(methods)
    return ", ".join([methods[0], *(m.split(".", 1)[1] for m in methods[1:])])


def _operation_exercises() -> Iterator[Exercise]:
    """One exercise per entry of the words' EXERCISES: what it needs is every exercise whose methods its own
    are built from (``Operation.built_from``), in course order."""
    order = list(OPERATION_EXERCISES)
    for name, (title, _) in OPERATION_EXERCISES.items():
        methods = _methods(name)
        qualified = tuple(f"Value.{OPERATIONS[kind].reflected if reflected else OPERATIONS[kind].method}"
                          for kind, reflected in methods)
        needs = {exercise_of(kind, reflected=r) for method in methods for kind, r in built_from(method)} - {name}
        optional = bool(methods) and all(OPERATIONS[kind].optional for kind, _ in methods)
        yield Exercise(name, title, "engine.py", _functions(qualified), tuple(sorted(needs, key=order.index)),
                       qualified, optional)


#: the engine's operations that every upstream engine has too: accumulation needs them (tanh, exp and log not)
_ENGINE_OPS = ("add", "mul", "pow", "neg_sub", "div", "relu")

EXERCISES: Dict[str, Exercise] = {
    e.name: e
    for e in [
        *_operation_exercises(),
        Exercise("backward", "backward and topological order", "engine.py", "Value.backward", (),
                 ("Value.backward",)),
        Exercise("accumulation", "accumulation through reuse", "engine.py", "every _backward (+=)",
                 ("backward", *_ENGINE_OPS)),
        Exercise("deep", "deep graphs", "engine.py", "Value.backward without recursion",
                 ("backward", "accumulation", "add", "mul", "neg_sub")),
        Exercise("neuron", "Neuron", "nn.py", "Neuron.__call__", ("add", "mul", "relu", "backward", "accumulation"),
                 ("Neuron.__call__",)),
        Exercise("layer", "Layer", "nn.py", "Layer.__call__", ("neuron",), ("Layer.__call__",)),
        Exercise("mlp", "MLP", "nn.py", "MLP.__call__", ("layer",), ("MLP.__call__",)),
        Exercise("parameters", "parameters order", "nn.py", "Neuron/Layer/MLP.parameters", (),
                 ("Neuron.parameters", "Layer.parameters", "MLP.parameters")),
        Exercise("zero_grad", "zero_grad", "nn.py", "Module.zero_grad", ("mlp", "parameters"), ("Module.zero_grad",)),
        Exercise("training", "a training step", "nn.py", "the whole MLP, trained with SGD",
                 ("mlp", "parameters", "zero_grad")),
        # LLM101n's loss and optimizer: cross_entropy runs on the student's Values; AdamW.step only
        # reads p.grad and writes p.data
        Exercise("cross_entropy", "cross-entropy loss", "nn.py", "cross_entropy",
                 ("exp", "log", "div", "neg_sub", "reflected", "backward", "accumulation"), ("cross_entropy",)),
        Exercise("adamw", "AdamW optimizer", "nn.py", "AdamW.step", (), ("AdamW.step",)),
    ]
}


def _check_order(exercises: Dict[str, Exercise]) -> None:
    seen: List[str] = []
    for e in exercises.values():
        for need in e.needs:
            if need not in seen:
                raise ValueError(f"exercise {e.name!r} needs {need!r}, which must come before it in EXERCISES")
            if exercises[need].optional and not e.optional:
                raise ValueError(f"exercise {e.name!r} needs the optional exercise {need!r}: every course needs it")
        seen.append(e.name)


_check_order(EXERCISES)

#: the optional exercises (off in the default course), in course order
OPTIONAL_EXERCISES: Tuple[str, ...] = tuple(name for name, e in EXERCISES.items() if e.optional)
#: the default course: every exercise but the optional ones, in course order
COURSE: Tuple[str, ...] = tuple(name for name, e in EXERCISES.items() if not e.optional)


def exercise(name: str) -> Exercise:
    """The exercise called ``name``; a typo is a ValueError listing the valid names."""
    try:
        return EXERCISES[name]
    except KeyError:
        raise ValueError(f"unknown exercise {name!r}; expected one of {', '.join(EXERCISES)}") from None


def prerequisites(name: str) -> Tuple[str, ...]:
    """Every exercise ``name`` builds on, directly or not, in EXERCISES order."""
    wanted = set()
    stack = list(exercise(name).needs)
    while stack:
        need = stack.pop()
        if need not in wanted:
            wanted.add(need)
            stack.extend(EXERCISES[need].needs)
    return tuple(n for n in EXERCISES if n in wanted)


#: the stubs ``micrograd assign`` writes start their message with the method's qualified name
_QUALNAME = re.compile(r"^\s*([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\s*:")
_LOCATION = re.compile(r"^(\w+)\.py:\d+ in (\w+)$")


def stub_method(message: str, location: str = "") -> Optional[str]:
    """The method a NotImplementedError came from: the qualified name its message starts with
    (``Value.__add__: ...``, as the generated stubs say), else the function of its ``location``
    (``engine.py:57 in __neg__`` is ``Value.__neg__``), or None if neither says."""
    match = _QUALNAME.match(message or "")
    if match and exercise_of_method(match.group(1)) is not None:
        return match.group(1)
    where = _LOCATION.match(location or "")
    if where is None:
        return None
    file, function = where.groups()
    if file == "engine":
        return f"Value.{function}"
    candidates = [m for e in EXERCISES.values() if e.file == "nn.py" for m in e.methods
                  if m == function or m.endswith("." + function)]
    return candidates[0] if len(candidates) == 1 else None


def exercise_of_method(method: str) -> Optional[str]:
    """The exercise whose student-written methods include ``method`` (``Value.__neg__`` is neg_sub)."""
    for e in EXERCISES.values():
        if method in e.methods:
            return e.name
    return None
