"""Comparing an implementation's Outcome with an oracle's, and explaining the difference.

The order of the checks is the order in which a student can act on them: the
implementation raised; a grad was not 0 before backward(); a forward value is wrong
(the first wrong node is the culprit: later ones inherit its error); a gradient is wrong
(the wrong node closest to the roots is the culprit: gradients flow from the roots).

How a wrong gradient is explained depends on what the program tested (``Program.build`` and
``Program.backward``): on a graph the kit built, only ``backward()`` ran, and the order in
which it called the nodes' ``_backward`` (``Outcome.calls``) tells a missing seed, a missing
visited set, a root-first walk, an order not reversed or a node skipped; with the kit's
traversal, only the operations' rules ran. Otherwise :func:`check_program` corrects the hint
and the exercise named by probing the implementation with single operations on fresh leaves,
judged with the kit's traversal (``a + b`` with out.grad 1, then with out.grad -1.5): a probe
that fails pins the bug on that method's rule (or on what it is built from: ``-b`` before
``a - b``) or on out.grad being ignored; when every probe passes, the bug is in how reuse is
handled (``+=``) or in backward().
"""

from __future__ import annotations

import math
import re
import weakref
from collections import Counter
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

from micrograd.oracles import engine_failure
from micrograd.oracles._common import ancestors
from micrograd.program import BINARY, UNARY, Const, Failure, Op, Outcome, Program, node_name, op_expression, to_python
from micrograd.verdict._failure import Row, SpecFailure

__all__ = [
    "EXACT",
    "FINITE_DIFFERENCES",
    "HINTS",
    "RULES",
    "TOLERANCES",
    "Tolerance",
    "REFINE_AGREEMENT",
    "check_program",
    "compare_outcomes",
    "refine_finite_differences",
    "method_name",
    "tolerance_for",
]


@dataclass(frozen=True)
class Tolerance:
    """When two floats count as equal: ``|got - expected| <= abs + rel * |expected| + scale * M``,
    where M is the largest |expected| among the values compared (all data, or all grads).

    ``rel`` covers error relative to the value itself; ``scale`` covers cancellation, where
    a small result (``a - b`` with a close to b) carries the absolute rounding error of
    its large operands; ``abs`` covers values that should be exactly 0.
    """

    rel: float
    abs: float
    scale: float

    def __post_init__(self) -> None:
        for name in ("rel", "abs", "scale"):
            value = getattr(self, name)
            if not (isinstance(value, float) and 0.0 <= value < 1.0):
                raise ValueError(f"Tolerance.{name} must be a float in [0, 1), got {value!r}")

    def close(self, expected: float, got: float, magnitude: float = 0.0) -> bool:
        """True if ``got`` agrees with ``expected`` (NaN agrees with nothing, inf only with itself)."""
        if math.isnan(got) or math.isnan(expected):
            return False
        if math.isinf(got) or math.isinf(expected):
            return got == expected
        return abs(got - expected) <= self.abs + self.rel * abs(expected) + self.scale * magnitude


#: For PyTorch and JAX (float64). + - * / are correctly rounded in both and in Python, so
#: only exp, log, tanh and ** differ, by an ulp or two (about 2e-16 relative), and that
#: error grows only by the condition number of the rest of the program. The strategies keep
#: |values| <= 1e4 and stay 0.1 away from poles, so conditions stay far below 1e6: 1e-9
#: leaves three orders of margin, while a wrong rule is off by far more than 1e-9
#: (typically 10% or more). ``scale`` 1e-12 times the largest value absorbs cancellation
#: (1e4 * 2e-16 = 2e-12 of absolute error when two values of 1e4 nearly cancel).
EXACT = Tolerance(rel=1e-9, abs=1e-12, scale=1e-12)

#: For finite differences (grads only; FD's data is exact float arithmetic). Richardson-
#: extrapolated central differences have truncation error O(h**4) and rounding error
#: about u * |S| / h (u = 1.1e-16, h = 1e-3 times the node's scale), about 1e-12 relative to
#: the values involved, but higher derivatives of log, exp and x ** -k near their steep
#: parts can make the truncation error much larger; 1e-6 relative keeps a wide margin and
#: still catches any wrong rule (whose error is O(1) relative).
FINITE_DIFFERENCES = Tolerance(rel=1e-6, abs=1e-8, scale=1e-8)

#: oracle name -> (tolerance for data, tolerance for grads)
TOLERANCES: Dict[str, Tuple[Tolerance, Tolerance]] = {
    "torch": (EXACT, EXACT),
    "jax": (EXACT, EXACT),
    "fd": (EXACT, FINITE_DIFFERENCES),
}


def tolerance_for(oracle: Any) -> Tuple[Tolerance, Tolerance]:
    """(data, grad) tolerances for ``oracle`` (an oracle or its name); unknown oracles get FD's."""
    name = oracle if isinstance(oracle, str) else getattr(oracle, "name", "")
    return TOLERANCES.get(name, (EXACT, FINITE_DIFFERENCES))


