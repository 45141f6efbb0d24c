"""The JAX oracle: one compiled interpreter over opcode arrays, reused for every program.

Tracing and compiling a function per program costs about 50 ms, and running JAX eagerly
about 6 ms per graph, so the program is turned into arrays (opcode, operand indices,
constants) padded to a power-of-two length, and one jitted interpreter per length runs
them: a ``lax.fori_loop`` over the nodes, ``lax.switch`` on the opcode (only the chosen
operation runs, forward and backward, so a NaN derivative of an operation that was not
chosen, such as ``log`` at 0, cannot leak into the result as it would with ``where``).

Gradients of every node, not only leaves: node i computes ``op(...) + eps[i]`` with
``eps = 0``, and the vector-Jacobian product of ``vals`` with the root indicator ``w``
gives ``d (sum of roots) / d eps[i] = d (sum of roots) / d node_i``.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, Callable, Dict, List, Optional, Tuple

from micrograd.ops import OPERATIONS
from micrograd.oracles._common import check_roots, engine_failure, reaches_root, with_preset
from micrograd.program import Const, Outcome, Program

__all__ = ["JaxOracle", "bucket_size"]

#: opcode of each operation kind: 0 pads, 1 is a leaf (its value is constant 0), then the table's operations
OPCODES: Dict[str, int] = {"pad": 0, "leaf": 1, **{name: 2 + i for i, name in enumerate(OPERATIONS)}}

_SMALLEST_BUCKET = 16
_INTERPRETER: Optional[Callable[..., Any]] = None


def bucket_size(size: int) -> int:
    """The padded length a program of ``size`` nodes runs at: a power of two, at least 16."""
    bucket = _SMALLEST_BUCKET
    while bucket < size:
        bucket *= 2
    return bucket


class JaxOracle:
    """Data and grad of every node from JAX (CPU, float64).

    Creating one turns on JAX's 64-bit mode for the whole process
    (``jax.config.update("jax_enable_x64", True)``): without it every number
    would be float32. Each operation is the table's ``jax`` function: ``relu`` is
    ``jax.nn.relu`` (relu'(0) = 0, as micrograd; ``jnp.maximum(x, 0)`` would give 0.5);
    ``x ** c`` is ``lax.pow`` with the gradient to the exponent stopped, so a negative
    base with an integer exponent has a finite derivative.
    """

    name = "jax"

    def __init__(self) -> None:
        import jax  # deferred: importing micrograd.oracles must not need jax

        jax.config.update("jax_enable_x64", True)
        global _INTERPRETER  # one per process, so its compilations are shared by every JaxOracle
        if _INTERPRETER is None:
            _INTERPRETER = _make_interpreter(jax)
        self._interpreter = _INTERPRETER

    def evaluate(self, program: Program) -> Outcome:
        check_roots(program)
        failure = engine_failure(program)
        if failure is not None:
            return Outcome(error=failure)
        import numpy as np  # with jax, not before: importing the oracles stays light

        arrays = encode(program)
        vals, grads = self._interpreter(*arrays)
        size = program.size
        data = tuple(float(x) for x in np.asarray(vals)[:size])
        grad: Tuple[Optional[float], ...] = tuple(float(g) for g in np.asarray(grads)[:size])
        return Outcome(data=data, grad=with_preset(program, grad), initial_grad=(0.0,) * size)


def encode(program: Program) -> Tuple[Any, ...]:
    """The program as padded NumPy arrays: opcodes, operand indices, constants, which operands are
    constants, which nodes some root depends on, and the root indicator."""
    import numpy as np

    n = bucket_size(program.size)
    opcode = np.zeros(n, dtype=np.int32)
    index = np.zeros((n, 2), dtype=np.int32)
    const = np.zeros((n, 2), dtype=np.float64)
    is_const = np.ones((n, 2), dtype=bool)
    weight = np.zeros(n, dtype=np.float64)
    reach = np.zeros(n, dtype=bool)
    reach[: program.size] = reaches_root(program)
    leaves = len(program.leaves)
    opcode[:leaves] = OPCODES["leaf"]
    const[:leaves, 0] = program.leaves
    for node, op in program.nodes():
        opcode[node] = OPCODES[op.kind]
        for k, arg in enumerate(op.args):
            if isinstance(arg, Const):
                const[node, k] = arg.value
            else:
                index[node, k] = arg
                is_const[node, k] = False
    for k, root in enumerate(program.roots):
        weight[root] = program.seed(k)
    return opcode, index, const, is_const, reach, weight


def _make_interpreter(jax: ModuleType) -> Callable[..., Any]:
    jnp = jax.numpy
    lax = jax.lax

    def pad(a: Any, b: Any) -> Any:
        return jnp.zeros_like(a)

    def branch(name: str) -> Callable[[Any, Any], Any]:
        operation = OPERATIONS[name]
        if operation.arity == 2:
            return lambda a, b: operation.jax(jax, a, b)
        return lambda a, b: operation.jax(jax, a)

    # in the order of OPCODES: pad, leaf (its constant), then the table's operations
    branches: List[Callable[[Any, Any], Any]] = [pad, lambda a, b: a, *(branch(name) for name in OPERATIONS)]

    def run(eps: Any, opcode: Any, index: Any, const: Any, is_const: Any, reach: Any) -> Any:
        def operand(i: Any, k: int, vals: Any) -> Any:
            x = jnp.where(is_const[i, k], const[i, k], vals[index[i, k]])
            # No root depends on node i: its local derivative may be NaN (0 * inf for 0 ** 0), and
            # 0 * NaN would leak into its inputs. Gradients pass the select only where reach is True.
            return jnp.where(reach[i], x, lax.stop_gradient(x))

        def step(i: Any, vals: Any) -> Any:
            a, b = operand(i, 0, vals), operand(i, 1, vals)
            out = lax.switch(opcode[i], branches, a, b)
            return vals.at[i].set(out + eps[i])

        return lax.fori_loop(0, eps.shape[0], step, jnp.zeros_like(eps))

    @jax.jit
    def interpret(opcode: Any, index: Any, const: Any, is_const: Any, reach: Any, weight: Any) -> Tuple[Any, Any]:
        eps = jnp.zeros_like(weight)
        vals, pullback = jax.vjp(lambda e: run(e, opcode, index, const, is_const, reach), eps)
        (grads,) = pullback(weight)
        return vals, grads

    return interpret
