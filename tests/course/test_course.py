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
from html import unescape
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="the notebooks extra is not installed")

from autograder.course import (  # noqa: E402 (after importorskip)
    ExerciseFailedError,
    NotebookFilesError,
    course_rubric,
    grade_exercise,
    notebook_files,
    write_notebook_files,
)
from autograder.course import build as course_build  # noqa: E402
from micrograd import _paths  # noqa: E402
from micrograd.mutants import mutant, mutate  # noqa: E402
from micrograd.verdict import COURSE, OPTIONAL_EXERCISES  # noqa: E402

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
    assert not {f"test_{name}" for name in OPTIONAL_EXERCISES} & set(cells)  # off unless the rubric gives points
    for name in COURSE:
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


def small_rubric(tmp_path, **points):
    """A rubric for a few exercises, few examples: fast, and graded exactly as the course's."""
    from autograder.rubric import load_rubric

    path = tmp_path / "small_rubric.toml"
    path.write_text("[settings]\nmax_examples = 10\n[exercises]\n" + "".join(f"{e} = {n}\n" for e, n in points.items()))
    return load_rubric(path)


@pytest.fixture
def student(tmp_path):
    """A copy of the reference, as the notebook's %%writefile cells leave it."""
    folder = tmp_path / "student"
    folder.mkdir()
    for file in ("engine.py", "nn.py"):
        shutil.copy(_paths.reference_dir() / file, folder / file)
    return folder


def test_grade_exercise_gives_a_correct_exercise_its_points(student, tmp_path, capsys):
    assert grade_exercise("add", student, rubric=small_rubric(tmp_path, add=2)) == 2
    assert re.search(r"exercise add \(Value.__add__\): all \d+ checks pass", capsys.readouterr().out)
    assert not (student / ".hypothesis").exists()


def test_grade_exercise_gives_partial_credit_with_the_report(student, tmp_path, capsys):
    engine = student / "engine.py"
    engine.write_text(engine.read_text().replace("self.grad += out.grad\n", "self.grad += out.data\n", 1))
    # one of add's two checks fails: half the points, as micrograd grade gives, and the report on stdout
    assert grade_exercise("add", student, rubric=small_rubric(tmp_path, add=2)) == 1
    out = capsys.readouterr().out
    assert "exercise add (Value.__add__) fails 1 of 2 checks: 1 of 2 points" in out
    assert "Counterexample (runnable):" in out and "new cell at the end of your notebook" in out
    assert "micrograd.engine" not in out


def test_grade_exercise_fails_a_broken_exercise_with_the_counterexample(student, tmp_path):
    engine = student / "engine.py"
    engine.write_text(mutate(mutant("tanh_derivative_not_squared"), engine.read_text()))
    with pytest.raises(ExerciseFailedError, match=r"exercise tanh \(Value.tanh\) fails 2 of 2 checks") as error:
        grade_exercise("tanh", student, rubric=small_rubric(tmp_path, tanh=1))
    assert "a = Value(" in str(error.value) and "Hint:" in str(error.value)  # the runnable counterexample


def test_grade_exercise_says_a_stub_is_not_started(tmp_path):
    with pytest.raises(ExerciseFailedError, match=r"exercise mul is not started: Value.__mul__"):
        grade_exercise("mul", _paths.exercises_dir(), rubric=small_rubric(tmp_path, mul=1))


def test_grade_exercise_rejects_an_unknown_exercise(student):
    with pytest.raises(ValueError, match="unknown exercise 'ad'"):
        grade_exercise("ad", student)


def test_grade_exercise_reports_a_missing_file(tmp_path):
    with pytest.raises(ExerciseFailedError, match=r"could not be checked: .*engine\.py"):
        grade_exercise("add", tmp_path, rubric=small_rubric(tmp_path, add=1))


