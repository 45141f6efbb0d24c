"""The Gradescope bundle: what it ships, and run_autograder always leaves a valid results.json behind.

The dry run in a Gradescope-identical root (setup.sh, then run_autograder from /autograder) is in
test_gradescope_dry_run.py; these run the bundle's scripts directly.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Dict

import pytest

from autograder.gradescope import build_bundle
from autograder.report import ExerciseResult, SubmissionResult, gradescope_results
from autograder.rubric import RubricError, load_rubric
from micrograd._paths import reference_dir
from micrograd.cli import main
from micrograd.judge import read_exam

HERE = Path(__file__).parent
EXAMPLES = HERE.parents[1] / "examples" / "submissions"


def _unzip(archive: Path, source: Path) -> Path:
    with zipfile.ZipFile(archive) as z:
        z.extractall(source)
        modes = {info.filename: info.external_attr >> 16 for info in z.infolist()}
    for name in ("setup.sh", "run_autograder"):
        assert modes[name] & stat.S_IXUSR
        (source / name).chmod(0o755)
    return source


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bundle")
    rubric = root / "rubric.toml"  # a rubric elsewhere than its spec: the spec is found and shipped
    text = (HERE / "mini_rubric.toml").read_text()
    rubric.write_text(text.replace('spec = "mini_spec"', f'spec = "{(HERE / "mini_spec").as_posix()}"'))
    archive = build_bundle(root / "autograder.zip", rubric=rubric, timeout=1.0)
    return _unzip(archive, root / "source")


def _run(bundle: Path, submission: Path, results: Path, python: str = sys.executable) -> Dict[str, object]:
    env = dict(os.environ, MICROGRAD_SOURCE=str(bundle), MICROGRAD_SUBMISSION=str(submission),
               MICROGRAD_RESULTS=str(results), MICROGRAD_PYTHON=python)
    done = subprocess.run([str(bundle / "run_autograder")], env=env, capture_output=True, timeout=300)
    assert done.returncode == 0
    return json.loads((results / "results.json").read_text())


def test_the_bundle_holds_the_kit_and_a_self_contained_rubric(bundle: Path) -> None:
    assert (bundle / "kit" / "pyproject.toml").is_file()
    assert (bundle / "kit" / "micrograd" / "sandbox" / "_child.py").is_file()
    assert (bundle / "kit" / "micrograd" / "engine.py").read_text() == (reference_dir() / "engine.py").read_text()
    assert (bundle / "kit" / "micrograd" / "spec" / "_add.py").is_file()  # the spec is part of the package
    # the exam the instructor's grader made, and the versions it ran with, pinned for setup.sh
    assert read_exam(bundle / "exam.json").max_examples == 15
    pins = (bundle / "constraints.txt").read_text().splitlines()
    assert f"hypothesis=={metadata.version('hypothesis')}" in pins and f"numpy=={metadata.version('numpy')}" in pins
    assert "-c constraints.txt" in (bundle / "setup.sh").read_text()
    assert (bundle / "kit" / "micrograd" / "_data" / "exercises" / "nn.py").is_file()
    # the rubric's own spec travels with it, and the rubric names it relative to itself
    assert (bundle / "spec" / "test_mini.py").read_text() == (HERE / "mini_spec" / "test_mini.py").read_text()
    data = json.loads((bundle / "rubric.json").read_text())
    assert data["settings"]["spec"] == "spec"
    shipped, original = load_rubric(bundle / "rubric.json"), load_rubric(HERE / "mini_rubric.toml")
    assert shipped.rules == original.rules and shipped.max_examples == original.max_examples == 15
    assert shipped.forbid_imports == original.forbid_imports
    # run_autograder finds it wherever Gradescope runs the script from (it runs a copy in /autograder)
    script = (bundle / "run_autograder").read_text()
    assert '--rubric "$SOURCE/rubric.json"' in script and 'SOURCE="${MICROGRAD_SOURCE:-/autograder/source}"' in script
    assert "dirname" not in script


def test_setup_installs_only_what_grading_runs(bundle: Path) -> None:
    """Issue 18: setup.sh installed torch "as the oracle" (where PyTorch's own index was unreachable, the
    CUDA build and about 20 nvidia packages): grading judges with the kit's exact oracle and needs none."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib

    setup = (bundle / "setup.sh").read_text()
    assert "bubblewrap" in setup  # the sandbox's bwrap layer
    assert '/autograder/venv/bin/pip install -c constraints.txt "./kit[gradescope]"\n' in setup
    assert "torch" not in setup.lower() and "jax" not in setup.lower() and "index-url" not in setup
    project = tomllib.loads((bundle / "kit" / "pyproject.toml").read_text())["project"]
    # the one extra: the uid layer's syscall filter (Gradescope's Docker usually has no namespaces for bwrap)
    assert [r.split(">")[0] for r in project["optional-dependencies"]["gradescope"]] == ["pyseccomp"]
    core = [req.split(";")[0].split(">")[0].split("=")[0].strip() for req in project["dependencies"]]
    assert set(core) <= {"numpy", "hypothesis", "pytest", "rich", "tomli"}, core
    pinned = {line.split("==")[0] for line in (bundle / "constraints.txt").read_text().splitlines()
              if "==" in line}
    assert not pinned & {"torch", "jax", "jaxlib", "nbformat", "matplotlib"}, pinned


