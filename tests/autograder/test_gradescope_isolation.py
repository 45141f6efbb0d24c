"""run_autograder as Gradescope runs it, as root, with ``/autograder`` in a throwaway mount namespace:
it grades with the best layer (or the one asked for), says which, and writes results.json only after
every process of the submission is gone (a submission that tries to outlive it changes nothing).

A minimal check of the isolation behaviour; the full Gradescope dry run (setup.sh included) is the
Gradescope bundle's own test.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any, Dict

import pytest

from autograder.gradescope import build_bundle
from micrograd._paths import package_dir, reference_dir

HERE = Path(__file__).parent

OUTLIVE = """
import os, time
try:
    if os.fork() == 0:
        os.setsid()
        time.sleep(2)
        with open("/autograder/results/results.json", "w") as f:
            f.write('{"score": 100}')
        os._exit(0)
except OSError:
    pass  # no new process in the sandbox
for path in ("/autograder/results/results.json", "/autograder/source/run_autograder"):
    try:
        with open(path, "w") as f:
            f.write("overwritten by the submission")
    except OSError:
        pass
"""

REFERENCE = """
import importlib, os, sys
for name in [m for m in sys.modules if m.startswith("micrograd")]:
    del sys.modules[name]
sys.path[:0] = [{kit!r}, {site!r}]
for source in ({ref!r}, "/autograder/source/kit/micrograd/engine.py"):
    try:
        exec(open(source).read())
        break
    except OSError:
        pass
else:
    Value = importlib.import_module("micrograd.engine").Value
"""


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if os.geteuid() != 0 or shutil.which("bwrap") is None:
        pytest.skip("run_autograder's isolation is checked as root with bubblewrap (as CI runs)")
    root = tmp_path_factory.mktemp("bundle")
    rubric = root / "rubric.toml"
    rubric.write_text((HERE / "mini_rubric.toml").read_text()
                      .replace('spec = "mini_spec"', f'spec = "{(HERE / "mini_spec").as_posix()}"'))
    source = root / "source"
    with zipfile.ZipFile(build_bundle(root / "autograder.zip", rubric=rubric, timeout=1.0)) as z:
        z.extractall(source)
    (source / "run_autograder").chmod(0o755)
    return source


def _run_autograder(bundle: Path, submission: Path, tmp_path: Path, isolation: str) -> Dict[str, Any]:
    """run_autograder from /autograder, /autograder being a tmpfs of a new mount namespace."""
    results = tmp_path / "results"
    results.mkdir()
    first = 3_200_000 + random.randrange(0, 100) * 1000
    env = dict(os.environ, MICROGRAD_PYTHON=sys.executable, MICROGRAD_ISOLATION=isolation,
               MICROGRAD_SANDBOX_UIDS=f"{first}-{first + 999}")
    env.pop("MICROGRAD_SUBMISSION", None)
    env.pop("MICROGRAD_RESULTS", None)
    command = ["bwrap", "--dev-bind", "/", "/", "--tmpfs", "/autograder", "--bind", str(bundle), "/autograder/source",
               "--ro-bind", str(submission), "/autograder/submission", "--bind", str(results), "/autograder/results",
               "--chdir", "/autograder", "--", "/autograder/source/run_autograder"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    written = (results / "results.json").read_text()
    time.sleep(3)  # a process left behind would rewrite results.json 2 s after the submission was imported
    return {"stdout": done.stdout, "written": written, "later": (results / "results.json").read_text(),
            "uids": range(first, first + 1000)}


def _processes_of(uids: range) -> list:
    found = []
    for name in os.listdir("/proc"):
        try:
            with open(f"/proc/{name}/status") as f:
                line = next(line for line in f if line.startswith("Uid:"))
            if any(int(u) in uids for u in line.split()[1:4]):
                found.append(name)
        except (OSError, StopIteration, ValueError):
            continue
    return found


def _submission(tmp_path: Path, engine: str) -> Path:
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "engine.py").write_text(engine)
    (folder / "nn.py").write_text((reference_dir() / "nn.py").read_text())
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("isolation", ["auto", "uid"])
def test_results_are_written_after_the_submission_is_gone(bundle: Path, tmp_path: Path, isolation: str) -> None:
    submission = _submission(tmp_path, (reference_dir() / "engine.py").read_text() + OUTLIVE)
    run = _run_autograder(bundle, submission, tmp_path, isolation)
    assert run["stdout"].startswith(f"isolation: {'bwrap' if isolation == 'auto' else 'uid'} (")
    results = json.loads(run["written"])
    assert results["score"] == 6 and run["later"] == run["written"]
    assert "overwritten" not in (bundle / "run_autograder").read_text()
    assert _processes_of(run["uids"]) == []


@pytest.mark.slow
@pytest.mark.parametrize("isolation", ["auto", "uid"])
def test_a_submission_that_loads_the_reference_scores_zero(bundle: Path, tmp_path: Path, isolation: str) -> None:
    import sysconfig

    engine = REFERENCE.format(kit=str(package_dir().parent), site=sysconfig.get_paths()["purelib"],
                              ref=str(reference_dir() / "engine.py"))
    run = _run_autograder(bundle, _submission(tmp_path, engine), tmp_path, isolation)
    results = json.loads(run["written"])
    assert results["score"] == 0 and "No module named 'micrograd.engine'" in json.dumps(results)
