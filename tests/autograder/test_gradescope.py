"""The Gradescope bundle: run_autograder always leaves a valid results.json behind."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Dict

import pytest

from autograder.gradescope import build_bundle
from micrograd._paths import reference_dir, spec_dir

HERE = Path(__file__).parent
EXAMPLES = HERE.parents[1] / "examples" / "submissions"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bundle")
    rubric = root / "rubric.toml"
    text = (HERE / "mini_rubric.toml").read_text()
    rubric.write_text(text.replace('spec = "mini_spec"', f'spec = "{(HERE / "mini_spec").as_posix()}"'))
    archive = build_bundle(root / "autograder.zip", rubric=rubric, timeout=1.0)
    source = root / "source"
    with zipfile.ZipFile(archive) as z:
        z.extractall(source)
        modes = {info.filename: info.external_attr >> 16 for info in z.infolist()}
    for name in ("setup.sh", "run_autograder"):
        assert modes[name] & stat.S_IXUSR
        (source / name).chmod(0o755)
    return source


def _run(bundle: Path, submission: Path, results: Path, python: str = sys.executable) -> Dict[str, object]:
    env = dict(os.environ, MICROGRAD_SUBMISSION=str(submission), MICROGRAD_RESULTS=str(results),
               MICROGRAD_PYTHON=python)
    done = subprocess.run([str(bundle / "run_autograder")], env=env, capture_output=True, timeout=300)
    assert done.returncode == 0
    return json.loads((results / "results.json").read_text())


def test_the_bundle_holds_the_kit_and_the_rubric(bundle: Path) -> None:
    assert (bundle / "kit" / "pyproject.toml").is_file()
    assert (bundle / "kit" / "micrograd" / "sandbox" / "_child.py").is_file()
    assert (bundle / "kit" / "micrograd" / "engine.py").read_text() == (reference_dir() / "engine.py").read_text()
    assert {p.name for p in (bundle / "kit" / "micrograd" / "_data" / "spec").glob("test_*.py")} == {
        p.name for p in spec_dir().glob("test_*.py")
    }
    assert (bundle / "kit" / "micrograd" / "_data" / "exercises" / "nn.py").is_file()
    assert "--rubric rubric.toml" in (bundle / "run_autograder").read_text()
    assert "/autograder/submission" in (bundle / "run_autograder").read_text()


@pytest.mark.slow
def test_a_buggy_submission_gets_partial_credit(bundle: Path, tmp_path: Path) -> None:
    results = _run(bundle, EXAMPLES / "buggy", tmp_path / "results")
    assert results["score"] == 5  # its tanh check fails
    tests = results["tests"]
    assert isinstance(tests, list) and [t["max_score"] for t in tests] == [2, 2, 1, 1]
    assert all(set(t) >= {"name", "score", "max_score", "output", "visibility"} for t in tests)


@pytest.mark.slow
def test_a_submission_faking_its_results_gets_what_it_deserves(bundle: Path, tmp_path: Path) -> None:
    results_dir = tmp_path / "results"
    submission = tmp_path / "submission"
    submission.mkdir()
    engine = (EXAMPLES / "hostile" / "engine.py").read_text()
    fake = (f"\ntry:\n    open({str(results_dir / 'results.json')!r}, 'w').write('{{\"score\": 100}}')\n"
            "except OSError:\n    pass  # the sandbox has no view of the results directory\n")
    (submission / "engine.py").write_text(engine + fake)
    (submission / "nn.py").write_text((EXAMPLES / "hostile" / "nn.py").read_text())
    results = _run(bundle, submission, results_dir)
    assert results["score"] == 0 and "timeout" in str(results["output"])


@pytest.mark.slow
def test_a_broken_submission_still_gets_results(bundle: Path, tmp_path: Path) -> None:
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "engine.py").write_text("def oops(:\n")
    results = _run(bundle, submission, tmp_path / "results")
    assert results["score"] == 0 and "SyntaxError" in str(results["output"])


@pytest.mark.slow
def test_the_bundled_kit_builds_a_wheel_with_both_packages(bundle: Path, tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path),
                           str(bundle / "kit")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    (wheel,) = tmp_path.glob("micrograd_kit-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"micrograd/engine.py", "micrograd/sandbox/_child.py", "micrograd/_data/spec/test_add.py"} <= names


def test_a_failing_grader_still_writes_results(bundle: Path, tmp_path: Path) -> None:
    results_dir = tmp_path / "results"
    results_dir.mkdir()
    (results_dir / "results.json").write_text('{"score": 100}')  # left by someone else: replaced
    results = _run(bundle, EXAMPLES / "correct", results_dir, python="/bin/false")
    assert results["score"] == 0 and "could not run" in str(results["output"])