def test_grading_imports_no_optional_package() -> None:
    """What setup.sh installs is all grading runs: grading a submission in a fresh interpreter imports none of
    the kit's optional packages (torch, JAX, nbformat, matplotlib...)."""
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from autograder.gradescope._run import main\n"
        f"sys.exit(main(['--submission', {str(EXAMPLES / 'buggy')!r}, '--results', sys.argv[1],"
        f" '--rubric', {str(HERE / 'mini_rubric.toml')!r}, '--isolation', 'none']))\n"
    )
    probe = (
        "import runpy, sys, atexit\n"
        "optional = ('torch', 'jax', 'jaxlib', 'nbformat', 'nbgrader', 'matplotlib', 'streamlit', 'yaml')\n"
        "atexit.register(lambda: print('IMPORTED', sorted({m.split('.')[0] for m in sys.modules}"
        " & set(optional))))\n"
    )
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run([sys.executable, "-c", probe + script, tmp], capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]
        assert json.loads((Path(tmp) / "results.json").read_text())["score"] == 5
    assert "IMPORTED []" in done.stdout, done.stdout[-2000:]


def test_run_autograder_works_as_gradescope_runs_it(tmp_path: Path) -> None:
    """A copy of run_autograder in /autograder, run from /autograder, with nothing overridden: the
    rubric is found (item 1: a relative rubric.toml gave every student 0) and the isolation mode passed."""
    if os.geteuid() != 0 or shutil.which("bwrap") is None:
        pytest.skip("needs root and bwrap to put a folder on /autograder")
    archive = build_bundle(tmp_path / "autograder.zip", rubric=HERE / "mini_rubric.toml")
    autograder = tmp_path / "autograder"
    _unzip(archive, autograder / "source")
    shutil.copy2(autograder / "source" / "run_autograder", autograder / "run_autograder")
    (autograder / "submission").mkdir()
    venv = autograder / "venv" / "bin"
    venv.mkdir(parents=True)
    # a stand-in for the venv's python: records what it was given, as the grader would see it
    (venv / "python").write_text(
        "#!/bin/sh\n"
        'rubric=""; prev=""\n'
        'for a in "$@"; do [ "$prev" = "--rubric" ] && rubric="$a"; prev="$a"; done\n'
        'printf "%s\\n" "cwd=$(pwd)" "rubric=$rubric" "isolation=$MICROGRAD_ISOLATION" > /autograder/seen.txt\n'
        '[ -f "$rubric" ] || exit 1\n'
        'printf \'{"score": 1, "tests": []}\' > /autograder/results/results.json\n')
    (venv / "python").chmod(0o755)
    done = subprocess.run(["bwrap", "--dev-bind", "/", "/", "--bind", str(autograder), "/autograder",
                           "--chdir", "/autograder", "/autograder/run_autograder"],
                          capture_output=True, text=True, timeout=60, env={"PATH": os.environ["PATH"]})
    assert done.returncode == 0, done.stderr
    seen = dict(line.split("=", 1) for line in (autograder / "seen.txt").read_text().splitlines())
    assert seen == {"cwd": "/autograder/source", "rubric": "/autograder/source/rubric.json", "isolation": "auto"}
    assert json.loads((autograder / "results" / "results.json").read_text())["score"] == 1


