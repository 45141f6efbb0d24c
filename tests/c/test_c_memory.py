"""The C twin frees everything and makes no invalid access: valgrind and AddressSanitizer/UBSan runs."""

from __future__ import annotations

import os
import subprocess

from c_twin import CPrograms, make, need


def test_valgrind_finds_no_error_and_no_leak(c_programs: CPrograms, c_log: str) -> None:
    need("valgrind")
    done = subprocess.run(
        ["valgrind", "-q", "--error-exitcode=1", "--leak-check=full", "--errors-for-leak-kinds=all",
         str(c_programs.micrograd)],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout == c_log


def test_the_address_and_undefined_behaviour_sanitized_build_runs_clean(c_programs: CPrograms, c_log: str,
                                                                        published_yinyang_log: list) -> None:
    need("cc", "make")
    build = c_programs.build / "sanitized"
    make("asan", build)
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:halt_on_error=1", UBSAN_OPTIONS="halt_on_error=1")
    done = subprocess.run([str(build / "asan" / "micrograd")], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout == c_log
    assert published_yinyang_log[-1] in done.stdout.splitlines()
    # and the formatter's helper on a few numbers
    done = subprocess.run(
        [str(build / "asan" / "pyrepr")], input="3ff0000000000000\n3eb0c6f7a0b5ed8d\n7ff0000000000000\n",
        capture_output=True, text=True, env=env, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["1.0", "1e-06", "inf"]
    done = subprocess.run(
        [str(build / "asan" / "deepchain"), "200000"], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "100000.5 200001.0\n"
