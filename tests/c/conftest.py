"""Builds the C twin (``c/``) once per session, into a temporary directory, never into the source tree."""

from __future__ import annotations

import subprocess

import pytest
from c_twin import CPrograms, make, need


@pytest.fixture(scope="session")
def c_programs(tmp_path_factory: pytest.TempPathFactory) -> CPrograms:
    need("cc", "make")
    build = tmp_path_factory.mktemp("c-build")
    make("all", build)
    return CPrograms(build, build / "micrograd", build / "pyrepr", build / "deepchain")


@pytest.fixture(scope="session")
def c_log(c_programs: CPrograms) -> str:
    """What the C twin prints (exit status 0, nothing on stderr)."""
    done = subprocess.run([str(c_programs.micrograd)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return done.stdout
