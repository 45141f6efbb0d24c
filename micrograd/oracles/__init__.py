"""Oracles: evaluate a :class:`~micrograd.program.Program` as a correct micrograd engine would.

Each oracle returns an :class:`~micrograd.program.Outcome` with the data and grad of
every node (``initial_grad`` all 0.0), where the grad of node i is the sum over roots
r of d r / d node_i (0.0 for nodes no root depends on; a root that is a leaf gets 1.0).

- :class:`ExactOracle` (``"exact"``): reverse mode in plain Python floats, no dependency:
  the default judge;
- :class:`TorchOracle` (``"torch"``): PyTorch autograd in float64;
- :class:`JaxOracle` (``"jax"``): one compiled JAX interpreter, float64 (turns on
  ``jax_enable_x64`` for the process);
- :class:`FiniteDifferences` (``"fd"``): plain floats, central differences with
  Richardson extrapolation; a gradient it cannot estimate is None.

``evaluate`` raises ValueError when two roots share an intermediate node or one root
is an ancestor of another (micrograd's grads are not the sum over roots there). A
program on which a correct engine raises (``**`` with a node exponent, ``log`` of a
non-positive number, division by zero, ...) gives ``Outcome(error=Failure(...))``.

Importing this package needs only numpy: torch and jax are imported when an oracle is
created. ``get_oracle(name)`` explains how to install a missing one (:data:`INSTALL_HINT`).
"""

from __future__ import annotations

import importlib.util
import sys
from typing import Callable, Dict, Optional

from micrograd.oracles._common import Oracle, ancestors, check_roots, engine_failure
from micrograd.oracles._exact import ExactOracle, exact_outcome
from micrograd.oracles._fd import FiniteDifferences
from micrograd.oracles._jax import JaxOracle
from micrograd.oracles._module import (
    MODULE_ORACLES,
    expected_module_outcome,
    graph_module_outcome,
    numpy_module_outcome,
    relu_margin,
    torch_module_outcome,
)
from micrograd.oracles._optim import (
    ADAMW_MISTAKES,
    CROSS_ENTROPY_MISTAKES,
    cross_entropy_mistake,
    exact_adamw,
    exact_cross_entropy,
    torch_adamw,
    torch_cross_entropy,
)
from micrograd.oracles._torch import TorchOracle

__all__ = [
    "INSTALL_HINT",
    "ORACLE_NAMES",
    "Oracle",
    "ExactOracle",
    "TorchOracle",
    "JaxOracle",
    "FiniteDifferences",
    "get_oracle",
    "oracle_skip_reason",
    "ancestors",
    "check_roots",
    "engine_failure",
    "exact_outcome",
    # module programs (Neuron, Layer, MLP)
    "MODULE_ORACLES",
    "expected_module_outcome",
    "graph_module_outcome",
    "numpy_module_outcome",
    "relu_margin",
    "torch_module_outcome",
    # cross-entropy and AdamW requests (micrograd.runner._optim)
    "ADAMW_MISTAKES",
    "CROSS_ENTROPY_MISTAKES",
    "cross_entropy_mistake",
    "exact_adamw",
    "exact_cross_entropy",
    "torch_adamw",
    "torch_cross_entropy",
]

#: every oracle's name, in the order of preference: the exact one judges, the others cross-check it
ORACLE_NAMES = ("exact", "torch", "jax", "fd")
#: how to install the optional oracles: the kit is installed from a clone (it is not on PyPI)
INSTALL_HINT = "pip install -e '.[oracles]' in a clone of the kit (or pip install torch jax)"

_FACTORIES: Dict[str, Callable[[], Oracle]] = {
    "exact": ExactOracle,
    "torch": TorchOracle,
    "jax": JaxOracle,
    "fd": FiniteDifferences,
}
_PACKAGES: Dict[str, str] = {"torch": "torch", "jax": "jax"}


def oracle_skip_reason(name: str) -> Optional[str]:
    """None if oracle ``name`` can be used here, else why not (for ``pytest.skip``)."""
    _check_name(name)
    package = _PACKAGES.get(name)
    if package is not None and not _installed(package):
        return f"{package} is not installed: {INSTALL_HINT}"
    return None


def get_oracle(name: str) -> Oracle:
    """A new oracle by name (one of ORACLE_NAMES); ImportError if its package is missing."""
    reason = oracle_skip_reason(name)
    if reason is not None:
        raise ImportError(f"oracle {name!r} is unavailable: {reason}")
    return _FACTORIES[name]()


def _installed(package: str) -> bool:
    if package in sys.modules:
        return sys.modules[package] is not None  # None: imports of it are blocked
    try:
        return importlib.util.find_spec(package) is not None
    except (ImportError, ValueError):
        return False


def _check_name(name: str) -> None:
    if name not in _FACTORIES:
        raise ValueError(f"unknown oracle {name!r}; choose one of {', '.join(ORACLE_NAMES)}")