def test_the_course_rubric_grades_every_exercise_with_the_notebook_points():
    rubric = course_rubric()
    assert [rule.exercise for rule in rubric.rules] == list(COURSE)
    assert {rule.exercise: rule.points for rule in rubric.rules} == course_build.POINTS
    cells = nbgrader_cells(course_build.build_notebook())
    assert {name: cells[f"test_{name}"].metadata["nbgrader"]["points"] for name in COURSE} == course_build.POINTS
    assert sum(course_build.POINTS.values()) == 26


def test_test_cells_end_with_the_points_earned_for_nbgrader_partial_credit():
    import ast

    for name, cell in nbgrader_cells(course_build.build_notebook()).items():
        if name.startswith("test_"):
            last = ast.parse(cell.source).body[-1]
            assert isinstance(last, ast.Expr) and ast.unparse(last) == f"grade_exercise({name[5:]!r})"
            assert cell.source.splitlines()[0] == course_build.cell_title(name[5:])


def test_the_nbgrader_config_sets_only_options_nbgrader_knows():
    """Item 9: db_assignments is not an option of nbgrader 0.9 (it warned and ignored it)."""
    pytest.importorskip("nbgrader", reason="nbgrader is not installed (pip install nbgrader)")
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course_build.COURSE_DIR)).load_config()
    classes = _nbgrader_classes()
    assert set(config) <= set(classes), set(config) - set(classes)
    for section, values in config.items():
        traits = classes[section].class_traits(config=True)
        assert set(values) <= set(traits), f"{section}: {set(values) - set(traits)} unknown to nbgrader"
    assert (course_build.COURSE_DIR / "templates" / "feedback" / config.HTMLExporter.template_file).is_file()


def _nbgrader_classes():
    from nbconvert.exporters import HTMLExporter
    from nbgrader.apps import NbGraderApp
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.preprocessors import ClearSolutions, Execute

    classes = {cls.__name__: cls for cls in (CourseDirectory, ClearSolutions, Execute, HTMLExporter)}
    for cls in NbGraderApp().all_configurable_classes():
        classes.setdefault(cls.__name__, cls)
    return classes


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
def test_autograde_export_and_feedback(course):
    submit(course, "correct")
    recursive = mutant("recursive_build_topo")  # upstream's recursive topological sort
    submit(course, "recursive", lambda source: mutate(recursive, source) if "class Value" in source else source)
    # a student who ships a .py file next to the notebook: the notebook rewrites it
    (course / "submitted" / "recursive" / "micrograd" / "engine.py").write_text("raise SystemExit('not run')\n")
    assigns = mutant("add_assigns_grad")  # `=` for `+=` in __add__: accumulation's bug, not add's
    submit(course, "assigns", lambda source: mutate(assigns, source) if "class Value" in source else source)
    for command in ("autograde", "export", "generate_feedback"):
        done = nbgrader(course, command, "micrograd") if command != "export" else nbgrader(course, "export")
        assert done.returncode == 0, done.stderr
        assert "not recognized" not in done.stderr, done.stderr  # every config option is one nbgrader knows
        if command == "autograde":
            _only_checksum_warnings(done.stderr, students=3)
    with open(course / "grades.csv", newline="") as file:
        rows = {row["student_id"]: row for row in csv.DictReader(file)}
    total = sum(course_build.POINTS.values())
    assert float(rows["correct"]["max_score"]) == total
    assert float(rows["correct"]["score"]) == total, _failures(course, "correct")
    # upstream's recursive topological sort fails the deep-graph exercise, and only it
    assert float(rows["recursive"]["score"]) == total - course_build.POINTS["deep"], _failures(course, "recursive")
    # partial credit, as micrograd grade gives: add's own rule is right (it is judged on its own), the
    # `=` costs accumulation, and exercises whose graphs reuse a node lose some of their checks
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        grades = gradebook.find_submission_notebook("micrograd", "micrograd", "assigns").grades
        cells = {g.name: (g.score, g.max_score) for g in grades}
    assert cells["test_add"] == (1, 1) and cells["test_accumulation"][0] == 0, _failures(course, "assigns")
    assert any(0 < score < max_score for score, max_score in cells.values()), _failures(course, "assigns")
    assert float(rows["assigns"]["score"]) == sum(score for score, _ in cells.values())
    # the feedback names each exercise, carries no Hypothesis files, and shows snippets for the notebook
    feedback = course / "feedback" / "assigns" / "micrograd"
    html = unescape((feedback / "micrograd.html").read_text())
    assert ">Test cell<" not in html
    for name in COURSE:
        assert f"{course_build.cell_title(name)[2:].rstrip('.')}</a> (Score: " in html
    assert "new cell at the end of your notebook" in html and "micrograd.engine import" not in html
    assert [p for p in course.rglob(".hypothesis")] == []


