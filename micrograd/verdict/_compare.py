"""Comparing an implementation's Outcome with an oracle's, and explaining the difference.

The order of the checks is the order in which a student can act on them: the
implementation raised; a grad was not 0 before backward(); a forward value is wrong
(the first wrong node is the culprit: later ones inherit its error); a gradient is wrong
(the wrong node closest to the roots is the culprit: gradients flow from the roots).

:func:`check_program` then corrects the hint and the exercise named by probing the
implementation with single operations on fresh leaves (``a + b``, then ``(a + b) * -1.5``):
a probe that fails pins the bug on that method's rule (or on what it is built from: ``-b``
before ``a - b``), on out.grad being ignored, or on backward()'s order; when every probe
passes, the bug is in how reuse is handled (``+=``) or in backward().
"""

from __future__ import annotations

import math
import re
import weakref
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

from micrograd.oracles import engine_failure
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
    "recursion": "a recursive topological sort runs out of stack on deep graphs: build the order with "
    "an explicit stack (a list you push to and pop from) instead of recursion.",
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
    "initial_grad": "a new Value's grad must be 0 (set self.grad = 0 in __init__); backward() adds into it.",
    "forward": "the value of {expression} is wrong: check the data that {method} computes.",
    "seed": "backward() must set the root's own grad to 1 before calling the _backward functions.",
    "accumulation": "a node used twice must receive the sum of both contributions: accumulate with += "
    "in _backward (never =).",
    "twice": "each node's _backward must run exactly once per backward(): keep a visited set "
    "while building the topological order.",
    "order": "backward() must call _backward in reverse topological order: a node's _backward may "
    "run only once every node that uses it has run (a diamond, where a node feeds two others, shows it).",
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


def _compare(program: Program, got: Outcome, expected: Outcome, exercise: str, data_tolerance: Tolerance,
             grad_tolerance: Tolerance, oracle_name: str) -> Optional[_Finding]:
    against = f" (checked against {oracle_name})" if oracle_name else ""
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
    op = _op_at(program, error.node) if error.phase == "build" else None
    where = f" at {error.location}" if error.location else ""
    if error.phase == "load":
        summary = f"the implementation could not be loaded: {error.message}"
    elif error.phase == "build":
        summary = f"{error.type}{where} while computing {_statement(program, error.node)} ({_method(op)})"
    elif error.phase == "backward":
        summary = f"{error.type}{where} in {_name(error.node)}.backward()"
    else:
        summary = f"{error.type}: {error.message}"
    fill = {"method": _method(op) if op else "backward()",
            "expression": _statement(program, error.node) if op else "the gradients"}
    missing = _missing_method(op, error)
    if missing is not None:
        summary = f"not implemented: {missing} ({error.type}{where} while computing " \
                  f"{_statement(program, error.node) if op else _name(error.node) + '.backward()'})"
        hint = HINTS["missing"].format(method=missing)
        exercise = _exercise_of(op) if op is not None else "backward"
    elif error.type == "NotImplementedError":
        hint = HINTS["not_implemented"].format(**fill)
        exercise = _exercise_of(op) if op is not None else exercise
    elif error.type == "RecursionError" and op is not None:
        hint = HINTS["recursive_operator"].format(**fill)
        exercise = _exercise_of(op)
    elif error.type == "RecursionError":
        hint = HINTS["recursion"]
        exercise = "deep"
    elif error.type == "OverflowError" and op is not None and op.kind in ("tanh", "exp"):
        hint = HINTS["overflow"].format(**fill)
        exercise = _exercise_of(op)
    elif error.type == "AttributeError" and re.search(r"'(float|int)' object has no attribute '(data|grad)'",
                                                      error.message):
        hint = HINTS["wrap"].format(**fill)
        exercise = _exercise_of(op) if op is not None else exercise
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
    hint, diagnosed = _diagnose(program, got, expected, culprit, exercise, tolerance, magnitude)
    show = sorted({*leaves, *wrong[:6]})
    return SpecFailure(diagnosed, summary, _code(program, show), rows, hint)


def _close(tolerance: Tolerance, expected: float, got: Optional[float], magnitude: float) -> bool:
    return got is not None and tolerance.close(expected, got, magnitude)


def _diagnose(program: Program, got: Outcome, expected: Outcome, culprit: int, exercise: str,
              tolerance: Tolerance, magnitude: float) -> Tuple[str, str]:
    """The likeliest misconception behind the wrong grad closest to the roots, and its exercise."""
    g, e = got.grad[culprit], expected.grad[culprit]
    assert e is not None
    close = lambda a, b: tolerance.close(b, a, magnitude)  # noqa: E731
    if culprit in program.roots:
        return HINTS["seed"], "backward"
    uses = [(node, op, position) for node, op in program.nodes()
            for position, arg in enumerate(op.args) if arg == culprit and not isinstance(arg, Const)]
    if not uses:
        return HINTS["unreached"], "backward"
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
    if e != 0 and close(g, 2 * e):
        return HINTS["twice"], "backward"
    consumer = _op_at(program, uses[0][0])
    assert consumer is not None
    if consumer.kind == "relu" and expected.data[culprit] == 0:
        return HINTS["relu_zero"], "relu"
    if exercise in ("backward", "deep") and all(_op_at(program, n) is not None for n, _, _ in uses):
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
    """(the operation as the root, the operation times -1.5) for each probe of ``method``."""
    pairs = []
    for leaves, op in _probe_op(method):
        n = len(leaves)
        pairs.append((Program(leaves, (op,), (n,)), Program(leaves, (op, Op("mul", (n, Const(_PROBE_SCALE)))),
                                                             (n + 1,))))
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


def _blame(impl: Any, oracle: Any, method: _Method, depth: int = 0) -> Optional[Tuple[_Method, str, str]]:
    """(method, hint, how) for the first probe of ``method`` (or of what it is built from) that fails."""
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
                blamed = _blame(impl, oracle, part, depth + 1)
                if blamed is not None:
                    return blamed
        program, got, expected, found = failed
        op = program.ops[0]
        fill = {"method": method_name(op), "rule": RULES[op.kind], "expression": op_expression(op)}
        if found.kind == "raised":
            error = got.error
            assert error is not None
            if error.phase == "backward" and error.type not in ("RecursionError", "AttributeError"):
                return method, HINTS["backward_error"].format(**fill), how
            return method, found.failure.hint, how
        if found.kind == "data":
            return method, HINTS["forward"].format(**fill), how
        if found.kind != "grad":
            return method, found.failure.hint, how
        leaves = range(len(program.leaves))
        if how == "scaled":
            if all(got.grad[i] == 0 for i in leaves) and any(expected.grad[i] for i in leaves):
                return method, HINTS["order"], "order"
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
    if found.kind == "raised":
        error = failure.failure
        if error is None or error.phase != "backward" or failure.hint != HINTS["error"].format(
                method="backward()", expression="the gradients"):
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
        blamed = _blame(impl, oracle, method)
        if blamed is not None:
            blamed_method, hint, how = blamed
            if found.kind == "raised" and "_backward" not in hint:
                op = next(o for o in program.ops if _method_of(o) == blamed_method) \
                    if any(_method_of(o) == blamed_method for o in program.ops) else None
                rule = RULES[blamed_method[0]]
                hint = HINTS["backward_error"].format(method=method_name(op) if op else blamed_method[0], rule=rule)
            failure.hint = hint
            kind, reflected = blamed_method
            failure.exercise = "backward" if how == "order" else "reflected" if reflected else _EXERCISE_OF[kind]
            return failure
    return failure
