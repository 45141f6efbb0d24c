"""The nbgrader course: its source notebook is built from reference/, nbgrader releases what
exercises/ holds, and autograding scores a correct and a buggy submission as it should."""

from __future__ import annotations

import copy
import csv
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="the notebooks extra is not installed")

from autograder.course import (  # noqa: E402 (after importorskip)
    ExerciseFailedError,
    NotebookFilesError,
    grade_exercise,
    notebook_files,
    write_notebook_files,
)
from autograder.course import build as course_build  # noqa: E402
from micrograd import _paths  # noqa: E402
from micrograd.mutants import mutant, mutate  # noqa: E402
from micrograd.verdict import EXERCISES  # noqa: E402

NBGRADER = shutil.which("nbgrader", path=str(Path(sys.executable).parent)) or shutil.which("nbgrader")
needs_nbgrader = pytest.mark.skipif(NBGRADER is None, reason="nbgrader is not installed (pip install nbgrader)")

def nbgrader_cells(notebook):
    return {c.metadata["nbgrader"]["grade_id"]: c for c in notebook.cells if "nbgrader" in c.metadata}


# --- the source notebook -------------------------------------------------------------------


def test_source_notebook_is_up_to_date_with_the_reference():
    assert course_build.check_source() == [], "run python -m autograder.course.build"


def test_check_source_notices_a_changed_reference(tmp_path):
    reference = tmp_path / "reference"
    shutil.copytree(_paths.reference_dir(), reference, ignore=shutil.ignore_patterns("__pycache__"))
    course_build.write_source(tmp_path, reference)
    assert course_build.check_source(tmp_path, reference) == []
    engine = reference / "engine.py"
    engine.write_text(engine.read_text().replace("self.grad += out.grad\n", "self.grad += 2 * out.grad\n", 1))
    (diff,) = course_build.check_source(tmp_path, reference)
    assert re.search(r"(?m)^\+ .*self\.grad \+= 2 \* out\.grad", diff)


def test_solution_cells_are_the_reference_files_behind_writefile():
    cells = nbgrader_cells(course_build.build_notebook())
    for stem in ("engine", "nn"):
        source = cells[f"{stem}_code"].source
        first, rest = source.split("\n", 1)
        assert first == f"%%writefile {stem}.py"
        assert rest + "\n" == (_paths.reference_dir() / f"{stem}.py").read_text()
        assert cells[f"{stem}_code"].metadata["nbgrader"]["solution"] is True


def test_every_exercise_has_a_locked_graded_hidden_test_cell():
    cells = nbgrader_cells(course_build.build_notebook())
    for name in EXERCISES:
        cell = cells[f"test_{name}"]
        meta = cell.metadata["nbgrader"]
        assert meta["grade"] and meta["locked"] and not meta["solution"]
        assert meta["points"] == course_build.POINTS.get(name, 1)
        hidden = cell.source.split("### BEGIN HIDDEN TESTS\n", 1)[1].split("### END HIDDEN TESTS")[0]
        assert f"grade_exercise({name!r})" in hidden
    # the engine's tests come after the engine, the network's after the network
    order = list(cells)
    assert order.index("engine_code") < order.index("test_add") < order.index("nn_code") < order.index("test_neuron")


