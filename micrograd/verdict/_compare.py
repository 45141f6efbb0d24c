"""Comparing an implementation's Outcome with an oracle's, and explaining the difference.

The order of the checks is the order in which a student can act on them: the
implementation raised; a grad was not 0 before backward(); a forward value is wrong
(the first wrong node is the culprit: later ones inherit its error); a gradient is wrong
(the wrong node closest to the roots is the culprit: gradients flow from the roots).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

from micrograd.oracles import engine_failure
from micrograd.program import BINARY, Const, Failure, Op, Outcome, Program, node_name, op_expression, to_python
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
    data_tol, grad_tol = tolerance_for(oracle)
    name = getattr(oracle, "name", "")
    failure = compare_outcomes(program, got, expected, exercise=exercise, data_tolerance=data_tol,
                               grad_tolerance=grad_tol, oracle_name=name)
    if failure is not None and failure.failure is None and name == "fd" and expected.error is None:
        refined = refine_finite_differences(oracle, program, expected)
        if refined is not None:
            failure = compare_outcomes(program, got, refined, exercise=exercise, data_tolerance=data_tol,
                                       grad_tolerance=grad_tol, oracle_name=name)
    if failure is not None:
        raise failure
    return got


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
    against = f" (checked against {oracle_name})" if oracle_name else ""
    if expected.error is not None:
        return _expected_error(program, got, expected.error, exercise)
    if got.error is not None:
        return _raised(program, got.error, exercise)
    for name, values in (("data", got.data), ("grad", got.grad), ("initial_grad", got.initial_grad)):
        if len(values) != program.size:
            return SpecFailure(exercise, f"the evaluator returned {len(values)} {name} values for {program.size} "
                               "nodes", to_python(program))
    initial = [i for i, g in enumerate(got.initial_grad) if g != 0]
    if initial:
        rows = [(f"{node_name(i)}.grad before backward()", "0", _fmt(got.initial_grad[i])) for i in initial[:8]]
        return SpecFailure(exercise, f"{node_name(initial[0])}.grad is {_fmt(got.initial_grad[initial[0]])} "
                           "before any backward() call; it must start at 0", to_python(program, show=initial[:8]),
                           rows, HINTS["initial_grad"])
    magnitude = max((abs(x) for x in expected.data), default=0.0)
    wrong_data = [i for i in range(program.size)
                  if not data_tolerance.close(expected.data[i], got.data[i], magnitude)]
    if wrong_data:
        return _wrong_data(program, got, expected, wrong_data, exercise, against)
    known = [g for g in expected.grad if g is not None]
    magnitude = max((abs(g) for g in known), default=0.0)
    wrong_grad = [i for i, e in enumerate(expected.grad)
                  if e is not None and not _close(grad_tolerance, e, got.grad[i], magnitude)]
    if wrong_grad:
        return _wrong_grad(program, got, expected, wrong_grad, exercise, against, grad_tolerance, magnitude)
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
    if error.type == "NotImplementedError":
        hint = HINTS["not_implemented"].format(**fill)
    elif error.type == "RecursionError":
        hint = HINTS["recursion"]
    else:
        hint = HINTS["error"].format(**fill)
    message = f"{error.type}: {error.message}" if error.message else error.type
    return SpecFailure(exercise, summary, _code(program, [] if error.node is None else [error.node]),
                       [("exception", "none", message[:120])], hint, error)


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
    hint = _diagnose(program, got, expected, culprit, exercise, tolerance, magnitude)
    show = sorted({*leaves, *wrong[:6]})
    return SpecFailure(exercise, summary, _code(program, show), rows, hint)


def _close(tolerance: Tolerance, expected: float, got: Optional[float], magnitude: float) -> bool:
    return got is not None and tolerance.close(expected, got, magnitude)


def _diagnose(program: Program, got: Outcome, expected: Outcome, culprit: int, exercise: str,
              tolerance: Tolerance, magnitude: float) -> str:
    """The likeliest misconception behind the wrong grad closest to the roots."""
    g, e = got.grad[culprit], expected.grad[culprit]
    assert e is not None
    close = lambda a, b: tolerance.close(b, a, magnitude)  # noqa: E731
    if culprit in program.roots:
        return HINTS["seed"]
    uses = [(node, op, position) for node, op in program.nodes()
            for position, arg in enumerate(op.args) if arg == culprit and not isinstance(arg, Const)]
    if not uses:
        return HINTS["unreached"]
    parts: List[float] = []
    for node, op, position in uses:
        upstream = expected.grad[node]
        local = _local_derivative(op, position, expected.data, node)
        if upstream is None or local is None:
            parts = []
            break
        parts.append(local * upstream)
    if parts and len(uses) > 1 and any(close(g, p) for p in parts) and not close(g, sum(parts)):
        return HINTS["accumulation"]
    if e != 0 and close(g, 2 * e):
        return HINTS["twice"]
    consumer = _op_at(program, uses[0][0])
    assert consumer is not None
    if consumer.kind == "relu" and expected.data[culprit] == 0:
        return HINTS["relu_zero"]
    if exercise in ("backward", "deep") and all(_op_at(program, n) is not None for n, _, _ in uses):
        return HINTS["order"]
    if len(uses) > 1 and exercise == "accumulation":
        return HINTS["accumulation"]
    kinds = list(dict.fromkeys(op.kind for _, op, _ in uses))
    return " ".join(HINTS["rule"].format(method=method_name(op), rule=RULES[op.kind])
                    for op in (next(o for _, o, _ in uses if o.kind == k) for k in kinds))


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