#: the local rule each operation's _backward applies, in the words a student needs
RULES: Dict[str, str] = {
    "add": "in a + b, both a and b receive out.grad",
    "sub": "a - b is a + (-b): a receives out.grad and b receives -out.grad",
    "mul": "in a * b, a receives b.data * out.grad and b receives a.data * out.grad",
    "div": "a / b is a * b**-1: a receives out.grad / b.data and b receives -a.data / b.data**2 * out.grad",
    "pow": "x ** n sends n * x.data**(n - 1) * out.grad to x",
    "neg": "-x is x * -1: x receives -out.grad",
    "relu": "x.relu() sends out.grad to x where x.data > 0 and 0 elsewhere (relu'(0) = 0)",
    "tanh": "x.tanh() sends (1 - out.data**2) * out.grad to x",
    "exp": "x.exp() sends out.data * out.grad to x (exp is its own derivative)",
    "log": "x.log() sends out.grad / x.data to x",
}

#: misconception -> hint; ``{method}``, ``{rule}`` and ``{expression}`` are filled in
HINTS: Dict[str, str] = {
    "not_implemented": "implement {method}: it still raises NotImplementedError.",
    "recursion": "backward() recurses once per node, and a chain of 100,000 nodes runs out of Python's stack: "
    "build the topological order with an explicit stack (a list you push to and pop from) instead of recursion. "
    "Raising the limit with sys.setrecursionlimit does not fix it: past the C stack Python crashes (a segfault).",
    "missing": "not implemented: {method} is missing from your Value class; implement it (with its "
    "_backward).",
    "recursive_operator": "{method} calls itself until the stack runs out while computing {expression}: "
    "a reflected operator must not call itself (in __rmul__, other * self with a plain number other calls "
    "__rmul__ again; return self * other).",
    "wrap": "{method} uses a plain number as if it were a Value: wrap plain numbers in a Value first "
    "(other = other if isinstance(other, Value) else Value(other)).",
    "overflow": "{method} overflowed while computing {expression}: math.exp overflows beyond about 709, "
    "so a formula built on exp fails for large inputs; use math.tanh (tanh(400) is 1.0) for tanh, and for exp "
    "only inputs that fit a float (the spec keeps exp's inputs small).",
    "backward_error": "the error is raised in the _backward of {method}: {rule}.",
    "chain": "{method}'s _backward ignores out.grad: {rule}. The local derivative is multiplied by out.grad "
    "(the chain rule), and added with +=.",
    "error": "{method} raised where a correct engine computes {expression}; read the traceback of the snippet.",
    "must_raise": "{expression} has a Value exponent, which micrograd does not support: raise TypeError "
    "when the exponent is not an int or a float (check isinstance(other, (int, float)) first).",
    "wrong_error": "{expression} must raise TypeError (only int or float exponents are supported).",
    "value_exponent": "{expression} has a Value exponent: either raise TypeError (micrograd supports only int "
    "and float exponents: check isinstance(other, (int, float))), or differentiate it fully (the exponent "
    "receives out.data * log(self.data) * out.grad); using other.data silently loses the exponent's gradient.",
    "initial_grad": "a new Value's grad must be 0 (set self.grad = 0 in __init__); backward() adds into it.",
    "forward": "the value of {expression} is wrong: check the data that {method} computes.",
    "seed": "backward() must set the root's own grad to 1 before calling the _backward functions.",
    "accumulation": "a node used twice must receive the sum of both contributions: accumulate with += "
    "in _backward (never =).",
    "twice": "each node's _backward must run exactly once per backward(): keep a visited set "
    "while building the topological order.",
    "order": "backward() must call _backward in reverse topological order: a node's _backward may "
    "run only once every node that uses it has run (a diamond, where a node feeds two others, shows it).",
    "preorder": "backward() calls each node's _backward as soon as it reaches it from the root (a depth-first or "
    "breadth-first walk), but a node's _backward may run only once every node that uses it has run: first build "
    "a topological order (each node after its inputs), then call _backward in reverse topological order.",
    "not_reversed": "backward() calls _backward from the leaves towards the root: call them in reverse "
    "topological order (for v in reversed(topo)), so that each node's grad is complete before it is passed on.",
    "missed": "backward() never called the _backward of {node}, which the root depends on: the topological "
    "order must hold every node reachable through _prev.",
    "value_equality": "backward() skipped {node}, which has the same data as {twin}: your visited set (or `in` "
    "test) compares Values by their data. Keep Python's identity-based __eq__ and __hash__ (do not define them "
    "by value), or track id(v) in the visited set.",
    "unhashable": "Value cannot be put in a set: defining __eq__ without __hash__ makes a class unhashable, and "
    "backward()'s visited set (or _prev = set(_children)) needs hashing: remove __eq__, or add "
    "__hash__ = object.__hash__ (identity).",
    "reset": "backward() reset grads it did not own: a second backward() on another root must add to the "
    "leaves' grads, not replace them (reset grads with zero_grad(), never inside backward()).",
    "slots": "Value lists its attributes in __slots__, so setting self.{attribute} fails: add {attribute!r} to "
    "__slots__ (or remove __slots__).",
    "relu_zero": "relu'(0) = 0 (as in PyTorch): send out.grad only where the input is > 0, strictly.",
    "rule": "the gradient rule of {method} looks wrong: {rule}. The local derivative is multiplied by "
    "out.grad (not out.data), and added with +=.",
    "unreached": "nodes that no root depends on must keep grad 0: backward() may only touch the root's ancestors.",
}


