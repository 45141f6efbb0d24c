"""The spec's properties (micrograd.spec) as pytest items: ``pytest tests/spec --impl DIR``.

One item per property and, for a property that takes an oracle, per oracle it may be judged by
(``test_spec[test_add::test_addition_matches_the_oracle-fd]``); an oracle that is not installed skips
its items with the command that installs it. Hypothesis draws under the loaded profile
(``HYPOTHESIS_PROFILE``).
"""

from __future__ import annotations

from typing import Any, List, Optional, Tuple

import pytest

from micrograd.oracles import ORACLE_NAMES
from micrograd.spec import Property, kit_spec
from micrograd.testing import run_under_pytest


def _cases() -> List[Tuple[Property, Optional[str]]]:
    cases: List[Tuple[Property, Optional[str]]] = []
    for prop in kit_spec():
        names = (prop.oracles or ORACLE_NAMES) if prop.needs_oracle else (None,)
        cases += [(prop, name) for name in names]
    return cases


CASES = _cases()


@pytest.mark.parametrize(("prop", "oracle_name"), CASES,
                         ids=[p.id + (f"-{name}" if name else "") for p, name in CASES])
def test_spec(prop: Property, oracle_name: Optional[str], impl: Any, request: pytest.FixtureRequest) -> None:
    oracle = request.getfixturevalue("oracle_named")(oracle_name) if oracle_name is not None else None
    run_under_pytest(prop, impl, oracle)
