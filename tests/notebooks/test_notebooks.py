"""The notebooks: shipped as notebooks/build.py makes them, with outputs, and they run."""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="the notebooks extra is not installed")
pytest.importorskip("nbclient", reason="the notebooks extra is not installed")

from micrograd import _paths  # noqa: E402 (after the importorskip calls)

NOTEBOOKS_DIR = Path(__file__).resolve().parents[2] / "notebooks"
NAMES = ("demo.ipynb", "trace_graph.ipynb", "learn.ipynb", "yinyang.ipynb")


@pytest.fixture(scope="module")
def builder():
    spec = importlib.util.spec_from_file_location("_notebooks_build", NOTEBOOKS_DIR / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def shipped(name: str):
    return nbformat.read(NOTEBOOKS_DIR / name, as_version=4)


def text_outputs(notebook) -> str:
    """Everything the code cells printed or returned as text."""
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                parts.append(output.text)
            elif "data" in output and "text/plain" in output.data:
                parts.append(output.data["text/plain"])
    return "\n".join(parts)


def final_accuracy(notebook) -> str:
    found = re.findall(r"after training: training accuracy (\d+)%", text_outputs(notebook))
    assert found, "the demo printed no final training accuracy"
    return found[-1]


def test_every_notebook_is_built_by_the_script(builder):
    assert sorted(builder.NOTEBOOKS) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_shipped_notebook_is_what_build_makes(builder, name):
    built, ours = builder.build(name), shipped(name)
    assert [(c.cell_type, c.source) for c in ours.cells] == [(c.cell_type, c.source) for c in built.cells], (
        f"notebooks/{name} differs from notebooks/build.py: run python notebooks/build.py {name}"
    )


@pytest.mark.parametrize("name", NAMES)
def test_shipped_notebook_has_every_output_and_no_error(name):
    notebook = shipped(name)
    nbformat.validate(notebook)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert code and all(c.execution_count is not None for c in code), f"{name} was not executed"
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1)), f"{name} was not run top to bottom"
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors, f"{name} ships an error: {errors[0].ename}: {errors[0].evalue}"


def test_shipped_demo_reaches_full_training_accuracy_and_plots_the_boundary():
    notebook = shipped("demo.ipynb")
    assert final_accuracy(notebook) == "100"
    last = [c for c in notebook.cells if c.cell_type == "code"][-1]
    assert "contourf" in last.source
    assert any("image/png" in o.get("data", {}) for o in last.outputs)


def test_shipped_trace_graph_draws_svg_with_data_and_grad():
    notebook = shipped("trace_graph.ipynb")
    svgs = [o.data["image/svg+xml"] for c in notebook.cells for o in c.get("outputs", []) if "data" in o
            and "image/svg+xml" in o.data]
    assert len(svgs) == 4
    assert all("data " in svg and "grad " in svg for svg in svgs)
    # the neuron o = tanh(x1*w1 + x2*w2 + b): o is 0.7071 and, after backward, its grad is 1
    assert any("data 0.7071" in svg and "grad 1.0000" in svg for svg in svgs)


def test_shipped_yinyang_prints_the_published_log_and_draws_three_regions(published_yinyang_log):
    notebook = shipped("yinyang.ipynb")
    output = text_outputs(notebook)
    # lines of the LLM101n module's published run (issue 12)
    assert "step 91/100, val loss 0.078724" in output
    assert published_yinyang_log[-1] in output
    assert re.search(r"^train accuracy (9\d|100)%$", output, re.MULTILINE), output
    last = [c for c in notebook.cells if c.cell_type == "code"][-1]
    assert "contourf" in last.source and "levels=[-0.5, 0.5, 1.5, 2.5]" in last.source
    assert any("image/png" in o.get("data", {}) for o in last.outputs)


def execute(builder, name):
    notebook = builder.build(name)
    return builder.execute(notebook, cwd=NOTEBOOKS_DIR, timeout=600)


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_executes_without_error(builder, name):
    notebook = execute(builder, name)
    assert all(c.execution_count is not None for c in notebook.cells if c.cell_type == "code")
    if name == "demo.ipynb":
        assert final_accuracy(notebook) == "100"


@pytest.mark.slow
def test_learn_notebook_uses_the_folder_it_is_given(builder, tmp_path, monkeypatch):
    student = tmp_path / "my_micrograd"
    student.mkdir()
    for file in ("engine.py", "nn.py"):
        shutil.copy(_paths.reference_dir() / file, student / file)
    monkeypatch.setenv("MICROGRAD_IMPL", str(student))
    output = text_outputs(execute(builder, "learn.ipynb"))
    assert f"Using the code in {student} ($MICROGRAD_IMPL is {str(student)!r})." in output


@pytest.mark.slow
def test_learn_notebook_in_the_kits_own_folder_runs_the_reference_and_says_so(builder, monkeypatch):
    """In a clone, notebooks/ sits next to the kit's own exercises/: those are stubs, not a student's."""
    monkeypatch.delenv("MICROGRAD_IMPL", raising=False)
    output = text_outputs(execute(builder, "learn.ipynb"))
    assert "Using the kit's reference implementation: there is no exercises/ folder of yours here" in output
    assert "step 19 loss" in output  # and it runs to the end


def course_folder(tmp_path: Path) -> Path:
    """A course folder as a student makes one: `micrograd assign` there, then `micrograd notebooks`'s copy."""
    from micrograd.cli import main

    course = tmp_path / "course"
    assert main(["assign", "--out", str(course / "exercises")]) == 0
    shutil.copytree(NOTEBOOKS_DIR, course / "micrograd-notebooks", ignore=shutil.ignore_patterns("*.py"))
    return course


def execute_in(builder, folder: Path):
    return builder.execute(builder.build("learn.ipynb"), cwd=folder, timeout=600)


@pytest.mark.slow
def test_learn_notebook_in_a_course_folder_runs_the_students_code(builder, tmp_path, monkeypatch):
    from nbclient.exceptions import CellExecutionError

    monkeypatch.delenv("MICROGRAD_IMPL", raising=False)
    course = course_folder(tmp_path)
    with pytest.raises(CellExecutionError, match=r"NotImplementedError.*Value\.__mul__"):  # the stubs it made
        execute_in(builder, course / "micrograd-notebooks")
    for file in ("engine.py", "nn.py"):  # the student's work, done
        shutil.copy(_paths.reference_dir() / file, course / "exercises" / file)
    for folder in (course, course / "micrograd-notebooks"):  # the course folder, or the notebooks' copy in it
        output = text_outputs(execute_in(builder, folder))
        assert f"Using your code in {course / 'exercises'} (set IMPLEMENTATION" in output
        assert "step 19 loss" in output