def method_name(op: Op) -> str:
    """The Value method that computing ``op`` calls first: ``Value.__mul__``, ``Value.__rsub__``, ``Value.relu``."""
    if op.kind in BINARY:
        dunder = {"add": "add", "sub": "sub", "mul": "mul", "div": "truediv", "pow": "pow"}[op.kind]
        reflected = "r" if isinstance(op.args[0], Const) else ""
        return f"Value.__{reflected}{dunder}__"
    return "Value.__neg__" if op.kind == "neg" else f"Value.{op.kind}"


def check_program(impl: Any, oracle: Any, program: Program, *, exercise: str) -> Outcome:
    """Evaluate ``program`` with ``impl`` and ``oracle``; raise SpecFailure if they disagree.

    A disagreement with finite differences is confirmed first with a step 8 times smaller
    (see :func:`refine_finite_differences`), so FD's truncation error on steep or
    high-degree programs is not blamed on the implementation. Returns the
    implementation's Outcome. The one ``raise`` here is the only place a property's
    SpecFailure comes from, so Hypothesis sees a single kind of failure.
    """
    got = impl.evaluate(program)
    if got.error is not None and engine_failure(program) is None:
        # a correct engine raises nothing here: the report needs no oracle numbers (and
        # skipping them keeps shrinking a failing deep chain cheap)
        expected = Outcome(data=(), grad=(), initial_grad=())
    else:
        expected = oracle.evaluate(program)
    found = _find(program, got, expected, exercise, oracle)
    if found is not None and found.failure.failure is None and getattr(oracle, "name", "") == "fd" \
            and expected.error is None:
        refined = refine_finite_differences(oracle, program, expected)
        if refined is not None:
            expected = refined
            found = _find(program, got, expected, exercise, oracle)
    if found is not None:
        raise _explain(impl, oracle, program, got, expected, found)
    return got


@dataclass
class _Finding:
    """A SpecFailure and what kind of difference produced it (for :func:`_explain`)."""

    failure: SpecFailure
    kind: str  # "raised", "data", "grad" or "other"
    culprit: Optional[int] = None


def _find(program: Program, got: Outcome, expected: Outcome, exercise: str, oracle: Any) -> Optional[_Finding]:
    data_tol, grad_tol = tolerance_for(oracle)
    return _compare(program, got, expected, exercise, data_tol, grad_tol, getattr(oracle, "name", ""))


#: how close FD estimates at steps h and h/8 must be for the h/8 one to be trusted.
#: Truncation error falls 8**4 = 4096-fold from h to h/8, so the gap between the two is
#: about the coarse estimate's error and the fine one's error about gap / 4096: a gap
#: within 1e-3 relative (1e-6 absolute) leaves the fine estimate within about 2.5e-7
#: relative (2.5e-10 absolute), inside FINITE_DIFFERENCES.
REFINE_AGREEMENT = Tolerance(rel=1e-3, abs=1e-6, scale=1e-6)


def refine_finite_differences(oracle: Any, program: Program, coarse: Outcome) -> Optional[Outcome]:
    """FD grads at a step 8 times smaller, or None (unknown) where the two steps disagree.

    Richardson-extrapolated central differences have truncation error ~ h**4, so where the
    two estimates agree to REFINE_AGREEMENT the finer one is accurate; where they do not, the
    derivative is too steep on the scale of h to be estimated and is not compared.
    Returns None if ``oracle`` cannot be rebuilt with a smaller ``step``.
    """
    step = getattr(oracle, "step", None)
    if not isinstance(step, float):
        return None
    try:
        finer = type(oracle)(step=step / 8, max_nodes=getattr(oracle, "max_nodes", program.size))
    except TypeError:
        return None
    fine = finer.evaluate(program)
    if fine.error is not None or len(fine.grad) != len(coarse.grad):
        return None
    magnitude = max((abs(g) for g in fine.grad if g is not None), default=0.0)
    grads = tuple(
        f if f is not None and c is not None and REFINE_AGREEMENT.close(f, c, magnitude) else None
        for c, f in zip(coarse.grad, fine.grad)
    )
    return Outcome(data=coarse.data, grad=grads, initial_grad=coarse.initial_grad)


def compare_outcomes(
    program: Program,
    got: Outcome,
    expected: Outcome,
    *,
    exercise: str,
    data_tolerance: Tolerance = EXACT,
    grad_tolerance: Tolerance = EXACT,
    oracle_name: str = "",
) -> Optional[SpecFailure]:
    """The SpecFailure explaining how ``got`` differs from ``expected`` on ``program``, or None.

    A gradient of None in ``expected`` is unknown (finite differences at a kink) and not compared.
    """
    found = _compare(program, got, expected, exercise, data_tolerance, grad_tolerance, oracle_name)
    return None if found is None else found.failure


#: how a report names each oracle: "wrong value (checked against the exact oracle)"
ORACLE_TITLES = {"exact": "the exact oracle", "torch": "PyTorch", "jax": "JAX", "fd": "finite differences",
                 "numpy": "the NumPy model"}


