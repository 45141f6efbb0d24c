"""The ``oracle`` fixture: every spec property that takes it runs once per oracle.

Finite differences are always available; PyTorch and JAX are skipped, with the
command that installs them, when their packages are missing.
"""

from __future__ import annotations

from typing import Any

import pytest

from micrograd.oracles import ORACLE_NAMES, get_oracle, oracle_skip_reason


@pytest.fixture(scope="session", params=ORACLE_NAMES)
def oracle(request: pytest.FixtureRequest) -> Any:
    """An oracle (``name``, ``evaluate(program) -> Outcome``), one per ORACLE_NAMES entry."""
    name = request.param
    reason = oracle_skip_reason(name)
    if reason is not None:
        pytest.skip(f"oracle {name}: {reason}")
    return get_oracle(name)
