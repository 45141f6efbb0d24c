"""Checks that judge one part of an implementation on its own, with programs chosen by hand.

- :func:`check_value_class`: ``Value(x)`` keeps x with grad 0, and ``Value(data, (inputs), op)``
  works (the kit builds nodes that way); run before anything else;
- :func:`check_backward_probes`: ``backward()`` alone, on small graphs the kit builds (a seed,
  a chain, diamonds both ways round, two nodes with equal data, two roots sharing a leaf);
- :func:`check_deep_chain`: ``backward()`` on a chain of 100,000 nodes (exercise deep);
- :func:`check_accumulation`: every implemented operation's ``_backward`` adds to a grad that is
  already there (``+=``), judged against the implementation's own rule, so a wrong rule is not
  blamed on accumulation;
- :func:`check_value_exponent`: ``a ** b`` with a Value ``b`` raises, or is differentiated right.
"""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

from micrograd.impl import Evaluator
from micrograd.ops import OPERATIONS
from micrograd.oracles import ExactOracle, Oracle, exact_outcome
from micrograd.program import Const, DeepChain, Op, Outcome, Program, node_name, op_expression, to_python
from micrograd.verdict._blame import samples
from micrograd.verdict._check import check_program
from micrograd.verdict._compare import compare_outcomes
from micrograd.verdict._describe import method_name
from micrograd.verdict._exercises import stub_method
from micrograd.verdict._failure import Row, SpecFailure
from micrograd.verdict._hints import HINTS
from micrograd.verdict._tolerance import EXACT

__all__ = [
    "ACCUMULATION_PROBES",
    "deep_chain_code",
    "BACKWARD_PROBES",
    "DEEP_PROBE",
    "check_accumulation",
    "check_backward_probes",
    "check_deep_chain",
    "check_value_class",
    "check_value_exponent",
]


def _kit(leaves: Sequence[float], ops: Sequence[Op], roots: Sequence[int]) -> Program:
    return Program(tuple(leaves), tuple(ops), tuple(roots), build="kit")


#: small graphs built by the kit, simplest first: each one shows one way backward() can go wrong
BACKWARD_PROBES: Tuple[Program, ...] = (
    # the root's own grad must be 1: b = a * 3
    _kit((2.0,), (Op("mul", (0, Const(3.0))),), (1,)),
    # a chain, run from the root: b = a * 2, c = b * 3, d = c + 1
    _kit((1.5,), (Op("mul", (0, Const(2.0))), Op("mul", (1, Const(3.0))), Op("add", (2, Const(1.0)))), (3,)),
    # only the root's ancestors: b = a * 2 is the root, c = a * 3 is not
    _kit((1.5,), (Op("mul", (0, Const(2.0))), Op("mul", (0, Const(3.0)))), (1,)),
    # a diamond both ways round (b feeds c and d): d = b + c, then d = c + b
    _kit((1.5,), (Op("mul", (0, Const(2.0))), Op("mul", (1, Const(3.0))), Op("add", (1, 2))), (3,)),
    _kit((1.5,), (Op("mul", (0, Const(2.0))), Op("mul", (1, Const(3.0))), Op("add", (2, 1))), (3,)),
    # a deeper diamond: b feeds c, d and e
    _kit((0.5, -1.0), (Op("mul", (0, 1)), Op("tanh", (2,)), Op("mul", (2, 3)), Op("add", (3, 4)),
                       Op("add", (5, 2))), (6,)),
    # two different nodes with different data, then with the same data (c and d are both a + b)
    _kit((2.0, 3.0), (Op("add", (0, 1)), Op("mul", (1, 0)), Op("mul", (2, 3))), (4,)),
    _kit((2.0, 2.0), (Op("add", (0, 1)), Op("add", (1, 0)), Op("mul", (2, 3))), (4,)),
    # two roots sharing the leaf a: the second backward() adds to a.grad
    _kit((2.0,), (Op("mul", (0, Const(3.0))), Op("mul", (0, Const(5.0)))), (1, 2)),
    # a leaf as the root
    _kit((2.5,), (), (0,)),
)

#: the chain that shows a recursive backward(): far deeper than Python's default recursion limit
DEEP_PROBE = DeepChain(100_000)


def check_backward_probes(impl: Evaluator, oracle: Optional[Oracle] = None) -> None:
    """Raise the SpecFailure of the first :data:`BACKWARD_PROBES` graph ``backward()`` gets wrong."""
    judge = oracle if oracle is not None else _EXACT
    for program in BACKWARD_PROBES:
        check_program(impl, judge, program, exercise="backward")


_EXACT = ExactOracle()