def _against(oracle_name: str) -> str:
    return f" (checked against {ORACLE_TITLES.get(oracle_name, oracle_name)})" if oracle_name else ""


def _compare(program: Program, got: Outcome, expected: Outcome, exercise: str, data_tolerance: Tolerance,
             grad_tolerance: Tolerance, oracle_name: str) -> Optional[_Finding]:
    against = _against(oracle_name)
    if expected.error is not None:
        failure = _expected_error(program, got, expected.error, exercise)
        return None if failure is None else _Finding(failure, "other")
    if got.error is not None:
        return _Finding(_raised(program, got.error, exercise), "raised", got.error.node)
    for name, values in (("data", got.data), ("grad", got.grad), ("initial_grad", got.initial_grad)):
        if len(values) != program.size:
            return _Finding(SpecFailure(exercise, f"the evaluator returned {len(values)} {name} values for "
                                        f"{program.size} nodes", to_python(program)), "other")
    initial = [i for i, g in enumerate(got.initial_grad) if g != 0]
    if initial:
        rows = [(f"{node_name(i)}.grad before backward()", "0", _fmt(got.initial_grad[i])) for i in initial[:8]]
        return _Finding(SpecFailure("backward", f"{node_name(initial[0])}.grad is "
                                    f"{_fmt(got.initial_grad[initial[0]])} before any backward() call; it must "
                                    "start at 0", to_python(program, show=initial[:8]), rows, HINTS["initial_grad"]),
                        "other")
    magnitude = max((abs(x) for x in expected.data), default=0.0)
    wrong_data = [i for i in range(program.size)
                  if not data_tolerance.close(expected.data[i], got.data[i], magnitude)]
    if wrong_data:
        return _Finding(_wrong_data(program, got, expected, wrong_data, exercise, against), "data", wrong_data[0])
    known = [g for g in expected.grad if g is not None]
    magnitude = max((abs(g) for g in known), default=0.0)
    wrong_grad = [i for i, e in enumerate(expected.grad)
                  if e is not None and not _close(grad_tolerance, e, got.grad[i], magnitude)]
    if wrong_grad:
        failure = _wrong_grad(program, got, expected, wrong_grad, exercise, against, grad_tolerance, magnitude)
        return _Finding(failure, "grad", max(wrong_grad))
    return None


def _expected_error(program: Program, got: Outcome, error: Failure, exercise: str) -> Optional[SpecFailure]:
    where = _where(program, error)
    op = _op_at(program, error.node)
    fill = {"expression": _statement(program, error.node) if op else "this program", "method": _method(op)}
    if got.error is None:
        return SpecFailure(
            exercise, f"expected {error.type} {where}, but no error was raised", _code(program, [error.node]),
            [(f"{node_name(error.node)}" if error.node is not None else "result", error.type, "a number")],
            (HINTS["must_raise"] if error.type == "TypeError" and op and op.kind == "pow" else "").format(**fill),
        )
    if got.error.type != error.type or (error.phase == "build" and got.error.node != error.node):
        return SpecFailure(
            exercise, f"expected {error.type} {where}, but got {got.error.type} {_where(program, got.error)}",
            _code(program, [error.node]), [("error", error.type, f"{got.error.type}: {got.error.message}"[:80])],
            (HINTS["wrong_error"] if op and op.kind == "pow" else "").format(**fill), got.error,
        )
    return None


def _raised(program: Program, error: Failure, exercise: str) -> SpecFailure:
    op = _op_at(program, error.node) if error.phase in ("build", "rule") else None
    where = f" at {error.location}" if error.location else ""
    if error.phase == "load":
        summary = f"the implementation could not be loaded: {error.message}"
    elif error.phase == "build":
        summary = f"{error.type}{where} while computing {_statement(program, error.node)} ({_method(op)})"
    elif error.phase == "backward":
        summary = f"{error.type}{where} in {_name(error.node)}.backward()"
    elif error.phase == "rule":
        node = f"{_name(error.node)} = {op_expression(op)}" if op is not None else "a node made inside an operation"
        summary = f"{error.type}{where} in the _backward of {node}"
    else:
        summary = f"{error.type}: {error.message}"
    fill = {"method": _method(op) if op else "backward()",
            "expression": _statement(program, error.node) if op else "the gradients"}
    missing = _missing_method(op, error)
    slot = re.search(r"object has no attribute '(\w+)'", error.message) if error.type == "AttributeError" else None
    if missing is not None:
        summary = f"not implemented: {missing} ({error.type}{where} while computing " \
                  f"{_statement(program, error.node) if op else _name(error.node) + '.backward()'})"
        hint = HINTS["missing"].format(method=missing)
        exercise = _exercise_of(op) if op is not None else "backward"
    elif error.type == "NotImplementedError":
        hint = HINTS["not_implemented"].format(**fill)
        exercise = _exercise_of(op) if op is not None else exercise
    elif error.type == "RecursionError" and op is not None and error.phase == "build":
        hint = HINTS["recursive_operator"].format(**fill)
        exercise = _exercise_of(op)
    elif error.type == "RecursionError" or error.phase == "crash":
        hint = HINTS["recursion"]
        exercise = "deep"
    elif error.type == "OverflowError" and op is not None and op.kind in ("tanh", "exp"):
        hint = HINTS["overflow"].format(**fill)
        exercise = _exercise_of(op)
    elif error.type == "TypeError" and "unhashable type" in error.message:
        hint = HINTS["unhashable"]
        exercise = "backward"
    elif slot is not None and error.location.endswith("in __init__"):
        hint = HINTS["slots"].format(attribute=slot.group(1))
    elif error.type == "AttributeError" and re.search(r"'(float|int)' object has no attribute '(data|grad)'",
                                                      error.message):
        hint = HINTS["wrap"].format(**fill)
        exercise = _exercise_of(op) if op is not None else exercise
    elif error.phase == "rule" and op is not None:
        hint = HINTS["backward_error"].format(method=method_name(op), rule=RULES[op.kind])
        exercise = _exercise_of(op)
    else:
        hint = HINTS["error"].format(**fill)
    message = f"{error.type}: {error.message}" if error.message else error.type
    return SpecFailure(exercise, summary, _code(program, [] if error.node is None else [error.node]),
                       [("exception", "none", message[:120])], hint, error)


