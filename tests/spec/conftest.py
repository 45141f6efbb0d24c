"""Oracles for the spec's items: finite differences are always available; PyTorch and JAX are skipped,
with the command that installs them, when their packages are missing."""

from __future__ import annotations

from typing import Any, Callable, Dict

import pytest

from micrograd.oracles import get_oracle, oracle_skip_reason

_MADE: Dict[str, Any] = {}


@pytest.fixture(scope="session")
def oracle_named() -> Callable[[str], Any]:
    """``oracle_named(name)``: that oracle (made once per session), or a skip saying how to install it."""

    def named(name: str) -> Any:
        reason = oracle_skip_reason(name)
        if reason is not None:
            pytest.skip(f"oracle {name}: {reason}")
        if name not in _MADE:
            _MADE[name] = get_oracle(name)
        return _MADE[name]

    return named
