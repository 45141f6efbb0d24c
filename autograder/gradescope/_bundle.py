"""Build a Gradescope autograder bundle: setup.sh, run_autograder, the kit's source, the rubric."""

from __future__ import annotations

import json
import shlex
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Iterator, List, Optional, Tuple

import autograder
from micrograd import __version__
from micrograd._paths import exercises_dir, package_dir, spec_dir

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

def _requirements() -> Tuple[List[str], List[str]]:
    """The kit's own requirements, as installed: (core, the ``oracles`` extra)."""
    from packaging.requirements import Requirement

    core: List[str] = []
    oracles: List[str] = []
    for text in metadata.requires("micrograd-kit") or []:
        req = Requirement(text)
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            core.append(text)
        elif req.marker.evaluate({"extra": "oracles"}):
            oracles.append(str(req).split(";")[0].strip())
    return core, oracles


def _pyproject() -> str:
    """A minimal pyproject.toml that installs the bundled ``micrograd`` and ``autograder`` packages."""
    core, oracles = _requirements()
    return (
        '[build-system]\nrequires = ["hatchling>=1.18"]\nbuild-backend = "hatchling.build"\n\n'
        f'[project]\nname = "micrograd-kit"\nversion = "{__version__}"\nrequires-python = ">=3.9"\n'
        f"dependencies = {json.dumps(core)}\n\n"
        f"[project.optional-dependencies]\noracles = {json.dumps(oracles)}\n\n"
        '[tool.hatch.build.targets.wheel]\npackages = ["micrograd", "autograder"]\n'
    )


def _tree(directory: Path, prefix: str, *, skip: Tuple[str, ...] = ()) -> Iterator[Tuple[Path, str]]:
    """(file, name in the bundle) for every file below ``directory``, symlinks followed."""
    for file in sorted(directory.rglob("*")):
        parts = file.relative_to(directory).parts
        if file.is_file() and "__pycache__" not in parts and file.suffix != ".pyc" and parts[0] not in skip:
            yield file, prefix + "/".join(parts)


def _kit_entries() -> Iterator[Tuple[Path, str]]:
    """The kit as installed (from a checkout or a wheel): both packages, the exercises and the spec."""
    yield from _tree(package_dir(), "kit/micrograd/", skip=("_data",))
    yield from _tree(Path(autograder.__file__).resolve().parent, "kit/autograder/")
    yield from _tree(exercises_dir(), "kit/micrograd/_data/exercises/")
    yield from _tree(spec_dir(), "kit/micrograd/_data/spec/")


def build_bundle(out: Path, *, rubric: Optional[Path] = None, timeout: Optional[float] = None,
                 memory_mb: Optional[int] = None) -> Path:
    """Write the bundle to ``out`` (a .zip); returns its path. Works from a checkout or an installed kit."""
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
            z.writestr(_entry(name, 0o755), text)
        if rubric is not None:
            z.write(rubric, "rubric" + (rubric.suffix or ".toml"))
        z.writestr(_entry("kit/pyproject.toml", 0o644), _pyproject())
        for file, name in _kit_entries():
            z.write(file, name)
    return out


def _entry(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    info.external_attr = mode << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    return info