def _missing_method(op: Optional[Op], error: Failure) -> Optional[str]:
    """``Value.tanh`` when ``error`` says the Value class lacks the method ``op`` (or backward) calls."""
    if error.type == "AttributeError":
        match = re.search(r"'(\w+)' object has no attribute '(\w+)'", error.message)
        if match is None:
            return None
        wanted = op.kind if op is not None and op.kind in UNARY and op.kind != "neg" else "backward"
        if error.phase in ("build", "backward") and match.group(2) == wanted and match.group(1) != "float":
            return f"Value.{wanted}"
        return None
    if error.type == "TypeError" and op is not None and error.message.startswith(
            ("unsupported operand type", "bad operand type")):
        return method_name(op)
    return None


#: the exercise that implements each operation (reflected operators have their own)
_EXERCISE_OF: Dict[str, str] = {"add": "add", "mul": "mul", "pow": "pow", "neg": "neg_sub", "sub": "neg_sub",
                                "div": "div", "relu": "relu", "tanh": "tanh", "exp": "exp", "log": "log"}


def _exercise_of(op: Op) -> str:
    if op.kind in BINARY and isinstance(op.args[0], Const):
        return "reflected"
    return _EXERCISE_OF[op.kind]


def _wrong_data(program: Program, got: Outcome, expected: Outcome, wrong: List[int], exercise: str,
                against: str) -> SpecFailure:
    culprit = wrong[0]
    op = _op_at(program, culprit)
    rows: List[Row] = [(f"{node_name(i)}.data", *_pair(expected.data[i], got.data[i])) for i in wrong[:6]]
    if op is None:
        summary = f"{node_name(culprit)}.data is {_fmt(got.data[culprit])}, but Value({program.leaves[culprit]!r}) " \
                  f"must keep its number"
        return SpecFailure(exercise, summary, _code(program, [culprit]), rows, "store the number in self.data.")
    shown = _pair(expected.data[culprit], got.data[culprit])
    summary = f"wrong value{against}: {_statement(program, culprit)} gives {shown[1]}, expected {shown[0]}"
    show = [*op.refs, culprit]
    hint = HINTS["forward"].format(expression=op_expression(op), method=method_name(op))
    return SpecFailure(exercise, summary, _code(program, show), rows, hint)


def _wrong_grad(program: Program, got: Outcome, expected: Outcome, wrong: List[int], exercise: str, against: str,
                tolerance: Tolerance, magnitude: float) -> SpecFailure:
    leaves = range(len(program.leaves))
    rows: List[Row] = []
    for i in [*leaves, *(i for i in wrong if i >= len(program.leaves))][:10]:
        mark = "   <- wrong" if i in wrong else ""
        shown = _pair(expected.grad[i], got.grad[i])
        rows.append((f"{node_name(i)}.grad", shown[0], shown[1] + mark))
    culprit = max(wrong)
    first = min(wrong, key=lambda i: (i >= len(program.leaves), i))
    shown = _pair(expected.grad[first], got.grad[first])
    summary = f"wrong gradient{against}: {node_name(first)}.grad is {shown[1]}, expected {shown[0]}"
    if len(wrong) > 1:
        summary += f" ({len(wrong)} nodes wrong)"
    if program.build == "kit":
        hint, diagnosed = _diagnose_backward(program, got, expected, tolerance, magnitude), "backward"
        order = _calls_row(program, got)
        if order is not None:
            rows.append(order)
    else:
        hint, diagnosed = _diagnose(program, got, expected, culprit, exercise, tolerance, magnitude)
    show = sorted({*leaves, *wrong[:6]})
    return SpecFailure(diagnosed, summary, _code(program, show), rows, hint)


def _users(program: Program) -> Dict[int, List[int]]:
    """node -> the operation nodes that read it."""
    users: Dict[int, List[int]] = {}
    for node, op in program.nodes():
        for ref in dict.fromkeys(op.refs):
            users.setdefault(ref, []).append(node)
    return users