def test_a_rubric_sets_who_sees_each_test(tmp_path: Path) -> None:
    rubric = tmp_path / "rubric.toml"
    rubric.write_text(f'[settings]\nspec = "{(HERE / "mini_spec").as_posix()}"\nvisibility = "after_due_date"\n'
                      '[exercises.add]\npoints = 1\n[exercises.tanh]\npoints = 1\nvisibility = "hidden"\n')
    loaded = load_rubric(rubric)
    result = SubmissionResult("s", "graded", "", 1, 2, (ExerciseResult("add", "addition", 1, 1, 1, 1),
                                                        ExerciseResult("tanh", "tanh", 1, 0, 0, 1)))
    tests = gradescope_results(result, loaded).tests
    assert [(t.name.split(":")[0], t.visibility) for t in tests] == [("add", "after_due_date"), ("tanh", "hidden")]
    assert [t.visibility for t in gradescope_results(result).tests] == ["visible", "visible"]
    # the bundle keeps them
    archive = build_bundle(tmp_path / "a.zip", rubric=rubric)
    shipped = json.loads(zipfile.ZipFile(archive).read("rubric.json"))
    assert shipped["exercises"]["tanh"]["visibility"] == "hidden"
    assert shipped["exercises"]["add"]["visibility"] == "after_due_date"
    rubric.write_text(rubric.read_text().replace('"hidden"', '"hiden"'))
    with pytest.raises(RubricError, match="did you mean 'hidden'"):
        load_rubric(rubric)


def test_the_command_line_checks_the_rubric_and_the_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "r.toml"
    bad.write_text("[exercises.nope]\n")
    assert main(["gradescope", "--out", str(tmp_path / "a.zip"), "--rubric", str(bad)]) == 2
    assert "unknown exercise 'nope'" in capsys.readouterr().err
    assert main(["gradescope", "--out", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err
    assert not (tmp_path / "a.zip").exists()
    # issue 18: --out /nonexistent/x.zip created /nonexistent
    assert main(["gradescope", "--out", str(tmp_path / "typo" / "a.zip")]) == 2
    assert f"the folder {tmp_path / 'typo'} does not exist" in capsys.readouterr().err
    assert not (tmp_path / "typo").exists()


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
    assert {"micrograd/engine.py", "micrograd/sandbox/_child.py", "micrograd/spec/_add.py", "micrograd/spec/exam.json",
            "autograder/course/rubric.toml",
            "autograder/course/templates/feedback/micrograd_feedback.html.j2"} <= names


def test_a_failing_grader_still_writes_results(bundle: Path, tmp_path: Path) -> None:
    results_dir = tmp_path / "results"
    results_dir.mkdir()
    (results_dir / "results.json").write_text('{"score": 100}')  # left by someone else: replaced
    results = _run(bundle, EXAMPLES / "correct", results_dir, python="/bin/false")
    assert results["score"] == 0 and "could not run" in str(results["output"])


def test_the_docs_tell_one_story_grading_needs_no_pytorch() -> None:
    """Issue 18: docs/grading.md and docs/nbgrader.md said to install torch "else the grader judges with finite
    differences", the README the opposite, and setup.sh installed it. No page tells anyone to install it
    for grading, and each says grading needs none."""
    root = HERE.parents[1]
    pages = {name: (root / name).read_text(encoding="utf-8") for name in ("docs/grading.md", "docs/nbgrader.md")}
    for name, text in pages.items():
        flat = " ".join(text.split())
        assert "pip install torch" not in flat and "download.pytorch.org" not in flat, name
        assert "finite differences" not in flat, name  # the grader never judges with them
        assert re.search(r"(needs no PyTorch|PyTorch is neither needed nor used)", flat), name
    readme = " ".join((root / "README.md").read_text(encoding="utf-8").split())
    assert "grading needs no PyTorch" in readme
