"""Every test run loads the kit's pytest plugin: Hypothesis profiles and ``--impl``; every test leaves the test
process as it found it (see :func:`_the_test_process_is_left_as_it_was`)."""

import ctypes
import gc
import sys
import time
from typing import Iterator

import pytest

pytest_plugins = ["micrograd.testing"]

_PR_GET_CHILD_SUBREAPER = 37


def _is_subreaper() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    flag = ctypes.c_int(0)
    ctypes.CDLL(None).prctl(_PR_GET_CHILD_SUBREAPER, ctypes.byref(flag), 0, 0, 0)
    return flag.value != 0


@pytest.fixture(autouse=True)
def _the_test_process_is_left_as_it_was() -> Iterator[None]:
    """A test that leaves the test process a subreaper (a grading worker's setup, run in-process) makes it kill
    every child that a later test starts (multiprocessing's resource tracker, a test's own processes); one that
    leaves the garbage collector off changes every later test's timing. Either fails the test that did it."""
    yield
    if _is_subreaper():
        raise AssertionError("this test left the test process a subreaper: it would kill the children of "
                             "later tests (run a grading worker's setup in a process of its own)")
    deadline = time.monotonic() + 60  # a collection a step scheduled may still be pending on a loaded machine
    while not gc.isenabled() and time.monotonic() < deadline:
        time.sleep(0.01)
    if not gc.isenabled():
        gc.enable()
        raise AssertionError("this test left the garbage collector off")


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