def _calls_row(program: Program, got: Outcome) -> Optional[Row]:
    """The row showing the order of the ``_backward`` calls, against a correct order."""
    if not got.calls:
        return None
    root = program.roots[0]
    needed = sorted((n for n in ancestors(program, root) if n >= len(program.leaves)), reverse=True)
    shown = [node_name(n) for n in got.calls[0][:12]]
    more = ", ..." if len(got.calls[0]) > 12 else ""
    return ("_backward calls, in order", ", ".join(node_name(n) for n in needed[:12]), ", ".join(shown) + more)


def _diagnose_backward(program: Program, got: Outcome, expected: Outcome, tolerance: Tolerance,
                       magnitude: float) -> str:
    """What backward() did wrong on a graph the kit built: from the roots' grads and the order in
    which it called the nodes' ``_backward`` (each node's own rule is the kit's, so it is right)."""
    for root in program.roots:
        e = expected.grad[root]
        if e is not None and not _close(tolerance, e, got.grad[root], magnitude):
            return HINTS["seed"]
    first_op = len(program.leaves)
    users = _users(program)
    for k, root in enumerate(program.roots):
        calls = got.calls[k] if k < len(got.calls) else ()
        needed = [n for n in ancestors(program, root) if n >= first_op]
        counts = Counter(calls)
        position: Dict[int, int] = {}
        for i, node in enumerate(calls):
            position.setdefault(node, i)
        late = [n for n in needed if n in position
                and any(u in position and position[u] > position[n] for u in users.get(n, ()) if u in needed)]
        if late and calls and calls[0] == root:
            return HINTS["preorder"]
        if late:
            return HINTS["not_reversed"] if calls and calls[-1] == root else HINTS["order"]
        if any(counts[n] > 1 for n in needed):
            return HINTS["twice"]
        missing = [n for n in needed if counts[n] == 0]
        if missing:
            twin = next((n for n in needed if counts[n] and n != missing[0]
                         and expected.data[n] == expected.data[missing[0]]), None)
            if twin is not None:
                return HINTS["value_equality"].format(node=node_name(missing[0]), twin=node_name(twin))
            return HINTS["missed"].format(node=node_name(missing[0]))
    reached = {n for root in program.roots for n in ancestors(program, root)}
    if any(g not in (0, None) for n, g in enumerate(got.grad) if n not in reached and n >= first_op):
        return HINTS["unreached"]
    if len(program.roots) > 1:
        return HINTS["reset"]
    return HINTS["order"]


def _close(tolerance: Tolerance, expected: float, got: Optional[float], magnitude: float) -> bool:
    return got is not None and tolerance.close(expected, got, magnitude)


def _diagnose(program: Program, got: Outcome, expected: Outcome, culprit: int, exercise: str,
              tolerance: Tolerance, magnitude: float) -> Tuple[str, str]:
    """The likeliest misconception behind the wrong grad closest to the roots, and its exercise."""
    g, e = got.grad[culprit], expected.grad[culprit]
    assert e is not None
    close = lambda a, b: tolerance.close(b, a, magnitude)  # noqa: E731
    kit_backward = program.backward == "kit"  # the kit's traversal ran: seed, order and visits are right
    if culprit in program.roots and not kit_backward:
        return HINTS["seed"], "backward"
    uses = [(node, op, position) for node, op in program.nodes()
            for position, arg in enumerate(op.args) if arg == culprit and not isinstance(arg, Const)]
    if not uses:
        return HINTS["unreached"], "backward" if not kit_backward else exercise
    parts: List[float] = []
    for node, op, position in uses:
        upstream = expected.grad[node]
        local = _local_derivative(op, position, expected.data, node)
        if upstream is None or local is None:
            parts = []
            break
        parts.append(local * upstream)
    if parts and len(uses) > 1 and any(close(g, p) for p in parts) and not close(g, sum(parts)):
        return HINTS["accumulation"], "accumulation"
    if e != 0 and close(g, 2 * e) and not kit_backward:
        return HINTS["twice"], "backward"
    consumer = _op_at(program, uses[0][0])
    assert consumer is not None
    if consumer.kind == "relu" and expected.data[culprit] == 0:
        return HINTS["relu_zero"], "relu"
    if exercise in ("backward", "deep") and all(_op_at(program, n) is not None for n, _, _ in uses) \
            and not kit_backward:
        return HINTS["order"], "backward"
    if len(uses) > 1 and exercise == "accumulation":
        return HINTS["accumulation"], "accumulation"
    kinds = list(dict.fromkeys(op.kind for _, op, _ in uses))
    return " ".join(HINTS["rule"].format(method=method_name(op), rule=RULES[op.kind])
                    for op in (next(o for _, o, _ in uses if o.kind == k) for k in kinds)), exercise


