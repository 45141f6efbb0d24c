"""Programs: one serializable expression-graph representation, and what runs it.

Build a :class:`Program` (leaves, SSA operations, roots), print it as runnable code with
:func:`to_python`, compute it on plain floats (:func:`float_forward`) or with an implementation
(:func:`run_on_value_class`), or hand it to an oracle. An implementation is only ever given the
program compiled to numbers and steps (:func:`compile_program`, run by :mod:`micrograd.runner`).
Module programs (:class:`ModuleProgram`) build a Neuron, Layer or MLP and train it.

Every operation comes from the table (:mod:`micrograd.ops`); this package imports nothing else of
``micrograd`` but the runner: oracles (``micrograd.oracles``) and verdicts (``micrograd.verdict``)
are built on it.
"""

from micrograd.program._codegen import node_name, op_expression, to_python
from micrograd.program._evaluate import (
    MAX_NODES,
    compile_program,
    float_forward,
    kit_node,
    kit_order,
    run_backward,
    run_on_value_class,
)
from micrograd.program._module import ModuleProgram
from micrograd.program._program import (
    BACKWARDS,
    BINARY,
    BUILDS,
    COURSE_OPS,
    METHODS,
    OPS,
    UNARY,
    Const,
    Op,
    Operand,
    Program,
    one_node,
)
from micrograd.runner import (
    ACTIONS,
    LOSSES,
    MODULES,
    AdamWOutcome,
    AdamWProgram,
    AdamWStep,
    CrossEntropyOutcome,
    CrossEntropyProgram,
    DeepChain,
    Failure,
    ModuleOutcome,
    ModuleStep,
    Outcome,
    Script,
)

__all__ = [
    "BACKWARDS",
    "BINARY",
    "BUILDS",
    "COURSE_OPS",
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
    "Script",
    "compile_program",
    "float_forward",
    "kit_node",
    "kit_order",
    "one_node",
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
