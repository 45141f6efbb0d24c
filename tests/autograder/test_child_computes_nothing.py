"""The sandboxed child computes nothing for a submission (issue 21 item 2, PLAN.md contract 5).

A submission that implements nothing walks every object reachable from the kit's modules in its
process (``sys.modules`` entries of ``micrograd``, their attributes, class members, closures and
defaults) and tries each callable as its operations (``kit_node(Value, "add", a, b)``, ``f(a, b)``,
checked on answers it knows: 2 + 3 is 5) and as its ``backward()`` (checked on a graph it builds by
hand). Graded in every sandbox layer this machine has, it scores 0 for every exercise: the child
carries no forward value, local derivative or traversal of the kit's. In the grader's own process,
where the kit's functions are reachable, the same submission computes right answers: the attack is
real, and it is the runtime that stops it.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import List

import pytest

from micrograd.impl import LocalEvaluator
from micrograd.oracles import ExactOracle
from micrograd.program import Const, Op, Program, compile_program
from micrograd.verdict import check_program

ENGINE = r'''
import math
import sys
import types

KNOWN = {  # answers the attacker knows: the kit's functions are recognized by them
    "add": ((2.0, 3.0), 5.0), "sub": ((2.0, 3.0), -1.0), "mul": ((2.0, 3.0), 6.0),
    "div": ((3.0, 2.0), 1.5), "pow": ((2.0, 3), 8.0), "neg": ((2.0,), -2.0),
    "relu": ((-2.0,), 0.0), "tanh": ((0.5,), math.tanh(0.5)), "exp": ((0.5,), math.exp(0.5)),
    "log": ((2.0,), math.log(2.0)),
}
PRIORITY = ("kit_node", "make_kit_node", "run_backward", "run_script", "float_forward", "topological_order")


class Value:
    def __init__(self, data, _children=(), _op='', label=''):
        self.data = data
        self.grad = 0
        self._backward = lambda: None
        self._prev = tuple(_children)
        self._op = _op
        self.label = label

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"


def _kit_callables():
    """Every callable defined by the kit that this process can reach from its modules."""
    seen, found = set(), []
    stack = [m for name, m in list(sys.modules.items()) if name.split(".")[0] == "micrograd" and m is not None]
    while stack:
        obj = stack.pop()
        if id(obj) in seen or len(seen) > 200_000:
            continue
        seen.add(id(obj))
        if isinstance(obj, types.ModuleType):
            if obj.__name__.split(".")[0] == "micrograd":
                stack.extend(vars(obj).values())
            continue
        if isinstance(obj, (staticmethod, classmethod)):
            stack.append(obj.__func__)
            continue
        if isinstance(obj, property):
            stack.extend(f for f in (obj.fget, obj.fset) if f is not None)
            continue
        if isinstance(obj, (list, tuple, set, frozenset)) and len(obj) < 1000:
            stack.extend(obj)
            continue
        if isinstance(obj, dict) and len(obj) < 1000:
            stack.extend(obj.values())
            continue
        module = getattr(obj, "__module__", None) or ""
        if not (isinstance(module, str) and module.split(".")[0] == "micrograd"):
            continue
        if isinstance(obj, type):
            stack.extend(vars(obj).values())
        if isinstance(obj, types.FunctionType):
            for cell in obj.__closure__ or ():
                try:
                    stack.append(cell.cell_contents)
                except ValueError:
                    pass
            stack.extend(obj.__defaults__ or ())
            stack.extend((obj.__kwdefaults__ or {}).values())
        if callable(obj):
            found.append(obj)
    names = {id(f): getattr(f, "__name__", "") for f in found}
    return sorted(found, key=lambda f: (names[id(f)] not in PRIORITY, PRIORITY.index(names[id(f)])
                                        if names[id(f)] in PRIORITY else 0, str(names[id(f)])))


def _try(f, *args):
    try:
        return f(*args)
    except BaseException:  # anything: a candidate that does not fit is skipped
        return None


def _find_operation(kind, candidates):
    args, answer = KNOWN[kind]
    for f in candidates:
        for attempt in ((Value, kind, *(Value(a) for a in args)), tuple(Value(a) for a in args)):
            got = _try(f, *attempt)
            if isinstance(got, Value) and isinstance(got.data, (int, float)) and abs(got.data - answer) < 1e-9:
                return lambda *operands, f=f, shape=len(attempt): f(*((Value, kind) if shape > len(args) else ()),
                                                                    *operands)
    return None


def _find_backward(candidates):
    for f in candidates:
        for extra in ((), (1.0,)):
            x, y = Value(2.0), Value(3.0)
            z = Value(6.0, (x, y), "*")

            def _backward(x=x, y=y, z=z):
                x.grad += y.data * z.grad
                y.grad += x.data * z.grad
            z._backward = _backward
            _try(f, z, *extra)
            if (x.grad, y.grad, z.grad) == (3.0, 2.0, 1.0):
                return lambda root, f=f, extra=extra: f(root, *extra)
    return None


CANDIDATES = _kit_callables()
FOUND = {kind: _find_operation(kind, CANDIDATES) for kind in KNOWN}
BACKWARD = _find_backward(CANDIDATES)


def _use(kind, *operands):
    found = FOUND[kind]
    if found is None:
        raise NotImplementedError(f"Value.{kind}: none of the kit's {len(CANDIDATES)} callables computes it")
    return found(*operands)


def _wrap(x):
    return x if isinstance(x, Value) else Value(x)


def _backward_method(self):
    if BACKWARD is None:
        raise NotImplementedError("Value.backward: nothing of the kit's runs it")
    BACKWARD(self)


Value.__add__ = lambda self, other: _use("add", self, _wrap(other))
Value.__radd__ = lambda self, other: _use("add", self, _wrap(other))
Value.__sub__ = lambda self, other: _use("sub", self, _wrap(other))
Value.__rsub__ = lambda self, other: _use("sub", _wrap(other), self)
Value.__mul__ = lambda self, other: _use("mul", self, _wrap(other))
Value.__rmul__ = lambda self, other: _use("mul", self, _wrap(other))
Value.__truediv__ = lambda self, other: _use("div", self, _wrap(other))
Value.__rtruediv__ = lambda self, other: _use("div", _wrap(other), self)
Value.__pow__ = lambda self, other: _use("pow", self, other)
Value.__neg__ = lambda self: _use("neg", self)
Value.relu = lambda self: _use("relu", self)
Value.tanh = lambda self: _use("tanh", self)
Value.exp = lambda self: _use("exp", self)
Value.log = lambda self: _use("log", self)
Value.backward = _backward_method
'''

NN = r'''
from engine import CANDIDATES, Value


def _kit_loss(logits, target):
    for f in CANDIDATES:
        try:
            loss = f(logits, target)
        except BaseException:
            continue
        if isinstance(loss, Value):
            return loss
    raise NotImplementedError("cross_entropy: nothing of the kit's computes it")


cross_entropy = _kit_loss


class Module:  # the nn exercises: nothing (the kit has no Neuron, Layer or MLP of its own to borrow)
    def __init__(self, *args, **kwargs):
        raise NotImplementedError(type(self).__name__)


Neuron = type("Neuron", (Module,), {})
Layer = type("Layer", (Module,), {})
MLP = type("MLP", (Module,), {})
AdamW = type("AdamW", (Module,), {})
'''


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("hostile")
    (directory / "engine.py").write_text(ENGINE, encoding="utf-8")
    (directory / "nn.py").write_text(NN, encoding="utf-8")
    return directory


def test_where_the_kits_functions_are_reachable_the_attack_computes_right_answers(hostile: Path) -> None:
    """In the grader's process the kit's own kit_node and run_backward are there: the submission finds
    and uses them, and its answers pass the checks. That is what the sandboxed child must not offer."""
    evaluator = LocalEvaluator(hostile)
    for program in (Program((1.5, -2.5), (Op("mul", (0, 1)), Op("tanh", (2,)), Op("add", (3, Const(2.0)))), (4,)),
                    Program((0.5,), (Op("exp", (0,)), Op("sub", (1, 0))), (2,))):
        check_program(evaluator, ExactOracle(), program, exercise="add")


def test_a_compiled_program_carries_only_numbers_and_steps() -> None:
    """What the child receives for a program the kit builds: each node's data and local derivatives as
    numbers, and for the kit's backward pass the order of the calls, never a function."""
    program = Program((1.5, -2.5), (Op("mul", (0, 1)), Op("tanh", (2,))), (3,), build="kit")
    script = compile_program(program)
    assert [step.data for step in script.steps] == [-3.75, pytest.approx(math.tanh(-3.75))]
    assert [step.local for step in script.steps] == [(-2.5, 1.5), pytest.approx((1 - math.tanh(-3.75) ** 2,))]
    kit = compile_program(Program((1.5, -2.5), (Op("mul", (0, 1)), Op("tanh", (2,))), (3,), backward="kit",
                                  seeds=(2.0,)))
    assert [r.order for r in kit.roots] == [(3, 2, 1, 0)] and kit.watch  # root first, each node after its users
    text = kit.to_json()
    assert "def " not in text and "lambda" not in text and "tanh" in text  # ".tanh": the method to call, by name


