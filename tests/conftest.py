"""Every test run loads the kit's pytest plugin: Hypothesis profiles and ``--impl``."""

import pytest

pytest_plugins = ["micrograd.testing"]


@pytest.fixture(scope="session")
def published_yinyang_log():
    """The seven lines of the LLM101n micrograd module's published run (issue 12: seed 42, 100 steps),
    independent of this kit: the Python side and the C twin must print them digit for digit."""
    return [
        "step 1/100, val loss 1.053898",
        "step 1/100, train loss 1.0122152826497561",
        "step 11/100, val loss 0.781408",
        "step 11/100, train loss 0.6091342764823507",
        "step 91/100, val loss 0.078724",
        "step 91/100, train loss 0.052036315448364734",
        "step 100/100, train loss 0.03906091113485444",
    ]


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
