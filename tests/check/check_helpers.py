"""Helpers of the check tests: run the command, make a buggy copy of the reference, read the output."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from micrograd import check
from micrograd.impl import reference_dir
from micrograd.verdict import EXERCISES

FAKE_SPEC = Path(__file__).parent / "fake_spec"
FAKE_EXERCISES = ["add", "mul", "relu", "backward", "accumulation"]


def run_check(capsys, *args: str, spec: Optional[Path] = FAKE_SPEC) -> Tuple[int, str, str]:
    """Run the check command's own parser and run() on ``spec`` (None: the kit's); (exit status, stdout, stderr)."""
    parser = argparse.ArgumentParser(prog="micrograd check")
    check.configure(parser)
    status = check.run(parser.parse_args([*(["--spec", str(spec)] if spec is not None else []), *args]))
    out, err = capsys.readouterr()
    return status, out, err


def copy_of_reference(tmp_path: Path, old: str, new: str) -> Path:
    """The reference with one source edit (a student's bug)."""
    target = tmp_path / "submission"
    target.mkdir()
    for name in ("engine.py", "nn.py"):
        shutil.copy(reference_dir() / name, target / name)
    engine = target / "engine.py"
    source = engine.read_text()
    if old not in source:
        raise AssertionError(f"the reference no longer contains {old!r}; update this test's bug")
    engine.write_text(source.replace(old, new, 1))
    return target


def rows(out: str) -> dict:
    """exercise name -> its line in the table."""
    table = {}
    for line in out.splitlines():
        words = line.split()
        if words and words[0] in EXERCISES and len(words) > 1 and words[0] not in table:
            table[words[0]] = line
    return table


def counterexample(out: str) -> str:
    """The code under "Counterexample (runnable):", exactly as printed (it runs as it is)."""
    lines = out.splitlines()
    start = lines.index("Counterexample (runnable):") + 1
    while not lines[start].strip():
        start += 1
    code: List[str] = []
    for line in lines[start:]:
        if line == "Expected vs got:" or line.startswith("Hint: "):
            break
        code.append(line)
    return "\n".join(code).strip("\n") + "\n"


def sections(out: str) -> Dict[str, str]:
    """exercise name -> the text under its failure heading ("add: addition ────")."""
    found: Dict[str, str] = {}
    current = None
    for line in out.splitlines():
        words = line.split()
        if words and words[0].endswith(":") and words[0][:-1] in EXERCISES and words[-1].startswith("──"):
            current = words[0][:-1]
            found[current] = ""
        elif current is not None:
            found[current] += line + "\n"
    return found


def check_spec_dir() -> Optional[Path]:
    """The kit's own spec, for ``run_check(spec=...)`` (it is part of the package: no directory names it)."""
    return None
