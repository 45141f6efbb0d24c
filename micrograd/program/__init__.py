"""Programs: one serializable expression-graph representation, and what runs it.

Build a :class:`Program` (leaves, SSA operations, roots), print it as runnable
code with :func:`to_python`, and evaluate it with an implementation
(:func:`run_on_value_class`) or an oracle.
"""

from micrograd.program._codegen import node_name, op_expression, to_python
from micrograd.program._evaluate import float_forward, run_on_value_class
from micrograd.program._module import ACTIONS, LOSSES, MODULES, ModuleOutcome, ModuleProgram, ModuleStep
from micrograd.program._module_check import check_module_program, expected_module_outcome
from micrograd.program._module_oracles import (
    Mismatch,
    compare_module_outcomes,
    graph_module_outcome,
    numpy_module_outcome,
    parameter_name,
    relu_margin,
    torch_module_outcome,
)
from micrograd.program._optim import (
    AdamWOutcome,
    AdamWProgram,
    AdamWStep,
    CrossEntropyOutcome,
    CrossEntropyProgram,
)
from micrograd.program._optim_check import (
    ADAMW_HINTS,
    CROSS_ENTROPY_HINTS,
    check_adamw_program,
    check_cross_entropy_program,
)
from micrograd.program._outcome import Failure, Outcome
from micrograd.program._program import BINARY, METHODS, OPS, UNARY, Const, Op, Operand, Program

__all__ = [
    "BINARY",
    "METHODS",
    "OPS",
    "UNARY",
    "Const",
    "Failure",
    "Op",
    "Operand",
    "Outcome",
    "Program",
    "float_forward",
    "node_name",
    "op_expression",
    "run_on_value_class",
    "to_python",
    # module programs (Neuron, Layer, MLP)
    "ACTIONS",
    "LOSSES",
    "MODULES",
    "Mismatch",
    "ModuleOutcome",
    "ModuleProgram",
    "ModuleStep",
    "check_module_program",
    "compare_module_outcomes",
    "expected_module_outcome",
    "graph_module_outcome",
    "numpy_module_outcome",
    "parameter_name",
    "relu_margin",
    "torch_module_outcome",
    # the LLM101n exercises: cross-entropy and AdamW requests
    "ADAMW_HINTS",
    "CROSS_ENTROPY_HINTS",
    "AdamWOutcome",
    "AdamWProgram",
    "AdamWStep",
    "CrossEntropyOutcome",
    "CrossEntropyProgram",
    "check_adamw_program",
    "check_cross_entropy_program",
]
