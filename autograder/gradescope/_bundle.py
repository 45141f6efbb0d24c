"""Build a Gradescope autograder bundle: setup.sh, run_autograder, the kit's source, the rubric."""

from __future__ import annotations

import json
import shlex
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Iterator, List, Optional, Tuple

import autograder
from autograder.rubric import load_rubric
from micrograd import __version__
from micrograd._paths import exercises_dir, package_dir, spec_dir

__all__ = ["RUBRIC", "RUN_AUTOGRADER", "SETUP_SH", "SPEC", "build_bundle"]

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (Ubuntu).
set -euo pipefail
cd /autograder/source
export DEBIAN_FRONTEND=noninteractive
apt-get update
# bubblewrap: the sandbox puts each submission in a bwrap container when bwrap is there
apt-get install -y python3 python3-pip python3-venv bubblewrap
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install --upgrade pip
# The kit and only what grading runs: its core dependencies (numpy, Hypothesis, pytest, rich). The
# grader judges with the kit's own exact oracle, in plain Python, and reads notebooks as JSON: no
# other package is installed, and none of the optional oracles' (they only cross-check the spec).
/autograder/venv/bin/pip install ./kit
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope copies this file to /autograder/run_autograder and runs it from /autograder, as root,
# for every submission. It always leaves a results.json behind.
# For local tests, MICROGRAD_SOURCE, MICROGRAD_SUBMISSION, MICROGRAD_RESULTS and MICROGRAD_PYTHON
# override the paths.
SOURCE="${{MICROGRAD_SOURCE:-/autograder/source}}"
SUBMISSION="${{MICROGRAD_SUBMISSION:-/autograder/submission}}"
RESULTS="${{MICROGRAD_RESULTS:-/autograder/results}}"
PYTHON="${{MICROGRAD_PYTHON:-/autograder/venv/bin/python}}"
# how the sandbox isolates each submission (auto: the strongest available)
export MICROGRAD_ISOLATION="${{MICROGRAD_ISOLATION:-{isolation}}}"
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

#: the rubric's name in the bundle (a JSON rubric, every exercise spelled out) and its spec's folder
RUBRIC = "rubric.json"
SPEC = "spec"


def _requirements() -> List[str]:
    """The kit's core requirements, as installed: all that grading runs (no extra: grading needs none)."""
    from packaging.requirements import Requirement

    core: List[str] = []
    for text in metadata.requires("micrograd-kit") or []:
        req = Requirement(text)
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            core.append(text)
    return core


def _pyproject() -> str:
    """A minimal pyproject.toml that installs the bundled ``micrograd`` and ``autograder`` packages."""
    return (
        '[build-system]\nrequires = ["hatchling>=1.18"]\nbuild-backend = "hatchling.build"\n\n'
        f'[project]\nname = "micrograd-kit"\nversion = "{__version__}"\nrequires-python = ">=3.9"\n'
        f"dependencies = {json.dumps(_requirements())}\n\n"
        '[tool.hatch.build.targets.wheel]\npackages = ["micrograd", "autograder"]\n'
    )


def _tree(directory: Path, prefix: str, *, skip: Tuple[str, ...] = ()) -> Iterator[Tuple[Path, str]]:
    """(file, name in the bundle) for every file below ``directory``, symlinks followed."""
    for file in sorted(directory.rglob("*")):
        parts = file.relative_to(directory).parts
        if (file.is_file() and "__pycache__" not in parts and ".hypothesis" not in parts and file.suffix != ".pyc"
                and parts[0] not in skip):
            yield file, prefix + "/".join(parts)


def _kit_entries() -> Iterator[Tuple[Path, str]]:
    """The kit as installed (from a checkout or a wheel): both packages, the exercises and the spec."""
    yield from _tree(package_dir(), "kit/micrograd/", skip=("_data",))
    yield from _tree(Path(autograder.__file__).resolve().parent, "kit/autograder/")
    yield from _tree(exercises_dir(), "kit/micrograd/_data/exercises/")
    yield from _tree(spec_dir(), "kit/micrograd/_data/spec/")


def build_bundle(out: Path, *, rubric: Optional[Path] = None, timeout: Optional[float] = None,
                 memory_mb: Optional[int] = None, isolation: str = "auto") -> Path:
    """Write the bundle to ``out`` (a .zip); returns its path. Works from a checkout or an installed kit.

    ``rubric`` is checked (RubricError) and shipped as rubric.json, with its spec when it names one;
    ``isolation`` is how the sandbox isolates submissions (exported as MICROGRAD_ISOLATION). The folder
    ``out`` goes into must exist (FileNotFoundError): a typo in a path never creates a tree.
    """
    if not out.absolute().parent.is_dir():
        raise FileNotFoundError(f"the folder {out.absolute().parent} does not exist: create it first, or check "
                                f"the path of {out}")
    options: List[str] = []
    entries: List[Tuple[Path, str]] = []
    rubric_text = None
    if rubric is not None:
        loaded = load_rubric(rubric)
        if loaded.spec is not None:
            entries += list(_tree(Path(loaded.spec), SPEC + "/", skip=(".hypothesis",)))
        rubric_text = json.dumps(loaded.to_dict(spec=SPEC if loaded.spec is not None else None), indent=2) + "\n"
        options.append(f'--rubric "$SOURCE/{RUBRIC}"')
    if timeout is not None:
        options += ["--timeout", shlex.quote(str(timeout))]
    if memory_mb is not None:
        options += ["--memory", shlex.quote(str(memory_mb))]
    if not isolation or not isolation.replace("-", "").replace("_", "").isalnum():
        raise ValueError(f"isolation must be a mode name such as auto, got {isolation!r}")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        run_autograder = RUN_AUTOGRADER.format(options=" ".join(options), isolation=isolation)
        for name, text in (("setup.sh", SETUP_SH), ("run_autograder", run_autograder)):
            z.writestr(_entry(name, 0o755), text)
        if rubric_text is not None:
            z.writestr(_entry(RUBRIC, 0o644), rubric_text)
        for file, name in entries:
            z.write(file, name)
        z.writestr(_entry("kit/pyproject.toml", 0o644), _pyproject())
        for file, name in _kit_entries():
            z.write(file, name)
    return out


def _entry(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    info.external_attr = mode << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    return info
