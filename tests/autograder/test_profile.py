"""Grading draws its examples from the spec's strategies alone, whatever the process imported.

Hypothesis (6.131 and later) mixes into its examples the numbers it finds in every imported module it
deems "local" (not the standard library, not site-packages). An editable install made the kit local,
a wheel did not, and a notebook kernel has the student's code loaded: the same submission got
different examples, hence different grades (5.4167 with ``micrograd grade`` from a checkout, 5.9167
on Gradescope, for `=` instead of `+=` in __mul__).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("hypothesis.internal.conjecture.providers", reason="this Hypothesis has no local constants")


def _local_floats() -> set:
    from hypothesis.internal.conjecture import providers

    return set(providers._get_local_constants().floats)


def test_grading_uses_no_local_constants(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(tmp_path)!r})\n"
        "from hypothesis.internal.conjecture import providers\n"
        "import student_code  # a local module, as a student's engine.py in a notebook kernel\n"
        "before = 31415.9265 in providers._get_local_constants().floats\n"
        "from pathlib import Path\n"
        "cached = set(Path('.hypothesis').rglob('*'))\n"
        "from autograder.grade import prepare_hypothesis\n"
        "prepare_hypothesis()\n"
        "import student_code_2\n"
        "after = providers._get_local_constants().floats\n"
        "now = set(Path('.hypothesis').rglob('*'))\n"
        "print(before, 31415.9265 in after, 27182.818 in after, bool(cached), now == cached)\n"
    )
    (tmp_path / "student_code.py").write_text("GAIN = 31415.9265\n")
    (tmp_path / "student_code_2.py").write_text("GAIN = 27182.818\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    # Hypothesis does collect them, and caches them in .hypothesis/ (else this test proves nothing);
    # grading uses none, imported before or after, and writes no cache (55 files per nbgrader student)
    assert done.stdout.split() == ["True", "False", "False", "True", "True"]


def test_grading_inside_a_process_leaves_its_hypothesis_as_it_was(monkeypatch: pytest.MonkeyPatch) -> None:
    """The course grades in the student's kernel (and tests grade in the test run): afterwards the
    profile and the local constants are back."""
    from autograder.grade._profile import grading_hypothesis
    from hypothesis import settings
    from hypothesis.internal.conjecture import providers

    monkeypatch.setattr(providers, "_get_local_constants", providers._get_local_constants)
    original, profile = providers._get_local_constants, settings.get_current_profile_name()
    with grading_hypothesis():
        assert settings.get_current_profile_name() == "grading"
        patched = providers._get_local_constants
        assert patched is not original and len(patched()) == 0
        with grading_hypothesis():  # nested: the same patch, undone only by the outer block
            assert providers._get_local_constants is patched
        assert providers._get_local_constants is patched
    assert providers._get_local_constants is original and settings.get_current_profile_name() == profile