def _only_checksum_warnings(stderr: str, students: int) -> None:
    """docs/nbgrader.md says the warnings autograde gives are one checksum warning per test cell and student,
    harmless (nbgrader records the checksum before removing the hidden tests): check that they are all."""
    warnings = [line for line in stderr.splitlines() if "| WARNING]" in line]
    checksum = [w for w in warnings if re.search(r"Attribute 'checksum' for cell test_\w+ has changed!", w)]
    assert len(checksum) == students * len(course_build.POINTS), warnings[:5]
    assert [w for w in warnings if w not in checksum] == []


def _failures(course: Path, student: str) -> str:
    """Which graded cells lost points, for the assertion message."""
    notebook = nbformat.read(course / "autograded" / student / "micrograd" / "micrograd.ipynb", as_version=4)
    lost = []
    for grade_id, cell in nbgrader_cells(notebook).items():
        errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
        partial = [o for o in cell.get("outputs", []) if o.output_type == "execute_result"]
        points = cell.metadata["nbgrader"].get("points")
        if cell.metadata["nbgrader"]["grade"] and errors:
            lost.append(f"{grade_id}: {errors[0].evalue[:300]}")
        elif partial and float(partial[0]["data"]["text/plain"]) != points:
            lost.append(f"{grade_id}: {partial[0]['data']['text/plain']} of {points}")
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


def test_write_notebook_files_writes_a_cell_holding_a_lone_surrogate(tmp_path):
    """Issue 21: a notebook cell holding an escaped lone surrogate ("\\ud800" in its JSON) crashed preparing it."""
    notebook = course_build.build_notebook()
    for cell in notebook.cells:
        if cell.source.startswith("%%writefile engine.py"):
            cell.source += "\n_NOTE = '\ud800'\n"
    path = tmp_path / "micrograd.ipynb"
    path.write_text(json.dumps(notebook), encoding="ascii")  # json keeps the surrogate escaped
    write_notebook_files(path, tmp_path / "out")
    engine = (tmp_path / "out" / "engine.py").read_text(encoding="utf-8")
    assert engine.rstrip().endswith("_NOTE = '\\ud800'")  # its escape: the same string in a literal


def test_the_docs_give_the_course_s_points():
    """Issue 18: docs/nbgrader.md said the course is worth 23 points (it is 26: adamw is worth 2) and quoted
    23/23 and 21/23. Every total in it is the course rubric's, and the exercises it names as worth 2 are."""
    docs = (Path(__file__).parents[2] / "docs" / "nbgrader.md").read_text(encoding="utf-8")
    total = sum(course_build.POINTS.values())
    claims = re.findall(r"\): (\d+) points", docs)
    assert claims == [str(total)]
    scores = re.findall(r"\b(\d+)/(\d+)\b", docs)
    assert scores and {int(out_of) for _, out_of in scores} == {total}
    assert ("26/26, 24/26 (exactly the 2 points of `deep`)" in docs) == (total - course_build.POINTS["deep"] == 24)
    listed = re.search(r"\(1 point\s+each; ([^)]*?) 2\)", docs)
    assert listed is not None
    assert set(re.findall(r"`(\w+)`", listed.group(1))) == {e for e, p in course_build.POINTS.items() if p == 2}
    assert {p for p in course_build.POINTS.values()} == {1, 2}
