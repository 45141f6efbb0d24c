"""Every test run loads the kit's pytest plugin: Hypothesis profiles and ``--impl``."""

import pytest

pytest_plugins = ["micrograd.testing"]


@pytest.fixture
def readme_graph():
    """Upstream micrograd's README example, verbatim, after g.backward(): (a, b, g)."""
    from micrograd.engine import Value

    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    return a, b, g
