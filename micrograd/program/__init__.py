"""Programs: one serializable expression-graph representation, and what runs it.

Build a :class:`Program` (leaves, SSA operations, roots), print it as runnable
code with :func:`to_python`, and evaluate it with an implementation
(:func:`run_on_value_class`) or an oracle. Module programs (:class:`ModuleProgram`) build a
Neuron, Layer or MLP and train it. This package imports nothing else of ``micrograd``: oracles
(``micrograd.oracles``) and verdicts (``micrograd.verdict``) are built on it.
"""

from micrograd.program._codegen import node_name, op_expression, to_python
from micrograd.program._deep import DeepChain
from micrograd.program._evaluate import MAX_NODES, float_forward, kit_node, run_backward, run_on_value_class
from micrograd.program._module import ACTIONS, LOSSES, MODULES, ModuleOutcome, ModuleProgram, ModuleStep
from micrograd.program._optim import AdamWOutcome, AdamWProgram, AdamWStep, CrossEntropyOutcome, CrossEntropyProgram
from micrograd.program._outcome import Failure, Outcome
from micrograd.program._program import BACKWARDS, BINARY, BUILDS, METHODS, OPS, UNARY, Const, Op, Operand, Program

__all__ = [
    "BACKWARDS",
    "BINARY",
    "BUILDS",
    "MAX_NODES",
    "METHODS",
    "OPS",
    "UNARY",
    "Const",
    "DeepChain",
    "Failure",
    "Op",
    "Operand",
    "Outcome",
    "Program",
    "float_forward",
    "kit_node",
    "run_backward",
    "node_name",
    "op_expression",
    "run_on_value_class",
    "to_python",
    # module programs (Neuron, Layer, MLP)
    "ACTIONS",
    "LOSSES",
    "MODULES",
    "ModuleOutcome",
    "ModuleProgram",
    "ModuleStep",
    # the LLM101n exercises: cross-entropy and AdamW requests
    "AdamWOutcome",
    "AdamWProgram",
    "AdamWStep",
    "CrossEntropyOutcome",
    "CrossEntropyProgram",
]
