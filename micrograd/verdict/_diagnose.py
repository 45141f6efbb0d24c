"""Diagnosis: the likeliest misconception behind a wrong gradient, from what the program tested.

On a graph the kit built (``Program.build == "kit"``) only ``backward()`` ran, and the order in which it
called the nodes' ``_backward`` (``Outcome.calls``) tells a missing seed, a missing visited set, a
root-first walk, an order not reversed or a node skipped. Otherwise the wrong grad closest to the
roots is explained by its users: a sum of right contributions missing one (accumulation), a node
called twice, a kink of its consumer (relu'(0)), or the consumer's rule.
"""

from __future__ import annotations

from collections import Counter
from typing import Dict, List, Optional, Sequence, Tuple

from micrograd.ops import KINK_HINTS, OPERATIONS, RULES
from micrograd.oracles import ancestors
from micrograd.program import Const, Op, Outcome, Program, node_name
from micrograd.verdict._describe import exercise_of_op, method_name, op_at
from micrograd.verdict._failure import Row
from micrograd.verdict._hints import HINTS
from micrograd.verdict._tolerance import Tolerance

__all__ = ["calls_row", "close", "diagnose", "diagnose_backward", "users_of"]


def users_of(program: Program) -> Dict[int, List[int]]:
    """node -> the operation nodes that read it."""
    users: Dict[int, List[int]] = {}
    for node, op in program.nodes():
        for ref in dict.fromkeys(op.refs):
            users.setdefault(ref, []).append(node)
    return users


def calls_row(program: Program, got: Outcome) -> Optional[Row]:
    """The row showing the order of the ``_backward`` calls, against a correct order."""
    if not got.calls:
        return None
    root = program.roots[0]
    needed = sorted((n for n in ancestors(program, root) if n >= len(program.leaves)), reverse=True)
    shown = [node_name(n) for n in got.calls[0][:12]]
    more = ", ..." if len(got.calls[0]) > 12 else ""
    return ("_backward calls, in order", ", ".join(node_name(n) for n in needed[:12]), ", ".join(shown) + more)


def diagnose_backward(program: Program, got: Outcome, expected: Outcome, tolerance: Tolerance,
                       magnitude: float) -> str:
    """What backward() did wrong on a graph the kit built: from the roots' grads and the order in
    which it called the nodes' ``_backward`` (each node's own rule is the kit's, so it is right)."""
    for root in program.roots:
        e = expected.grad[root]
        if e is not None and not close(tolerance, e, got.grad[root], magnitude):
            return HINTS["seed"]
    first_op = len(program.leaves)
    users = users_of(program)
    for k, root in enumerate(program.roots):
        calls = got.calls[k] if k < len(got.calls) else ()
        needed = [n for n in ancestors(program, root) if n >= first_op]
        counts = Counter(calls)
        position: Dict[int, int] = {}
        for i, node in enumerate(calls):
            position.setdefault(node, i)
        late = [n for n in needed if n in position
                and any(u in position and position[u] > position[n] for u in users.get(n, ()) if u in needed)]
        repeated = [n for n in dict.fromkeys(calls) if counts[n] > 1 and n in needed]
        if repeated:  # a walk without a visited set: say what ran twice, and what ran too early if anything did
            node = repeated[0]
            times = "twice" if counts[node] == 2 else f"{counts[node]} times"
            early = [u for u in users.get(node, ()) if u in position and position[u] > position[node]]
            if early:
                return HINTS["ran_twice_early"].format(node=node_name(node), times=times, user=node_name(early[0]))
            return HINTS["ran_twice"].format(node=node_name(node), times=times)
        if late and calls and calls[0] == root:
            return HINTS["preorder"]
        if late:
            return HINTS["not_reversed"] if calls and calls[-1] == root else HINTS["order"]
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


def close(tolerance: Tolerance, expected: float, got: Optional[float], magnitude: float) -> bool:
    return got is not None and tolerance.close(expected, got, magnitude)


def diagnose(program: Program, got: Outcome, expected: Outcome, culprit: int, exercise: str,
              tolerance: Tolerance, magnitude: float) -> Tuple[str, str]:
    """The likeliest misconception behind the wrong grad closest to the roots, and its exercise."""
    g, e = got.grad[culprit], expected.grad[culprit]
    if e is None or g is None:
        raise ValueError(f"the grad of node {culprit} is unknown: it cannot be diagnosed")
    def near(a: float, b: float) -> bool:
        return tolerance.close(b, a, magnitude)

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
    if parts and len(uses) > 1 and any(near(g, p) for p in parts) and not near(g, sum(parts)):
        return HINTS["accumulation"], "accumulation"
    if e != 0 and near(g, 2 * e) and not kit_backward:
        return HINTS["twice"], "backward"
    consumer = op_at(program, uses[0][0])
    if consumer is None:
        raise ValueError(f"node {uses[0][0]} reads node {culprit} but is not an operation")
    if expected.data[culprit] in OPERATIONS[consumer.kind].kinks and consumer.kind in KINK_HINTS:
        return KINK_HINTS[consumer.kind], exercise_of_op(consumer)
    if exercise in ("backward", "deep") and all(op_at(program, n) is not None for n, _, _ in uses) \
            and not kit_backward:
        return HINTS["order"], "backward"
    if len(uses) > 1 and exercise == "accumulation":
        return HINTS["accumulation"], "accumulation"
    kinds = list(dict.fromkeys(op.kind for _, op, _ in uses))
    return " ".join(HINTS["rule"].format(method=method_name(op), rule=RULES[op.kind])
                    for op in (next(o for _, o, _ in uses if o.kind == k) for k in kinds)), exercise


def _local_derivative(op: Op, position: int, data: Sequence[float], node: int) -> Optional[float]:
    """d op / d (its operand at ``position``), from the expected data and the table; None where undefined
    (an operand a correct engine takes only as a plain number has no gradient)."""
    operation = OPERATIONS[op.kind]
    if position in operation.numbers:
        return None
    values = [a.value if isinstance(a, Const) else data[a] for a in op.args]
    try:
        return float(operation.derivatives[position](*values, data[node]))
    except (ArithmeticError, TypeError, ValueError):
        return None