def test_build_command_writes_the_notebook(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(course_build, "COURSE_DIR", tmp_path)
    assert course_build.main(["--check"]) == 1
    assert "out of date" in capsys.readouterr().err
    assert course_build.main([]) == 0
    assert course_build.main(["--check"]) == 0
    assert json.loads((tmp_path / "source" / "micrograd" / "micrograd.ipynb").read_text())["nbformat"] == 4


# --- grade_exercise, the hidden tests' call -------------------------------------------------


@pytest.fixture
def student(tmp_path):
    """A copy of the reference, as the notebook's %%writefile cells leave it."""
    for file in ("engine.py", "nn.py"):
        shutil.copy(_paths.reference_dir() / file, tmp_path / file)
    return tmp_path


def test_grade_exercise_passes_a_correct_exercise(student, capsys):
    assert grade_exercise("add", student) is None
    assert re.search(r"exercise add \(Value.__add__\): all \d+ properties pass", capsys.readouterr().out)


def test_grade_exercise_fails_a_broken_exercise_with_the_counterexample(student):
    engine = student / "engine.py"
    engine.write_text(engine.read_text().replace("self.grad += out.grad\n", "self.grad += out.data\n", 1))
    with pytest.raises(ExerciseFailedError, match=r"exercise add \(Value.__add__\) fails") as error:
        grade_exercise("add", student)
    assert "Value(" in str(error.value)  # the runnable counterexample


def test_grade_exercise_says_a_stub_is_not_started():
    with pytest.raises(ExerciseFailedError, match=r"exercise mul is not started: Value.__mul__"):
        grade_exercise("mul", _paths.exercises_dir())


def test_grade_exercise_says_which_exercise_blocks_it():
    with pytest.raises(ExerciseFailedError, match=r"exercise neg_sub .* is blocked by exercise add"):
        grade_exercise("neg_sub", _paths.exercises_dir())


def test_grade_exercise_rejects_an_unknown_exercise(student):
    with pytest.raises(ValueError, match="unknown exercise 'ad'"):
        grade_exercise("ad", student)


def test_grade_exercise_reports_a_missing_file(tmp_path):
    with pytest.raises(ExerciseFailedError, match=r"could not be checked: .*engine\.py"):
        grade_exercise("add", tmp_path)


# --- nbgrader itself ------------------------------------------------------------------------


def nbgrader(course: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    assert NBGRADER is not None
    return subprocess.run(
        [NBGRADER, *args], cwd=course, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course directory (config and source) in which ``nbgrader generate_assignment`` ran."""
    if NBGRADER is None:
        pytest.skip("nbgrader is not installed (pip install nbgrader)")
    root = tmp_path_factory.mktemp("course")
    shutil.copy(course_build.COURSE_DIR / "nbgrader_config.py", root)
    shutil.copytree(course_build.COURSE_DIR / "source", root / "source",
                    ignore=shutil.ignore_patterns("*.py", ".hypothesis", ".ipynb_checkpoints"))
    # an instructor who ran the source notebook has the solution as .py files in source/:
    # the config must keep them out of the release
    for file in ("engine.py", "nn.py"):
        shutil.copy(_paths.reference_dir() / file, root / "source" / "micrograd" / file)
    done = nbgrader(root, "generate_assignment", "micrograd")
    assert done.returncode == 0, done.stderr
    return root


def release_code(course: Path, grade_id: str) -> str:
    notebook = nbformat.read(course / "release" / "micrograd" / "micrograd.ipynb", as_version=4)
    return nbgrader_cells(notebook)[grade_id].source


def without_stubs(code: str) -> str:
    """The code with every stub (nbgrader's or `micrograd assign`'s) reduced to one marker line."""
    code = re.sub(r"(?m)^(\s*)# YOUR CODE HERE\n\s*raise NotImplementedError\(.*\)$", r"\1<stub>", code)
    return code.rstrip("\n") + "\n"


@needs_nbgrader
@pytest.mark.parametrize("stem", ["engine", "nn"])
def test_released_code_agrees_with_exercises(course, stem):
    released = release_code(course, f"{stem}_code")
    first, released = released.split("\n", 1)
    assert first == f"%%writefile {stem}.py"
    exercise = (_paths.exercises_dir() / f"{stem}.py").read_text()
    header = [line for line in exercise.splitlines(keepends=True)[:2] if line.startswith("# ")]
    assert len(header) == 2, "exercises/ files start with the two-line header of `micrograd assign`"
    exercise = exercise[len("".join(header)):]
    assert without_stubs(released) == without_stubs(exercise)
    assert released.count("raise NotImplementedError()") == exercise.count("raise NotImplementedError(") > 0


@needs_nbgrader
def test_release_has_no_solution_and_no_hidden_test(course):
    release = course / "release" / "micrograd"
    assert sorted(p.name for p in release.iterdir()) == ["micrograd.ipynb"]  # no engine.py/nn.py leaked
    text = (release / "micrograd.ipynb").read_text()
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text and "grade_exercise" not in text
    assert "self.grad += other.data * out.grad" not in text


def submit(course: Path, student: str, edit=lambda source: source) -> None:
    """Fill the released notebook's solution cells with the reference (edited) and submit it."""
    source = nbformat.read(course / "source" / "micrograd" / "micrograd.ipynb", as_version=4)
    solutions = {gid: cell.source for gid, cell in nbgrader_cells(source).items()}
    notebook = copy.deepcopy(nbformat.read(course / "release" / "micrograd" / "micrograd.ipynb", as_version=4))
    for grade_id, cell in nbgrader_cells(notebook).items():
        if cell.metadata["nbgrader"]["solution"]:
            cell.source = edit(solutions[grade_id])
    target = course / "submitted" / student / "micrograd"
    target.mkdir(parents=True)
    nbformat.write(notebook, target / "micrograd.ipynb")


@needs_nbgrader
@pytest.mark.slow
def test_autograde_and_export_score_a_correct_and_a_buggy_submission(course):
    submit(course, "correct")
    recursive = mutant("recursive_build_topo")  # upstream's recursive topological sort
    submit(course, "recursive", lambda source: mutate(recursive, source) if "class Value" in source else source)
    # a student who ships a .py file next to the notebook: the notebook rewrites it
    (course / "submitted" / "recursive" / "micrograd" / "engine.py").write_text("raise SystemExit('not run')\n")
    done = nbgrader(course, "autograde", "micrograd")
    assert done.returncode == 0, done.stderr
    done = nbgrader(course, "export")
    assert done.returncode == 0, done.stderr
    with open(course / "grades.csv", newline="") as file:
        rows = {row["student_id"]: row for row in csv.DictReader(file)}
    total = sum(course_build.POINTS.get(name, 1) for name in EXERCISES)
    assert float(rows["correct"]["max_score"]) == total
    assert float(rows["correct"]["score"]) == total, _failures(course, "correct")
    # upstream's recursive topological sort fails the deep-graph exercise, and only it
    assert float(rows["recursive"]["score"]) == total - course_build.POINTS["deep"], _failures(course, "recursive")


def _failures(course: Path, student: str) -> str:
    """Which graded cells lost points, for the assertion message."""
    notebook = nbformat.read(course / "autograded" / student / "micrograd" / "micrograd.ipynb", as_version=4)
    lost = []
    for grade_id, cell in nbgrader_cells(notebook).items():
        errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
        if cell.metadata["nbgrader"]["grade"] and errors:
            lost.append(f"{grade_id}: {errors[0].evalue[:300]}")
    return "; ".join(lost) or "no cell failed"


# --- the student's files, without running the notebook -----------------------------------


def test_notebook_files_of_the_source_are_the_reference(tmp_path):
    files = notebook_files(course_build.source_notebook())
    assert files == {f: (_paths.reference_dir() / f).read_text() for f in ("engine.py", "nn.py")}
    write_notebook_files(course_build.source_notebook(), tmp_path / "out")
    assert (tmp_path / "out" / "nn.py").read_text() == (_paths.reference_dir() / "nn.py").read_text()


def test_notebook_files_takes_the_last_cell_written(tmp_path):
    notebook = course_build.build_notebook()
    notebook.cells.append(nbformat.v4.new_code_cell("%%writefile engine.py\nclass Value:\n    pass"))
    notebook.cells.append(nbformat.v4.new_code_cell("%%writefile notes.txt\nnot code"))
    path = tmp_path / "micrograd.ipynb"
    nbformat.write(notebook, path)
    assert notebook_files(path)["engine.py"] == "class Value:\n    pass\n"


def test_notebook_files_names_what_is_missing(tmp_path):
    path = tmp_path / "other.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("%%writefile engine.py\nx = 1")]), path)
    with pytest.raises(NotebookFilesError, match=r"other\.ipynb has no `%%writefile nn\.py` cell"):
        notebook_files(path)
    path.write_text("{not json")
    with pytest.raises(NotebookFilesError, match=r"other\.ipynb is not a valid notebook"):
        notebook_files(path)
