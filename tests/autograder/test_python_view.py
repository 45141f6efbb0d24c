"""The bwrap layer hides every installed package directory of the Python the child runs: asked in-process for
the running interpreter, the list holds at least what that interpreter reports when run isolated."""

from __future__ import annotations

import os
import subprocess
import sys

from micrograd.sandbox._layers import _site_dirs


def test_the_running_interpreters_package_folders_are_all_known_without_starting_it() -> None:
    python = os.path.realpath(sys.executable)
    code = "import site, sys; print('\\n'.join(site.getsitepackages() + sys.path))"
    isolated = subprocess.run([python, "-I", "-c", code], capture_output=True, text=True, check=True, timeout=60)
    reported = {line for line in isolated.stdout.splitlines() if line}
    assert any("-packages" in line for line in reported)
    assert reported - set(_site_dirs(python)) == set()
