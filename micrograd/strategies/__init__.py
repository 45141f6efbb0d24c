"""Hypothesis strategies for the spec: programs every evaluator agrees on, biased to reuse.

``programs()`` is the general strategy; the others target one behaviour. Every strategy
checks its arguments when called and shrinks to small graphs and simple numbers.
"""

from micrograd.strategies._build import BOUND, GAP
from micrograd.strategies._modules import module_programs
from micrograd.strategies._optim import LARGE_LOGIT, LOGIT_BOUND, adamw_programs, cross_entropy_programs
from micrograd.strategies._programs import EXPONENTS, constants, leaf_values, local_programs, programs, root_scales
from micrograd.strategies._special import ChainProgram, deep_programs, relu_at_zero_programs, value_exponent_programs

__all__ = [
    "BOUND",
    "ChainProgram",
    "EXPONENTS",
    "GAP",
    "constants",
    "deep_programs",
    "leaf_values",
    "local_programs",
    "module_programs",
    "programs",
    "relu_at_zero_programs",
    "root_scales",
    "value_exponent_programs",
    # the LLM101n exercises
    "LARGE_LOGIT",
    "LOGIT_BOUND",
    "adamw_programs",
    "cross_entropy_programs",
]