def check_deep_chain(probe: DeepChain, got: Outcome) -> None:
    """Raise a SpecFailure (exercise deep) unless ``got`` is what ``backward()`` gives on ``probe``."""
    code = deep_chain_code(probe)
    if got.error is not None:
        error = got.error
        where = f" at {error.location}" if error.location else ""
        if error.type == "RecursionError":
            what = "raised RecursionError"
            hint = HINTS["deep_recursion"].format(depth=probe.depth, limit=probe.recursion_limit)
        elif error.type == "Crash" or error.phase == "crash":  # a crash: past the C stack
            what = f"crashed: {error.message}"
            hint = HINTS["recursion"]
        else:
            what = f"raised {error.type}"
            hint = HINTS["error"].format(method="backward()", expression="the gradients")
        summary = f"backward() on a chain of {probe.depth:,} nodes {what}{where}"
        message = f"{error.type}: {error.message}" if error.message else error.type  # the note stays whole
        raise SpecFailure("deep", summary, code, [("exception", "none", message[:240])], hint, error)
    n = probe.depth + 1  # a correct backward(): a.grad = depth + 1, v.grad = 1
    expected = Outcome(data=(float(probe.leaf), n * float(probe.leaf)), grad=(float(n), 1.0), initial_grad=(0.0, 0.0))
    rows: List[Row] = []
    for i, name in enumerate(("a", "v")):
        for what, e, g in (("data", expected.data, got.data), ("grad", expected.grad, got.grad)):
            value = g[i] if i < len(g) else None
            if value is None or not EXACT.close(float(e[i] or 0.0), value):
                rows.append((f"{name}.{what}", f"{e[i]:g}", "missing" if i >= len(g) else f"{g[i]:g}   <- wrong"))
    if rows:
        summary = f"backward() on a chain of {probe.depth:,} nodes gives wrong gradients"
        raise SpecFailure("deep", summary, code, rows, HINTS["order"])


def deep_chain_code(probe: DeepChain, *, import_line: str = "from micrograd.engine import Value") -> str:
    """The snippet of ``probe``, under the limits the check imposes: Python's default recursion limit while
    ``backward()`` runs, and ``sys.setrecursionlimit`` ignored meanwhile (as in the check's child), so that an
    engine raising the limit inside backward() fails as printed as it failed in the check."""
    return (
        f"import sys\n\n{import_line}\nfrom micrograd.program import kit_node\n\n"
        f"a = Value({probe.leaf!r})\nv = a\n"
        f"for _ in range({probe.depth}):\n"
        "    v = kit_node(Value, 'add', v, a)  # v + a, made by the check: only your backward() runs\n"
        f"sys.setrecursionlimit({probe.recursion_limit})  # Python's default, as in the check\n"
        "sys.setrecursionlimit = lambda limit: None  # the check ignores it while backward() runs\n"
        "v.backward()\nprint('a', a.data, a.grad)\n"
    )


def _accumulation_probes(operations: Optional[Sequence[str]] = None) -> Tuple[Tuple[Op, Tuple[float, ...]], ...]:
    """Every method's first sample (see micrograd.verdict._blame.samples): the operations micrograd makes as one
    node of their own first, then those built from others, then the reflected methods, so that a bug in mul
    is named as mul's, not as the negation built on it. ``operations``: only those (default: every operation
    of the default course, the optional ones left out)."""
    chosen = {name: op for name, op in OPERATIONS.items()
              if (not op.optional if operations is None else name in operations)}
    methods = [(name, False) for name, op in chosen.items() if op.built_from is None]
    methods += [(name, False) for name, op in chosen.items() if op.built_from is not None]
    methods += [(name, True) for name, op in chosen.items() if op.reflected]
    return tuple((op, leaves) for method in methods for leaves, op in samples(method)[:1])


#: (operation, leaves) for every operation of the default course whose _backward must accumulate; primitive
#: ones first, so that a bug in mul is named as mul's, not as the negation built on it
ACCUMULATION_PROBES: Tuple[Tuple[Op, Tuple[float, ...]], ...] = _accumulation_probes()
_PRESET = (0.25, -0.75)
_SEED = -1.5


