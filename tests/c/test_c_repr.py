"""The C twin's py_repr writes every double exactly as Python's repr does (c/pyrepr runs it on a batch)."""

from __future__ import annotations

import math
import random
import struct
import subprocess
import sys
from typing import List

import pytest
from c_twin import CPrograms
from hypothesis import given, settings
from hypothesis import strategies as st


def _bits(x: float) -> str:
    return f"{struct.unpack('<Q', struct.pack('<d', x))[0]:016x}"


def _c_reprs(programs: CPrograms, xs: List[float]) -> List[str]:
    done = subprocess.run(
        [str(programs.pyrepr)], input="".join(_bits(x) + "\n" for x in xs), capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def _assert_same_as_python(programs: CPrograms, xs: List[float]) -> None:
    got = _c_reprs(programs, xs)
    assert len(got) == len(xs)
    wrong = [(x.hex(), repr(x), c) for x, c in zip(xs, got) if c != repr(x)]
    assert not wrong, f"{len(wrong)} of {len(xs)} differ from repr, first ones (hex, Python, C): {wrong[:10]}"


def _neighbours(x: float) -> List[float]:
    if math.isfinite(x):
        return [math.nextafter(x, -math.inf), x, math.nextafter(x, math.inf)]
    return [x]


def _edge_cases() -> List[float]:
    xs = [0.0, -0.0, math.inf, -math.inf, math.nan, 5e-324, -5e-324, 2.2250738585072014e-308, sys.float_info.max]
    xs += [2.0**k for k in range(-1074, 1024)]  # next to a power of two the gap below is half the gap above
    xs += [10.0**k for k in range(-323, 309)]
    for x in [*xs, 1e-4, 1e16, 1e-5, 9999999999999998.0, 0.1, 0.2, 0.3, 1 / 3, 2 / 3]:
        xs += _neighbours(x)
    xs += [float(n) for n in range(-1000, 1001)]
    xs += [2.0**50 + k / 4 for k in range(40)] + [2.0**49 + k / 8 for k in range(40)]  # ties between two candidates
    return xs


def test_repr_of_edge_cases_powers_and_boundaries(c_programs: CPrograms) -> None:
    _assert_same_as_python(c_programs, _edge_cases())


def _random_sample(n: int) -> List[float]:
    rng = random.Random(20240612)
    xs = [struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0] for _ in range(n)]  # every exponent
    xs += [rng.random() for _ in range(n)]  # the losses' own range
    xs += [round(rng.uniform(-1e6, 1e6), rng.randrange(0, 12)) for _ in range(n)]  # short decimals
    xs += [rng.random() * 10.0 ** rng.randrange(-30, 30) for _ in range(n)]
    return xs


def test_repr_of_a_random_sample(c_programs: CPrograms) -> None:
    _assert_same_as_python(c_programs, _random_sample(10_000))


@pytest.mark.slow
def test_repr_of_600_000_random_doubles(c_programs: CPrograms) -> None:
    _assert_same_as_python(c_programs, _random_sample(150_000))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True), min_size=1, max_size=500))
def test_repr_of_hypothesis_floats(c_programs: CPrograms, xs: List[float]) -> None:
    _assert_same_as_python(c_programs, xs)


def test_pyrepr_rejects_a_line_that_is_not_hex_bits(c_programs: CPrograms) -> None:
    done = subprocess.run([str(c_programs.pyrepr)], input="3ff0000000000000\n1.5\n", capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stdout == "1.0\n"
    assert "line 2" in done.stderr and "16 hex digits" in done.stderr
