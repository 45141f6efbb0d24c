"""Helpers of the C twin's tests: where its sources are, how to build them, what they must print."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

C_DIR = Path(__file__).resolve().parents[2] / "c"

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
