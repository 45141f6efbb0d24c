"""Probes: one operation on fresh leaves, to tell which method a failure comes from.

When a property fails, :func:`explain` corrects the hint and the exercise named by probing the
implementation with single operations, judged with the kit's backward pass (``a + b`` with
out.grad 1, then with out.grad -1.5): a probe that fails pins the bug on that method's rule (or on
what it is built from: ``-b`` before ``a - b``, see ``Operation.built_from``) or on out.grad being
ignored; when every probe passes, the bug is in how reuse is handled (``+=``) or in backward().
Each operation is probed at the table's ``samples``.
"""

from __future__ import annotations

import math
import weakref
from typing import Any, Dict, List, Optional, Sequence, Tuple

from micrograd.impl import Evaluator
from micrograd.ops import EXERCISES, OPERATIONS, REFLECTED, RULES, Form, exercise_of, operations_in
from micrograd.oracles import Oracle
from micrograd.program import Const, Op, Outcome, Program, node_name, op_expression
from micrograd.verdict._compare import Finding, find
from micrograd.verdict._describe import method_name, op_at
from micrograd.verdict._failure import SpecFailure
from micrograd.verdict._hints import HINTS

__all__ = ["Method", "built_from", "explain", "samples"]

#: a method: (operation, reflected), ``("sub", True)`` is ``Value.__rsub__``
Method = Tuple[str, bool]


def built_from(method: Method) -> Tuple[Method, ...]:
    """The methods micrograd computes ``method`` with, innermost first (``a - b`` is ``a + (-b)``: neg, then
    add), from the table's ``built_from`` and ``reflected_from``: checked before the method itself."""
    kind, reflected = method
    operation = OPERATIONS[kind]
    form = operation.reflected_from if reflected else operation.built_from
    found: List[Method] = []

    def walk(part: Form) -> bool:  # is the value of ``part`` a Value (not a plain number)?
        if isinstance(part, str):
            position = "ab".index(part)
            return not (reflected and position == 0) and position not in operation.numbers
        if not isinstance(part, tuple):
            return False
        nodes = [walk(p) for p in part[1:]]
        if not any(nodes):
            return False  # plain numbers: Python computes it
        found.append((part[0], len(nodes) == 2 and not nodes[0] and nodes[1]))
        return True

    if form is not None:
        walk(form)
    return tuple(m for m in dict.fromkeys(found) if m != method)


def samples(method: Method) -> List[Tuple[Tuple[float, ...], Op]]:
    """(leaves, operation) probing ``method`` at each of the table's samples: the operands are leaves but
    those a correct engine takes as plain numbers; a reflected method has the first operand as a number."""
    kind, reflected = method
    operation = OPERATIONS[kind]
    probes: List[Tuple[Tuple[float, ...], Op]] = []
    for sample in operation.samples:
        if reflected:
            probes.append(((float(sample[1]),), Op(kind, (Const(sample[0]), 0))))
            continue
        leaves: List[float] = []
        args: List[Any] = []
        for i, value in enumerate(sample):
            if i in operation.numbers:
                args.append(Const(value))
            else:
                args.append(len(leaves))
                leaves.append(float(value))
        probes.append((tuple(leaves), Op(kind, tuple(args))))
    return probes[:1] if reflected else probes


_PROBE_SCALE = -1.5
_ProbeResult = Optional[Tuple[Program, Outcome, Outcome, Finding]]
_PROBE_CACHE: weakref.WeakKeyDictionary[Evaluator, Dict[Tuple[object, Program], _ProbeResult]] = \
    weakref.WeakKeyDictionary()


def _method_of(op: Op) -> Method:
    return op.kind, op.reflected


def _probes(method: Method) -> List[Tuple[Program, Program]]:
    """(the operation with out.grad 1, the operation with out.grad -1.5) for each probe of ``method``,
    judged with the kit's traversal, so only the method (and what it is built from) is tested."""
    pairs = []
    for leaves, op in samples(method):
        n = len(leaves)
        pairs.append((Program(leaves, (op,), (n,), backward="kit"),
                      Program(leaves, (op,), (n,), backward="kit", seeds=(_PROBE_SCALE,))))
    return pairs


def _run_probe(impl: Evaluator, oracle: Oracle, program: Program) -> _ProbeResult:
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
            found = find(program, got, expected, "add", oracle) if usable else None
        except Exception:  # noqa: BLE001 (an evaluator may fail in any way; the verdict stands without probes)
            found = None
        cache[key] = None if found is None else (program, got, expected, found)
    return cache[key]


def _blame(impl: Evaluator, oracle: Oracle, method: Method, depth: int = 0,
           shown: Optional[Program] = None) -> Optional[Tuple[Method, str, str]]:
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
            for part in built_from(method):
                blamed = _blame(impl, oracle, part, depth + 1, shown)
                if blamed is not None:
                    return blamed
        program, got, expected, found = failed
        op = program.ops[0]
        quoted = next((o for o in (shown.ops if shown is not None else ()) if _method_of(o) == method), op)
        fill = {"method": method_name(op), "rule": RULES[op.kind], "expression": op_expression(quoted)}
        if found.kind == "raised":
            error = got.error
            if error is not None and error.phase in ("backward", "rule") \
                    and error.type not in ("RecursionError", "AttributeError"):
                return method, HINTS["backward_error"].format(**fill), how
            return method, found.failure.hint, how
        if found.kind == "data" and found.culprit is not None and found.culprit < len(program.leaves):
            return method, found.failure.hint, how  # an input changed: its own hint says which
        if found.kind == "data":
            return method, HINTS["forward"].format(**fill), how
        if found.kind != "grad":
            return method, found.failure.hint, how
        leaves = range(len(program.leaves))
        if all(got.grad[i] == 0 and expected.grad[i] not in (0, None) for i in leaves):
            leaf = node_name(quoted.refs[0]) if quoted.refs else node_name(0)
            return method, HINTS["disconnected"].format(**fill, leaf=leaf), how
        if how == "scaled":
            if all(_unchained(got.grad[i], expected.grad[i]) for i in leaves):
                return method, HINTS["chain"].format(**fill), how
        return method, HINTS["rule"].format(**fill), how
    return None


def _unchained(got: Optional[float], expected: Optional[float]) -> bool:
    """Is ``got`` the probe's expected grad without its factor out.grad = -1.5?"""
    return got is not None and expected is not None and math.isclose(got * _PROBE_SCALE, expected, rel_tol=1e-9,
                                                                      abs_tol=1e-12)


def _program_methods(program: Program, first: Sequence[int] = ()) -> List[Method]:
    """The methods ``program`` calls: those of the nodes ``first`` first, then the rest in exercise order."""
    methods = [_method_of(op) for node in first if (op := op_at(program, node)) is not None]
    order = [name for exercise in EXERCISES if exercise != REFLECTED for name in operations_in(exercise)]
    rest = sorted({_method_of(op) for op in program.ops}, key=lambda m: (m[1], order.index(m[0])))
    return list(dict.fromkeys([*methods, *rest]))


def explain(impl: Evaluator, oracle: Oracle, program: Program, got: Outcome, expected: Outcome,
            found: Finding) -> SpecFailure:
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
    elif found.kind == "data" and found.culprit is not None and found.culprit < len(program.leaves):
        return failure  # an operation changed its input: the failure names it
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
            failure.exercise = exercise_of(kind, reflected=reflected)
            return failure
    return failure