def check_accumulation(impl: Evaluator, operations: Optional[Sequence[str]] = None, *,
                       exercise: str = "accumulation") -> None:
    """Every implemented operation's ``_backward`` must add to the grads its inputs already have.

    ``operations``: the operations probed (default: those of the default course, :data:`ACCUMULATION_PROBES`;
    an optional exercise's property names its own, and its ``exercise`` is blamed: then a stub or a missing
    method fails at once).

    Each operation runs twice with the kit's traversal (out.grad -1.5): from grads 0, then with
    the leaves' grads preset. The second must be the first plus the preset grads: judged against
    the implementation's own rule, so a wrong rule fails its own exercise, not this one.
    An operation that does not add fails at once, whatever else is still a stub. Operations that
    raise are left out until then; if one was a stub (NotImplementedError), its failure is raised in
    the end: accumulation is not done until every operation is written. A method the engine does
    not have at all (upstream micrograd has no tanh) is its own exercise's failure, not this one's.
    """
    unknown = [name for name in operations or () if name not in OPERATIONS]
    if unknown:
        raise ValueError(f"unknown operation {unknown[0]!r}; expected some of {', '.join(OPERATIONS)}")
    probes = ACCUMULATION_PROBES if operations is None else _accumulation_probes(operations)
    first_error: Optional[SpecFailure] = None
    for op, leaves in probes:
        n = len(leaves)
        plain = Program(leaves, (op,), (n,), backward="kit", seeds=(_SEED,))
        preset = Program(leaves, (op,), (n,), backward="kit", seeds=(_SEED,), preset=_PRESET[:n])
        before = impl.evaluate(plain)
        if before.error is not None:
            if operations is not None:  # asked for by name: a stub or a missing method fails at once
                failure = compare_outcomes(plain, before, exact_outcome(plain), exercise=exercise)
                if failure is not None:
                    raise failure
            elif first_error is None and before.error.type == "NotImplementedError":  # a stub, not a missing method
                first_error = compare_outcomes(plain, before, exact_outcome(plain), exercise=exercise)
            continue
        after = impl.evaluate(preset)
        if after.error is not None:
            failure = compare_outcomes(preset, after, exact_outcome(preset), exercise=exercise)
            if failure is not None:
                raise failure
            continue
        rows: List[Row] = []
        lost = False
        for i in range(n):
            due, got = before.grad[i], after.grad[i]
            if due is None or got is None or not EXACT.close(due + _PRESET[i], got):
                total = "?" if due is None else f"{due + _PRESET[i]:.10g}"
                rows.append((f"{node_name(i)}.grad", f"{total} ({_PRESET[i]:g} + {due:.10g})",
                             f"{got:.10g}   <- wrong"))
                lost = lost or (due is not None and got is not None and EXACT.close(due, got))
        if rows:
            method = method_name(op)
            due0, got0 = before.grad[0], after.grad[0]
            summary = (f"{method}'s _backward {'replaces' if lost else 'does not add to'} a grad that was already "
                       f"there: from a.grad = {_PRESET[0]:g}, {op_expression(op)} with out.grad {_SEED:g} leaves "
                       f"a.grad = {got0:.10g}, not {_PRESET[0]:g} + {due0:.10g}")
            hint = HINTS["accumulation"] + (f" {method} sets a grad with = where it must add with +=." if lost else "")
            raise SpecFailure(exercise, summary, to_python(preset), rows, hint)
    if first_error is not None:
        raise first_error


def check_value_exponent(impl: Evaluator, program: Program) -> None:
    """``a ** b`` with a Value ``b``: raising any exception while computing it is right (micrograd
    supports only number exponents), once ``a ** 2`` works (a stub raises on both); so is a Value
    whose data and grads (the exponent's too) are those of calculus. Anything else is a SpecFailure
    of pow."""
    node = next(n for n, op in program.nodes() if op.kind == "pow" and not isinstance(op.args[1], Const))
    number = Program(program.leaves[:1], (Op("pow", (0, Const(2))),), (1,), backward="kit")
    works = impl.evaluate(number)  # raising on a Value exponent counts only once a number exponent works
    if works.error is not None:
        failure = compare_outcomes(number, works, exact_outcome(number), exercise="pow")
        if failure is not None:
            raise failure
    got = impl.evaluate(program)
    if got.error is not None and got.error.phase == "build" and got.error.node == node:
        return
    expected = exact_outcome(program, value_exponents=True)
    failure = compare_outcomes(program, got, expected, exercise="pow", oracle_name="exact")
    if failure is not None:
        op = program.ops[node - len(program.leaves)]
        failure.hint = HINTS["value_exponent"].format(expression=f"{node_name(node)} = {op_expression(op)}")
        failure.exercise = "pow"
        raise failure


def check_value_class(impl: Evaluator) -> Optional[SpecFailure]:
    """None if ``Value(1.5)`` has data 1.5 and grad 0 and ``Value(data, (inputs), op)`` works, else
    the SpecFailure to show before anything else (every check needs both)."""
    leaf = Program((1.5,))
    got = impl.evaluate(leaf)
    failure = compare_outcomes(leaf, got, Outcome(data=(1.5,), grad=(0.0,), initial_grad=(0.0,)), exercise="backward")
    if failure is not None:
        failure.summary = f"Value(1.5) raised {got.error}" if got.error else \
            f"Value(1.5) must have data 1.5 and grad 0: {failure.summary}"
        return failure
    made = Program((1.5,), (Op("add", (0, 0)),), (), build="kit")
    got = impl.evaluate(made)
    if got.error is not None:
        failure = compare_outcomes(made, got, exact_outcome(made), exercise="backward")
        if failure is not None:
            failure.summary = f"Value(3.0, (a, a), '+') raised {got.error}: the check makes nodes that way, " \
                              "as every operation does"
            if stub_method(got.error.message, got.error.location) is None and not failure.hint:
                failure.hint = "keep __init__(self, data, _children=(), _op='') as the exercise gives it."
            return failure
    return None
