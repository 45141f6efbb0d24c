"""Comparing an implementation's Outcome with an oracle's, and saying how they differ.

The order of the checks is the order in which a student can act on them: the
implementation raised; a grad was not 0 before backward(); a forward value is wrong
(the first wrong node is the culprit: later ones inherit its error); a gradient is wrong
(the wrong node closest to the roots is the culprit: gradients flow from the roots, see
:mod:`micrograd.verdict._diagnose`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, List, Optional

from micrograd.ops import OPERATIONS, OVERFLOWS, RULES
from micrograd.oracles import Oracle
from micrograd.program import Const, Failure, Op, Outcome, Program, node_name, op_expression, to_python
from micrograd.verdict._describe import (
    code,
    exercise_of_op,
    fmt,
    method,
    method_name,
    name,
    op_at,
    pair,
    statement,
    where,
)
from micrograd.verdict._diagnose import calls_row, close, diagnose, diagnose_backward
from micrograd.verdict._failure import Row, SpecFailure
from micrograd.verdict._hints import HINTS, against
from micrograd.verdict._tolerance import EXACT, REFINE_AGREEMENT, Tolerance, tolerance_for

__all__ = ["Finding", "compare", "compare_outcomes", "find", "refine_finite_differences"]


@dataclass
class Finding:
    """A SpecFailure and what kind of difference produced it (for :func:`_explain`)."""

    failure: SpecFailure
    kind: str  # "raised", "data", "grad" or "other"
    culprit: Optional[int] = None


def find(program: Program, got: Outcome, expected: Outcome, exercise: str, oracle: Oracle) -> Optional[Finding]:
    data_tol, grad_tol = tolerance_for(oracle)
    return compare(program, got, expected, exercise, data_tol, grad_tol, getattr(oracle, "name", ""))


def refine_finite_differences(oracle: Oracle, program: Program, coarse: Outcome) -> Optional[Outcome]:
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
        remake: Callable[..., Oracle] = type(oracle)  # an oracle with a step takes it as a keyword (FiniteDifferences)
        finer = remake(step=step / 8, max_nodes=getattr(oracle, "max_nodes", program.size))
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
    found = compare(program, got, expected, exercise, data_tolerance, grad_tolerance, oracle_name)
    return None if found is None else found.failure


def compare(program: Program, got: Outcome, expected: Outcome, exercise: str, data_tolerance: Tolerance,
             grad_tolerance: Tolerance, oracle_name: str) -> Optional[Finding]:
    checked = against(oracle_name)
    if expected.error is not None:
        failure = _expected_error(program, got, expected.error, exercise)
        return None if failure is None else Finding(failure, "other")
    if got.error is not None:
        return Finding(_raised(program, got.error, exercise), "raised", got.error.node)
    for field, values in (("data", got.data), ("grad", got.grad), ("initial_grad", got.initial_grad)):
        if len(values) != program.size:
            return Finding(SpecFailure(exercise, f"the evaluator returned {len(values)} {field} values for "
                                        f"{program.size} nodes", to_python(program)), "other")
    initial = [i for i, g in enumerate(got.initial_grad) if g != 0]
    if initial:
        rows = [(f"{node_name(i)}.grad before backward()", "0", fmt(got.initial_grad[i])) for i in initial[:8]]
        return Finding(SpecFailure("backward", f"{node_name(initial[0])}.grad is "
                                    f"{fmt(got.initial_grad[initial[0]])} before any backward() call; it must "
                                    "start at 0",
                                    to_python(program, show=initial[:8], before_backward=True), rows,
                                    HINTS["initial_grad"]),
                        "other")
    magnitude = max((abs(x) for x in expected.data), default=0.0)
    wrong_data = [i for i in range(program.size)
                  if not data_tolerance.close(expected.data[i], got.data[i], magnitude)]
    if wrong_data:
        return Finding(_wrong_data(program, got, expected, wrong_data, exercise, checked), "data", wrong_data[0])
    known = [g for g in expected.grad if g is not None]
    magnitude = max((abs(g) for g in known), default=0.0)
    wrong_grad = [i for i, e in enumerate(expected.grad)
                  if e is not None and not close(grad_tolerance, e, got.grad[i], magnitude)]
    if wrong_grad:
        failure = _wrong_grad(program, got, expected, wrong_grad, exercise, checked, grad_tolerance, magnitude)
        return Finding(failure, "grad", max(wrong_grad))
    return None


def _expected_error(program: Program, got: Outcome, error: Failure, exercise: str) -> Optional[SpecFailure]:
    said = where(program, error)
    op = op_at(program, error.node)
    fill = {"expression": statement(program, error.node) if op else "this program", "method": method(op)}
    if got.error is None:
        return SpecFailure(
            exercise, f"expected {error.type} {said}, but no error was raised", code(program, [error.node]),
            [(f"{node_name(error.node)}" if error.node is not None else "result", error.type, "a number")],
            (HINTS["must_raise"] if error.type == "TypeError" and _takes_numbers(op) else "").format(**fill),
        )
    if got.error.type != error.type or (error.phase == "build" and got.error.node != error.node):
        return SpecFailure(
            exercise, f"expected {error.type} {said}, but got {got.error.type} {where(program, got.error)}",
            code(program, [error.node]), [("error", error.type, f"{got.error.type}: {got.error.message}"[:80])],
            (HINTS["wrong_error"] if _takes_numbers(op) else "").format(**fill), got.error,
        )
    return None


def _raised(program: Program, error: Failure, exercise: str) -> SpecFailure:
    op = op_at(program, error.node) if error.phase in ("build", "rule") else None
    at = f" at {error.location}" if error.location else ""
    if error.phase == "load":
        summary = f"the implementation could not be loaded: {error.message}"
    elif error.phase == "build":
        summary = f"{error.type}{at} while computing {statement(program, error.node)} ({method(op)})"
    elif error.phase == "backward":
        summary = f"{error.type}{at} in {name(error.node)}.backward()"
    elif error.phase == "rule":
        node = f"{name(error.node)} = {op_expression(op)}" if op is not None else "a node made inside an operation"
        summary = f"{error.type}{at} in the _backward of {node}"
    else:
        summary = f"{error.type}: {error.message}"
    fill = {"method": method(op) if op else "backward()",
            "expression": statement(program, error.node) if op else "the gradients"}
    missing = _missing_method(op, error)
    slot = re.search(r"object has no attribute '(\w+)'", error.message) if error.type == "AttributeError" else None
    if missing is not None:
        summary = f"not implemented: {missing} ({error.type}{at} while computing " \
                  f"{statement(program, error.node) if op else name(error.node) + '.backward()'})"
        hint = HINTS["missing"].format(method=missing)
        exercise = exercise_of_op(op) if op is not None else "backward"
    elif error.type == "NotImplementedError":
        hint = HINTS["not_implemented"].format(**fill)
        exercise = exercise_of_op(op) if op is not None else exercise
    elif error.type == "RecursionError" and op is not None and error.phase == "build":
        operation = OPERATIONS[op.kind]
        if op.reflected or not operation.reflected or not operation.symbol:
            hint = HINTS["recursive_operator"].format(**fill)
        else:  # a forward pass computing number <op> Value bounces between the method and its reflection
            hint = HINTS["mixed_operand"].format(**fill, symbol=operation.symbol, reflected=operation.reflected)
        exercise = exercise_of_op(op)
    elif _rejects_float(program, op, error):
        hint = HINTS["float_exponent"].format(**fill, error=error.type)
        exercise = exercise_of_op(op) if op is not None else exercise
    elif error.type == "RecursionError" or error.phase == "crash":
        hint = HINTS["recursion"]
        exercise = "deep"
    elif error.type == "OverflowError" and op is not None and op.kind in OVERFLOWS:
        hint = HINTS["overflow"].format(**fill)
        exercise = exercise_of_op(op)
    elif error.type == "TypeError" and "unhashable type" in error.message:
        hint = HINTS["unhashable"]
        exercise = "backward"
    elif slot is not None and error.location.endswith("in __init__"):
        hint = HINTS["slots"].format(attribute=slot.group(1))
    elif error.type == "AttributeError" and re.search(r"'(float|int)' object has no attribute '(data|grad)'",
                                                      error.message):
        hint = HINTS["wrap"].format(**fill)
        exercise = exercise_of_op(op) if op is not None else exercise
    elif error.phase == "rule" and op is not None:
        hint = HINTS["backward_error"].format(method=method_name(op), rule=RULES[op.kind])
        exercise = exercise_of_op(op)
    else:
        hint = HINTS["error"].format(**fill)
    message = f"{error.type}: {error.message}" if error.message else error.type
    return SpecFailure(exercise, summary, code(program, [] if error.node is None else [error.node]),
                       [("exception", "none", message[:120])], hint, error)


def _rejects_float(program: Program, op: Optional[Op], error: Failure) -> bool:
    """Whether ``op``'s method raised while building on a float operand that a correct engine takes as a plain
    number (``a ** 0.5`` refused by ``isinstance(other, int)``)."""
    if op is None or error.phase != "build" or error.type not in ("TypeError", "AssertionError", "ValueError"):
        return False
    floats = [op.args[i] for i in OPERATIONS[op.kind].numbers if i < len(op.args)]
    return any(isinstance(a, Const) and isinstance(a.value, float) for a in floats) \
        and error.location.endswith(f" in {OPERATIONS[op.kind].method}")


def _missing_method(op: Optional[Op], error: Failure) -> Optional[str]:
    """``Value.tanh`` when ``error`` says the Value class lacks the method ``op`` (or backward) calls."""
    if error.type == "AttributeError":
        match = re.search(r"'(\w+)' object has no attribute '(\w+)'", error.message)
        if match is None:
            return None
        operation = OPERATIONS[op.kind] if op is not None else None
        wanted = operation.method if operation is not None and not operation.method.startswith("__") else "backward"
        if error.phase in ("build", "backward") and match.group(2) == wanted and match.group(1) != "float":
            return f"Value.{wanted}"
        return None
    if error.type == "TypeError" and op is not None and not error.location and error.message.startswith(
            ("unsupported operand type", "bad operand type")):
        return method_name(op)  # Python found no method to call: the error comes from no line of the student's
    return None


def _wrong_data(program: Program, got: Outcome, expected: Outcome, wrong: List[int], exercise: str,
                checked: str) -> SpecFailure:
    culprit = wrong[0]
    op = op_at(program, culprit)
    rows: List[Row] = [(f"{node_name(i)}.data", *pair(expected.data[i], got.data[i])) for i in wrong[:6]]
    if op is None:
        summary = f"{node_name(culprit)}.data is {fmt(got.data[culprit])}, but Value({program.leaves[culprit]!r}) " \
                  f"must keep its number"
        users = [(node, o) for node, o in program.nodes() if culprit in o.refs]
        if not users:
            return SpecFailure(exercise, summary, code(program, [culprit]), rows, "store the number in self.data.")
        methods = list(dict.fromkeys(method_name(o) for _, o in users))  # one of them changed the leaf
        ran = statement(program, users[0][0]) if len(users) == 1 else f"{len(users)} operations on it"
        hint = HINTS["mutated_input"].format(leaf=node_name(culprit), before=fmt(program.leaves[culprit]),
                                             after=fmt(got.data[culprit]), expression=ran,
                                             method=methods[0] if len(methods) == 1 else "one of " + ", ".join(methods))
        blamed = exercise_of_op(users[0][1]) if len(methods) == 1 else exercise
        return SpecFailure(blamed, summary, code(program, [culprit]), rows, hint)
    shown = pair(expected.data[culprit], got.data[culprit])
    summary = f"wrong value{checked}: {statement(program, culprit)} gives {shown[1]}, expected {shown[0]}"
    show = [*op.refs, culprit]
    hint = HINTS["forward"].format(expression=op_expression(op), method=method_name(op))
    return SpecFailure(exercise, summary, code(program, show), rows, hint)


def _wrong_grad(program: Program, got: Outcome, expected: Outcome, wrong: List[int], exercise: str, checked: str,
                tolerance: Tolerance, magnitude: float) -> SpecFailure:
    leaves = range(len(program.leaves))
    rows: List[Row] = []
    for i in [*leaves, *(i for i in wrong if i >= len(program.leaves))][:10]:
        mark = "   <- wrong" if i in wrong else ""
        shown = pair(expected.grad[i], got.grad[i])
        rows.append((f"{node_name(i)}.grad", shown[0], shown[1] + mark))
    culprit = max(wrong)
    first = min(wrong, key=lambda i: (i >= len(program.leaves), i))
    shown = pair(expected.grad[first], got.grad[first])
    summary = f"wrong gradient{checked}: {node_name(first)}.grad is {shown[1]}, expected {shown[0]}"
    if len(wrong) > 1:
        summary += f" ({len(wrong)} nodes wrong)"
    if program.build == "kit":
        hint, diagnosed = diagnose_backward(program, got, expected, tolerance, magnitude), "backward"
        order = calls_row(program, got)
        if order is not None:
            rows.append(order)
    else:
        hint, diagnosed = diagnose(program, got, expected, culprit, exercise, tolerance, magnitude)
    show = sorted({*leaves, *wrong[:6]})
    return SpecFailure(diagnosed, summary, code(program, show), rows, hint)


def _takes_numbers(op: Optional[Op]) -> bool:
    """Whether ``op`` has an operand a correct engine takes only as a plain number (the exponent of **)."""
    return op is not None and bool(OPERATIONS[op.kind].numbers)
