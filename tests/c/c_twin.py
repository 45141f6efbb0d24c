"""Helpers of the C twin's tests: where its sources are, how to build them, what they must print."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

C_DIR = Path(__file__).resolve().parents[2] / "c"

#: the run published in issue 12 (LLM101n's micrograd.py, seed 42, 100 steps): the C twin must print these lines
PUBLISHED = [
    "step 1/100, val loss 1.053898",
    "step 1/100, train loss 1.0122152826497561",
    "step 11/100, val loss 0.781408",
    "step 11/100, train loss 0.6091342764823507",
    "step 91/100, val loss 0.078724",
    "step 91/100, train loss 0.052036315448364734",
    "step 100/100, train loss 0.03906091113485444",
]


def need(*tools: str) -> None:
    """Skip the test, naming the Debian package to install, when a tool is not on PATH."""
    packages = {"cc": "gcc", "make": "make", "valgrind": "valgrind"}
    for tool in tools:
        if shutil.which(tool) is None:
            pytest.skip(f"the C twin's tests need `{tool}` (apt-get install {packages.get(tool, tool)})")


def make(target: str, build: Path) -> None:
    """``make -C c TARGET BUILD=build``; a failed build fails the test with the compiler's output."""
    if not (C_DIR / "Makefile").is_file():
        pytest.fail(f"the C twin's sources are missing: no {C_DIR / 'Makefile'}")
    done = subprocess.run(
        ["make", "-C", str(C_DIR), target, f"BUILD={build}"], capture_output=True, text=True, timeout=300
    )
    if done.returncode != 0:
        pytest.fail(f"make {target} failed (exit status {done.returncode}):\n{done.stdout}\n{done.stderr}")


@dataclass(frozen=True)
class CPrograms:
    build: Path
    micrograd: Path  # the training run
    pyrepr: Path  # reads doubles as 16 hex digits, prints their Python repr
    deepchain: Path  # backward through a chain of N additions
