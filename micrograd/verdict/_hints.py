"""The hint catalogue: what a verdict tells a student for each misconception, and how it names an oracle.

Data only. What the course says about one operation (its rule, the hint at its kinks) is keyed by
operation in :mod:`micrograd.ops._words`.
"""

from __future__ import annotations

from typing import Dict

__all__ = ["HINTS", "ORACLE_TITLES", "against"]

#: misconception -> hint; ``{method}``, ``{rule}`` and ``{expression}`` are filled in
HINTS: Dict[str, str] = {
    "not_implemented": "implement {method}: it still raises NotImplementedError.",
    "recursion": "backward() recursed past Python's recursion limit, and backward() must not recurse: build the "
    "topological order with an explicit stack (a list you push to and pop from) instead of recursion. Raising the "
    "limit with sys.setrecursionlimit does not help: the check ignores it while backward() runs, and a deep enough "
    "graph outgrows any limit.",
    "deep_recursion": "the check runs backward() on a chain of {depth:,} nodes with Python's default recursion limit "
    "({limit}), and backward() must not recurse: build the topological order with an explicit stack (a list you "
    "push to and pop from) instead of recursion. The check ignores sys.setrecursionlimit while backward() runs (the "
    "snippet does the same): a deep enough graph outgrows any limit.",
    "missing": "not implemented: {method} is missing from your Value class; implement it (with its "
    "_backward).",
    "recursive_operator": "{method} calls itself until the stack runs out while computing {expression}: "
    "a reflected operator must not call itself (in __rmul__, other * self with a plain number other calls "
    "__rmul__ again; return self * other).",
    "mixed_operand": "{method} never returned while computing {expression} (RecursionError): it ends up calling "
    "itself. The usual cause is a forward pass that combines a plain number with a Value, e.g. self.data {symbol} "
    "other where other is a Value: Python then calls other.{reflected}, which calls {method} again, forever. "
    "Compute the new Value's data from numbers only: self.data {symbol} other.data.",
    "float_exponent": "{method} raised {error} on the float exponent in {expression}: any int or float exponent "
    "must work (check isinstance(other, (int, float))); only a Value exponent is refused.",
    "mutated_input": "{leaf}.data was {before} when it was made and is {after} once {expression} ran: {method} "
    "must not change its input (self.data): put the result in a new Value (out = Value(...)) and leave self.data "
    "alone.",
    "disconnected": "{leaf}.grad is still 0 after the backward pass through {expression}: no gradient reached "
    "{leaf} through {method}. Either "
    "the new Value does not remember its inputs (a Value(...) made without its _children is a leaf of its own: "
    "build it from Value operations on self, or pass its inputs as _children), or its _backward adds nothing to "
    "them ({rule}).",
    "ran_twice": "node {node}'s _backward ran {times}: the topological sort must visit each node once (a visited "
    "set).",
    "ran_twice_early": "node {node}'s _backward ran {times}, the first time before {user}'s, which uses it: "
    "backward() must build a topological order that holds each node once (a visited set), then call _backward "
    "in reverse topological order.",
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
    "rule": "the gradient rule of {method} looks wrong: {rule}. The local derivative is multiplied by "
    "out.grad (not out.data), and added with +=.",
    "unreached": "nodes that no root depends on must keep grad 0: backward() may only touch the root's ancestors.",
}


#: how a report names each oracle: "wrong value (checked against the exact oracle)"
ORACLE_TITLES: Dict[str, str] = {"exact": "the exact oracle", "torch": "PyTorch", "jax": "JAX",
                                 "fd": "finite differences", "numpy": "the NumPy model"}


def _against(oracle_name: str) -> str:
    return f" (checked against {ORACLE_TITLES.get(oracle_name, oracle_name)})" if oracle_name else ""


def against(oracle_name: str) -> str:
    """`` (checked against PyTorch)`` for a summary line, or "" without an oracle's name."""
    return f" (checked against {ORACLE_TITLES.get(oracle_name, oracle_name)})" if oracle_name else ""
