"""The C twin's backward: its topological sort is iterative, so a graph deeper than the C stack is fine."""

from __future__ import annotations

import subprocess

from c_twin import CPrograms


def test_backward_through_a_chain_of_a_million_additions(c_programs: CPrograms) -> None:
    # y = ((x + x) + x) + ... with x = 0.5: a recursive build_topo needs a stack frame per link and
    # overflows the default 8 MB C stack long before a million (checked: it dies with SIGSEGV)
    done = subprocess.run([str(c_programs.deepchain), "1000000"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"exit status {done.returncode}: {done.stderr}"
    assert done.stdout == "500000.5 1000001.0\n"


def test_deepchain_wants_one_positive_length(c_programs: CPrograms) -> None:
    for arguments in ([], ["0"], ["12x"], ["1", "2"]):
        done = subprocess.run([str(c_programs.deepchain), *arguments], capture_output=True, text=True, timeout=60)
        assert done.returncode == 2, arguments
        assert "usage:" in done.stderr
