"""Build the nbgrader source notebook from ``reference/engine.py`` and ``reference/nn.py``.

    python -m autograder.course.build          # rewrite source/micrograd/micrograd.ipynb
    python -m autograder.course.build --exam   # ... and draw the course's exam (exam.json, beside rubric.toml)
    python -m autograder.course.build --check  # exit 1 (with a diff) if it is out of date

The notebook is never edited by hand, so it cannot drift from the reference: its two
solution cells are the reference files verbatim (their ``### BEGIN SOLUTION`` regions
are what ``nbgrader generate_assignment`` replaces with stubs), each behind a
``%%writefile`` line that saves the student's code as ``engine.py`` / ``nn.py``; then
one hidden-test cell per exercise calls :func:`autograder.course.grade_exercise`.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder.course._grade import course_points
from micrograd import _paths
from micrograd.verdict import EXERCISES

__all__ = [
    "ASSIGNMENT",
    "COURSE_DIR",
    "NOTEBOOK",
    "POINTS",
    "build_notebook",
    "check_source",
    "main",
    "source_notebook",
    "cell_title",
    "check_exam",
    "write_exam",
    "write_source",
]

COURSE_DIR = Path(__file__).resolve().parent
#: the assignment's name in nbgrader (source/<ASSIGNMENT>/, release/<ASSIGNMENT>/, ...)
ASSIGNMENT = "micrograd"
NOTEBOOK = "micrograd.ipynb"
#: points per exercise, from the course's rubric (autograder/course/rubric.toml)
POINTS: Dict[str, int] = course_points()

_INTRO = """# micrograd: build a scalar autograd engine and a neural network

You will write the two files of [micrograd](https://github.com/karpathy/micrograd):
`engine.py` (a `Value` that records the operations applied to it and computes their
gradients with `backward()`) and `nn.py` (`Neuron`, `Layer` and `MLP` on top of it, and
LLM101n's `cross_entropy` and `AdamW`).

* Replace every `raise NotImplementedError()` (under `# YOUR CODE HERE`) with your code.
  Keep the rest of each cell as it is.
* The first line of each big code cell, `%%writefile engine.py` (or `nn.py`), saves the
  cell as a file instead of running it; the cell after it loads your classes from that
  file. Run both after every change.
* Each exercise below has a test cell worth some points. Its hidden tests run the
  course's property-based specification on your files, exercise by exercise: many
  random expressions compared with a trusted engine, with partial credit for the
  checks that pass. To see which exercises pass before you submit, run
  `micrograd check .` in a terminal in this folder: it runs the same specification and
  shows a counterexample and a hint for each failure.
* Before submitting, restart the kernel and run all cells."""

_LOAD = {
    "engine.py": """from micrograd.impl import load_implementation

# load the Value class from the engine.py written by the cell above
mine = load_implementation(".")
Value = mine.Value
print("loaded", mine.files[0].name)""",
    "nn.py": """from micrograd.impl import load_implementation

# load your classes from the engine.py and nn.py written above
mine = load_implementation(".")
Value, Module, Neuron, Layer, MLP = mine.Value, mine.Module, mine.Neuron, mine.Layer, mine.MLP
print("loaded", ", ".join(f.name for f in mine.files))""",
}

_PART = {
    "engine.py": """## Part 1: the engine (`engine.py`)

A `Value` holds `data` and `grad`. Each operation returns a new `Value` remembering its
inputs (`_prev`, a tuple) and a `_backward` closure that adds the local derivative times
`out.grad` into each input's `grad` (always `+=`: a node used twice collects both
contributions). `backward()` orders the graph topologically without recursion, seeds
`self.grad = 1` and calls every node's `_backward` from the root back to the leaves.""",
    "nn.py": """## Part 2: the neural network (`nn.py`)

A `Neuron` computes `relu(w . x + b)` (or `w . x + b` when `nonlin` is False), a `Layer`
is a list of neurons reading the same inputs, and an `MLP` chains layers. `parameters()`
lists every weight in a fixed order: layer by layer, neuron by neuron, each neuron's
`w` first and its `b` last.""",
}

_OUTRO = """## Done?

Restart the kernel and run all cells (Kernel > Restart & Run All), check that the cells
above load your classes without errors, then submit this notebook."""


def _meta(grade_id: str, *, solution: bool = False, grade: bool = False, points: int = 0) -> Dict[str, Any]:
    meta: Dict[str, Any] = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": not solution,
        "schema_version": 3,
        "solution": solution,
        "task": False,
    }
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def cell_title(name: str) -> str:
    """The first line of exercise ``name``'s test cell, which the feedback's index shows as its name."""
    exercise = EXERCISES[name]
    points = POINTS[name]
    return f"# Exercise {name!r}: {exercise.title} ({exercise.functions}), {points} point{'s' if points != 1 else ''}."