def _local_derivative(op: Op, position: int, data: Sequence[float], node: int) -> Optional[float]:
    """d op / d (its operand at ``position``), from the expected data; None where undefined."""
    values = [a.value if isinstance(a, Const) else data[a] for a in op.args]
    out = data[node]
    try:
        if op.kind == "add":
            return 1.0
        if op.kind == "sub":
            return 1.0 if position == 0 else -1.0
        if op.kind == "mul":
            return float(values[1 - position])
        if op.kind == "div":
            return 1 / values[1] if position == 0 else -values[0] / values[1] ** 2
        if op.kind == "pow":
            return values[1] * values[0] ** (values[1] - 1) if position == 0 else None
        if op.kind == "neg":
            return -1.0
        if op.kind == "relu":
            return 1.0 if values[0] > 0 else 0.0
        if op.kind == "tanh":
            return 1 - out**2
        if op.kind == "exp":
            return out
        return 1 / values[0]
    except (ArithmeticError, TypeError):
        return None


def _op_at(program: Program, node: Optional[int]) -> Optional[Op]:
    if node is None or not len(program.leaves) <= node < program.size:
        return None
    return program.ops[node - len(program.leaves)]


def _statement(program: Program, node: Optional[int]) -> str:
    op = _op_at(program, node)
    if op is None or node is None:
        return f"Value({program.leaves[node]!r})" if node is not None and 0 <= node < len(program.leaves) else "?"
    return f"{node_name(node)} = {op_expression(op)}"


def _method(op: Optional[Op]) -> str:
    return method_name(op) if op is not None else "Value"


def _name(node: Optional[int]) -> str:
    return "?" if node is None else node_name(node)


def _where(program: Program, error: Failure) -> str:
    if error.phase == "build":
        return f"while computing {_statement(program, error.node)}"
    if error.phase == "backward":
        return f"in {_name(error.node)}.backward()"
    if error.phase == "rule":
        return f"in the _backward of {_name(error.node)}"
    return f"while reading the results ({error.phase})"


def _code(program: Program, nodes: Sequence[Optional[int]]) -> str:
    """The runnable snippet, printing the leaves and ``nodes`` (only nodes that exist when it runs).

    A program with its own ``runnable_code(show)`` (a long chain printed as a loop) uses it.
    """
    custom = getattr(program, "runnable_code", None)
    if callable(custom):
        return str(custom([n for n in nodes if n is not None]))
    show = sorted({*range(len(program.leaves)), *(n for n in nodes if n is not None and 0 <= n < program.size)})
    return to_python(program, show=show)


def _fmt(x: Optional[float], other: Optional[float] = None) -> str:
    """``x`` with as few significant digits (at least 6) as tell it apart from ``other``."""
    if x is None:
        return "unknown"
    if isinstance(x, int) and not isinstance(x, bool):
        return str(x)
    for digits in range(6, 18):
        text = f"{x:.{digits}g}"
        if other is None or other == x or text != f"{other:.{digits}g}":
            return text
    return repr(x)


def _pair(expected: Optional[float], got: Optional[float]) -> Tuple[str, str]:
    return _fmt(expected, got), _fmt(got, expected)


# -- probes: one operation on fresh leaves, to tell which method a failure comes from --------------

#: a method is (operation kind, reflected); the methods each one is built from in micrograd
#: (a - b is a + (-b), -a is a * -1, a / b is a * b**-1, 2 + a is a + 2, ...), checked first
_Method = Tuple[str, bool]
_BUILT_FROM: Dict[_Method, Tuple[_Method, ...]] = {
    ("neg", False): (("mul", False),),
    ("sub", False): (("neg", False), ("add", False)),
    ("div", False): (("pow", False), ("mul", False)),
    ("add", True): (("add", False),),
    ("mul", True): (("mul", False),),
    ("sub", True): (("neg", False), ("add", True)),
    ("div", True): (("pow", False), ("mul", True)),
}
_PROBE_SCALE = -1.5
_ProbeResult = Optional[Tuple[Program, Outcome, Outcome, "_Finding"]]
_PROBE_CACHE: weakref.WeakKeyDictionary[Any, Dict[Tuple[Any, Program], _ProbeResult]] = \
    weakref.WeakKeyDictionary()


def _method_of(op: Op) -> _Method:
    return op.kind, op.kind in BINARY and isinstance(op.args[0], Const)


def _probe_op(method: _Method) -> List[Tuple[Tuple[float, ...], Op]]:
    kind, reflected = method
    if reflected:
        return [((1.5,), Op(kind, (Const(2.5), 0)))]
    if kind == "pow":
        return [((1.5,), Op("pow", (0, Const(3))))]
    if kind in BINARY:
        return [((1.5, -2.5), Op(kind, (0, 1)))]
    if kind == "relu":
        return [((1.5,), Op("relu", (0,))), ((-1.5,), Op("relu", (0,)))]
    return [((1.5 if kind == "log" else 0.7,), Op(kind, (0,)))]


def _probes(method: _Method) -> List[Tuple[Program, Program]]:
    """(the operation with out.grad 1, the operation with out.grad -1.5) for each probe of ``method``,
    judged with the kit's traversal, so only the method (and what it is built from) is tested."""
    pairs = []
    for leaves, op in _probe_op(method):
        n = len(leaves)
        pairs.append((Program(leaves, (op,), (n,), backward="kit"),
                      Program(leaves, (op,), (n,), backward="kit", seeds=(_PROBE_SCALE,))))
    return pairs


