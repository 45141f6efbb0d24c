"""Build a Gradescope autograder bundle: setup.sh, run_autograder, the kit's source, the rubric."""

from __future__ import annotations

import json
import shlex
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Iterator, List, Optional, Tuple

import autograder
from autograder.grade._exam import grading_exam
from autograder.gradescope._pins import constraints_text
from autograder.rubric import load_rubric
from micrograd import __version__
from micrograd._paths import exercises_dir, package_dir

__all__ = ["CONSTRAINTS", "EXAM", "RUBRIC", "RUN_AUTOGRADER", "SETUP_SH", "SPEC", "build_bundle"]

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
# The kit and only what grading runs: its core dependencies (numpy, Hypothesis, pytest, rich) and its
# gradescope extra (pyseccomp: the uid layer's syscall filter). The grader judges with the kit's own exact
# oracle, in plain Python, and reads notebooks as JSON: no other package is installed, and none of the
# optional oracles' (they only cross-check the spec). constraints.txt pins every package to the version
# the instructor graded with (micrograd gradescope made it).
/autograder/venv/bin/pip install -c constraints.txt "./kit[gradescope]"
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
EXAM="$SOURCE/{exam}"  # the graded examples, drawn once by the instructor
GRADE="autograder.gradescope._run"
if ! "$PYTHON" -m "$GRADE" --submission "$SUBMISSION" --results "$RESULTS" --exam "$EXAM" {options}; then
    # the grader itself failed (never the submission's doing): replace whatever is there
    cat > "$RESULTS/results.json" <<'JSON'
{{"score": 0, "tests": [],
 "output": "The autograder could not run on this submission. Please contact the course staff."}}
JSON
fi
exit 0
"""

#: the rubric's name in the bundle (a JSON rubric, every exercise spelled out), its spec's folder, the exam every
#: submission is judged on, and the versions of what setup.sh installs
RUBRIC = "rubric.json"
SPEC = "spec"
EXAM = "exam.json"
CONSTRAINTS = "constraints.txt"


def _requirements() -> Tuple[List[str], List[str]]:
    """The kit's requirements, as installed: (core, its ``gradescope`` extra), all that grading runs there (the
    core, and the uid layer's syscall filter; no oracle, no notebook reader)."""
    from packaging.requirements import Requirement

    core: List[str] = []
    extra: List[str] = []
    for text in metadata.requires("micrograd-kit") or []:
        req = Requirement(text)
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            core.append(text)
        elif req.marker.evaluate({"extra": "gradescope", "sys_platform": "linux", "platform_system": "Linux"}):
            extra.append(f"{req.name}{req.specifier}")  # Gradescope's machines run Linux
    return core, extra


def _pyproject() -> str:
    """A minimal pyproject.toml that installs the bundled ``micrograd`` and ``autograder`` packages."""
    core, extra = _requirements()
    return (
        '[build-system]\nrequires = ["hatchling>=1.18"]\nbuild-backend = "hatchling.build"\n\n'
        f'[project]\nname = "micrograd-kit"\nversion = "{__version__}"\nrequires-python = ">=3.9"\n'
        f"dependencies = {json.dumps(core)}\n\n"
        f"[project.optional-dependencies]\ngradescope = {json.dumps(extra)}\n\n"
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
    """The kit as installed (from a checkout or a wheel): both packages (the spec is part of micrograd) and the
    exercises."""
    yield from _tree(package_dir(), "kit/micrograd/", skip=("_data",))
    yield from _tree(Path(autograder.__file__).resolve().parent, "kit/autograder/")
    yield from _tree(exercises_dir(), "kit/micrograd/_data/exercises/")


def _constraints() -> str:
    """constraints.txt: the installed versions of everything ``./kit[gradescope]`` installs (not the kit itself)."""
    core, extra = _requirements()
    return constraints_text([*core, *extra], skip=("micrograd-kit",))


def build_bundle(out: Path, *, rubric: Optional[Path] = None, timeout: Optional[float] = None,
                 memory_mb: Optional[int] = None, isolation: str = "auto", exam: Optional[Path] = None) -> Path:
    """Write the bundle to ``out`` (a .zip); returns its path. Works from a checkout or an installed kit.

    ``rubric`` is checked (RubricError) and shipped as rubric.json, with its spec when it names one;
    ``exam``: the examples every submission is judged on (default: the kit's when the rubric fits it, else
    made now), shipped as exam.json; ``isolation`` is how the sandbox isolates submissions (exported as
    MICROGRAD_ISOLATION). constraints.txt pins what setup.sh installs to the versions installed here. The
    folder ``out`` goes into must exist (FileNotFoundError): a typo in a path never creates a tree.
    """
    if not out.absolute().parent.is_dir():
        raise FileNotFoundError(f"the folder {out.absolute().parent} does not exist: create it first, or check "
                                f"the path of {out}")
    options: List[str] = []
    entries: List[Tuple[Path, str]] = []
    rubric_text = None
    loaded = load_rubric(rubric)
    exam_text = grading_exam(loaded, exam).to_text()
    if rubric is not None:
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
        run_autograder = RUN_AUTOGRADER.format(options=" ".join(options), isolation=isolation, exam=EXAM)
        for name, text in (("setup.sh", SETUP_SH), ("run_autograder", run_autograder)):
            z.writestr(_entry(name, 0o755), text)
        if rubric_text is not None:
            z.writestr(_entry(RUBRIC, 0o644), rubric_text)
        z.writestr(_entry(EXAM, 0o644), exam_text)
        z.writestr(_entry(CONSTRAINTS, 0o644), _constraints())
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