def _test_cell(name: str) -> Any:
    exercise = EXERCISES[name]
    points = POINTS[name]
    source = (
        f"{cell_title(name)}\n"
        f"# Hidden tests run the specification's properties for {name!r} on your {exercise.file}\n"
        "# (the cell's value is the points earned); `micrograd check . --exercise "
        f"{name}` runs them in a terminal.\n"
        "### BEGIN HIDDEN TESTS\n"
        "from autograder.course import grade_exercise\n"
        "\n"
        f"grade_exercise({name!r})\n"
        "### END HIDDEN TESTS"
    )
    return new_code_cell(source, metadata=_meta(f"test_{name}", grade=True, points=points))


def build_notebook(reference: Optional[Path] = None) -> nbformat.NotebookNode:
    """The source notebook built from the reference files in ``reference`` (default: the kit's)."""
    reference = Path(reference) if reference is not None else _paths.reference_dir()
    cells = [new_markdown_cell(_INTRO)]
    for file in ("engine.py", "nn.py"):
        path = reference / file
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing: the course is built from the reference's {file}")
        stem = file[: -len(".py")]
        code = path.read_text().rstrip("\n")
        cells.append(new_markdown_cell(_PART[file]))
        cells.append(new_code_cell(f"%%writefile {file}\n{code}", metadata=_meta(f"{stem}_code", solution=True)))
        cells.append(new_code_cell(_LOAD[file], metadata=_meta(f"load_{stem}")))
        cells.extend(_test_cell(name) for name, exercise in EXERCISES.items()
                     if exercise.file == file and name in POINTS)
    cells.append(new_markdown_cell(_OUTRO))
    for index, cell in enumerate(cells):
        cell["id"] = f"cell-{index}"
    return new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
    )


def source_notebook(course: Optional[Path] = None) -> Path:
    """Where the source notebook lives in ``course`` (default: this directory)."""
    return (Path(course) if course is not None else COURSE_DIR) / "source" / ASSIGNMENT / NOTEBOOK


def write_source(course: Optional[Path] = None, reference: Optional[Path] = None) -> Path:
    """(Re)write the source notebook; returns its path."""
    target = source_notebook(course)
    target.parent.mkdir(parents=True, exist_ok=True)
    notebook = build_notebook(reference)
    nbformat.validate(notebook)
    target.write_text(nbformat.writes(notebook) + "\n")
    return target


def check_source(course: Optional[Path] = None, reference: Optional[Path] = None) -> List[str]:
    """A unified diff if the source notebook differs from what the reference builds, else []."""
    target = source_notebook(course)
    expected = nbformat.writes(build_notebook(reference)) + "\n"
    actual = target.read_text() if target.is_file() else ""
    if actual == expected:
        return []
    diff = "".join(
        difflib.unified_diff(
            actual.splitlines(keepends=True),
            expected.splitlines(keepends=True),
            f"{target} (committed)",
            f"{target} (built from the reference)",
        )
    )
    return [diff or f"{target} is missing\n"]


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m autograder.course.build", description="Build the nbgrader source notebook from reference/."
    )
    parser.add_argument("--check", action="store_true", help="only check that it is up to date (exit 1 if not)")
    parser.add_argument("--exam", action="store_true",
                        help="also draw the course's exam (the examples the hidden tests grade on) into "
                             f"{COURSE_DIR / 'exam.json'}; without one they grade on the kit's")
    args = parser.parse_args(argv)
    if args.check:
        diffs = check_source() + check_exam()
        for diff in diffs:
            sys.stdout.write(diff)
        if diffs:
            print("the source notebook is out of date: run python -m autograder.course.build", file=sys.stderr)
        return 1 if diffs else 0
    print(f"wrote {write_source()}")
    if args.exam:
        print(f"wrote {write_exam()}")
    return 0


def write_exam() -> Path:
    """Draw the course's exam for its rubric into :data:`autograder.course.EXAM`; returns its path."""
    from autograder.course._grade import EXAM, course_rubric
    from autograder.exam import make

    return make(course_rubric()).write(EXAM)


def check_exam() -> List[str]:
    """Why the course's exam (if the build drew one) cannot grade the course's rubric, else []."""
    from autograder.course._grade import EXAM, course_rubric
    from autograder.grade import load_exam
    from micrograd.judge import ExamError

    if not EXAM.is_file():
        return []
    try:
        load_exam(EXAM, course_rubric())
    except ExamError as error:
        return [f"{error}: run python -m autograder.course.build --exam\n"]
    return []


if __name__ == "__main__":
    sys.exit(main())
