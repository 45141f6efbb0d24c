"""Build a Gradescope autograder bundle: setup.sh, run_autograder, the kit's source, the rubric."""

from __future__ import annotations

import shlex
import zipfile
from pathlib import Path
from typing import List, Optional

from micrograd._paths import repo_dir

__all__ = ["RUN_AUTOGRADER", "SETUP_SH", "build_bundle"]

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when the autograder image is built.
set -euo pipefail
cd /autograder/source
apt-get update && apt-get install -y python3 python3-pip python3-venv
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install --upgrade pip
/autograder/venv/bin/pip install --extra-index-url https://download.pytorch.org/whl/cpu "./kit[oracles]"
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission. It always leaves a results.json behind.
# For local tests, MICROGRAD_SUBMISSION, MICROGRAD_RESULTS and MICROGRAD_PYTHON override the paths.
SOURCE="$(cd "$(dirname "${{BASH_SOURCE[0]}}")" && pwd)"
SUBMISSION="${{MICROGRAD_SUBMISSION:-/autograder/submission}}"
RESULTS="${{MICROGRAD_RESULTS:-/autograder/results}}"
PYTHON="${{MICROGRAD_PYTHON:-/autograder/venv/bin/python}}"
mkdir -p "$RESULTS"
rm -f "$RESULTS/results.json"
cd "$SOURCE"
if ! "$PYTHON" -m autograder.gradescope._run --submission "$SUBMISSION" --results "$RESULTS" {options}; then
    # the grader itself failed (never the submission's doing): replace whatever is there
    cat > "$RESULTS/results.json" <<'JSON'
{{"score": 0, "tests": [],
 "output": "The autograder could not run on this submission. Please contact the course staff."}}
JSON
fi
exit 0
"""

_KIT = ("pyproject.toml", "README.md", "micrograd", "autograder", "reference", "exercises", "tests/spec")


def _kit_files(root: Path) -> List[Path]:
    files: List[Path] = []
    for entry in _KIT:
        path = root / entry
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                            and p.suffix not in (".pyc",))
    return files


def build_bundle(out: Path, *, rubric: Optional[Path] = None, timeout: Optional[float] = None,
                 memory_mb: Optional[int] = None) -> Path:
    """Write the bundle to ``out`` (a .zip); returns its path. Needs a source checkout of the kit."""
    root = repo_dir()
    if root is None:
        raise FileNotFoundError("micrograd gradescope needs the kit's source checkout (pyproject.toml, reference/)")
    options: List[str] = []
    if rubric is not None:
        options += ["--rubric", "rubric" + (rubric.suffix or ".toml")]
    if timeout is not None:
        options += ["--timeout", str(timeout)]
    if memory_mb is not None:
        options += ["--memory", str(memory_mb)]
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in (("setup.sh", SETUP_SH),
                           ("run_autograder", RUN_AUTOGRADER.format(options=" ".join(map(shlex.quote, options))))):
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.external_attr = 0o755 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, text)
        if rubric is not None:
            z.write(rubric, "rubric" + (rubric.suffix or ".toml"))
        for file in _kit_files(root):
            z.write(file, "kit/" + file.relative_to(root).as_posix())
    return out