def _run_probe(impl: Any, oracle: Any, program: Program) -> _ProbeResult:
    """(program, got, expected, finding) if ``impl`` disagrees with ``oracle`` on ``program``, else None.

    Results are cached per evaluator object (probes run again on every failing example while
    Hypothesis shrinks); an evaluator must be created anew when the implementation changes.
    """
    try:
        cache = _PROBE_CACHE.setdefault(impl, {})
    except TypeError:
        cache = {}
    key = (getattr(oracle, "name", id(oracle)), program)
    if key not in cache:
        # probing is best effort: an oracle or evaluator that cannot answer leaves the first verdict alone
        try:
            got = impl.evaluate(program)
            expected = oracle.evaluate(program)
            usable = expected.error is None and len(expected.data) == len(expected.grad) == program.size
            found = _find(program, got, expected, "add", oracle) if usable else None
        except Exception:  # noqa: BLE001 (an evaluator may fail in any way; the verdict stands without probes)
            found = None
        cache[key] = None if found is None else (program, got, expected, found)
    return cache[key]


def _blame(impl: Any, oracle: Any, method: _Method, depth: int = 0,
           shown: Optional[Program] = None) -> Optional[Tuple[_Method, str, str]]:
    """(method, hint, how) for the first probe of ``method`` (or of what it is built from) that fails.

    A hint quotes the operation of ``shown`` (the counterexample) that calls the method, if it has
    one, rather than the probe's, so the hint and the snippet beside it use the same numbers."""
    for single, scaled in _probes(method):
        failed = _run_probe(impl, oracle, single)
        how = "single"
        if failed is None:
            failed = _run_probe(impl, oracle, scaled)
            how = "scaled"
        if failed is None:
            continue
        if depth < 3:
            for part in _BUILT_FROM.get(method, ()):
                blamed = _blame(impl, oracle, part, depth + 1, shown)
                if blamed is not None:
                    return blamed
        program, got, expected, found = failed
        op = program.ops[0]
        quoted = next((o for o in (shown.ops if shown is not None else ()) if _method_of(o) == method), op)
        fill = {"method": method_name(op), "rule": RULES[op.kind], "expression": op_expression(quoted)}
        if found.kind == "raised":
            error = got.error
            assert error is not None
            if error.phase in ("backward", "rule") and error.type not in ("RecursionError", "AttributeError"):
                return method, HINTS["backward_error"].format(**fill), how
            return method, found.failure.hint, how
        if found.kind == "data":
            return method, HINTS["forward"].format(**fill), how
        if found.kind != "grad":
            return method, found.failure.hint, how
        leaves = range(len(program.leaves))
        if how == "scaled":
            if all(_unchained(got.grad[i], expected.grad[i]) for i in leaves):
                return method, HINTS["chain"].format(**fill), how
        return method, HINTS["rule"].format(**fill), how
    return None


def _unchained(got: Optional[float], expected: Optional[float]) -> bool:
    """Is ``got`` the probe's expected grad without its factor out.grad = -1.5?"""
    return got is not None and expected is not None and math.isclose(got * _PROBE_SCALE, expected, rel_tol=1e-9,
                                                                      abs_tol=1e-12)


def _program_methods(program: Program, first: Sequence[int] = ()) -> List[_Method]:
    """The methods ``program`` calls: those of the nodes ``first`` first, then the rest in exercise order."""
    methods = [_method_of(op) for node in first if (op := _op_at(program, node)) is not None]
    order = list(_EXERCISE_OF)
    rest = sorted({_method_of(op) for op in program.ops}, key=lambda m: (m[1], order.index(m[0])))
    return list(dict.fromkeys([*methods, *rest]))


def _explain(impl: Any, oracle: Any, program: Program, got: Outcome, expected: Outcome,
             found: _Finding) -> SpecFailure:
    """``found``'s failure, with its hint and exercise corrected by probing single operations."""
    failure = found.failure
    if program.build == "kit":  # only backward() ran: its own diagnosis says what it did
        return failure
    if found.kind == "raised":
        error = failure.failure
        if error is None or error.phase not in ("backward", "rule") or failure.hint not in (
                HINTS["error"].format(method="backward()", expression="the gradients"),
                HINTS["error"].format(method="backward()", expression="this program")):
            return failure
        methods = _program_methods(program)
    elif found.kind == "data" and found.culprit is not None:
        methods = _program_methods(program, [found.culprit])[:1]
    elif found.kind == "grad" and found.culprit is not None:
        if failure.hint == HINTS["seed"]:
            return failure
        users = [node for node, op in program.nodes() if found.culprit in op.refs]
        methods = _program_methods(program, users)
    else:
        return failure
    for method in methods:
        blamed = _blame(impl, oracle, method, shown=program)
        if blamed is not None:
            blamed_method, hint, _how = blamed
            if found.kind == "raised" and "_backward" not in hint:
                op = next(o for o in program.ops if _method_of(o) == blamed_method) \
                    if any(_method_of(o) == blamed_method for o in program.ops) else None
                rule = RULES[blamed_method[0]]
                hint = HINTS["backward_error"].format(method=method_name(op) if op else blamed_method[0], rule=rule)
            failure.hint = hint
            kind, reflected = blamed_method
            failure.exercise = "reflected" if reflected else _EXERCISE_OF[kind]
            return failure
    return failure