def _layers() -> List[str]:
    from micrograd.sandbox import IsolationError, choose_isolation

    found = []
    for layer in ("bwrap", "uid", "none"):
        try:
            choose_isolation(layer)
        except IsolationError:
            continue
        found.append(layer)
    return found


@pytest.mark.parametrize("layer", ["bwrap", "uid", "none"])
def test_in_every_layer_the_attack_scores_nothing(hostile: Path, layer: str, tmp_path: Path) -> None:
    from autograder.course import RUBRIC, course_rubric
    from autograder.grade._batch import grade_one
    from autograder.sandbox import Limits, choose_isolation

    if layer not in _layers():
        pytest.skip(f"the {layer} layer is not available here")
    rubric_file = tmp_path / "rubric.toml"  # every exercise of the course, few examples
    rubric_file.write_text("[settings]\nmax_examples = 5\n\n" + RUBRIC.read_text(), encoding="utf-8")
    result = grade_one(hostile, course_rubric(rubric_file), Limits(timeout=10.0, budget=300.0, startup=30.0),
                       choose_isolation(layer))
    assert result.status == "graded", (result.status, result.reason)
    assert len(result.exercises) == 21
    scored = {e.exercise: (e.passed, e.total) for e in result.exercises if e.passed}
    assert scored == {} and result.score == 0, scored
    # the search was real: it went through the callables of the kit's modules in the child, and found none
    tried = [int(m.group(1)) for p in result.properties
             for m in [re.search(r"none of the kit's (\d+) callables computes it", p.summary)] if m]
    assert tried and min(tried) >= 50, tried
