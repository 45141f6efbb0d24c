"""Counterexamples are the student's own: every snippet the kit shows a student (``micrograd check``'s
text and JSON, ``micrograd grade``'s feedback.md, the Gradescope output, the nbgrader course's
feedback) loads the student's code, so running it prints the "got" value it claims.

With the kit installed, ``from micrograd.engine import Value`` is the reference: a snippet that
kept it would print the expected value instead.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import pytest
from rich.console import Console

from autograder.report import SubmissionResult, feedback_markdown, gradescope_results
from micrograd.check import render_json, render_report, run_check
from micrograd.impl import IN_NOTEBOOK, load_implementation, student_snippet
from micrograd.mutants import CATALOGUE, write_mutant

#: one bug in the engine and one in the network, each caught by its own exercise
BUGS = {"tanh": "tanh_derivative_not_squared", "neuron": "neuron_bias_not_added"}


def _claims(rows: Sequence[Sequence[str]]) -> Dict[str, float]:
    """What the report says the student's code gives: {"a.grad": 0.4768, "loss": 0.0}."""
    claims = {}
    for what, _, got in rows:
        try:
            claims[str(what)] = float(str(got).split()[0])
        except (ValueError, IndexError):
            continue
    return claims


def _expression(what: str, module: bool) -> Optional[str]:
    """The Python expression, in the snippet's namespace, of a row of its expected-vs-got table."""
    if what == "loss":
        return "loss.data"
    match = re.fullmatch(r"output (\d+) for x(\d+)", what)
    if match:
        return f"outs[{match[2]}][{match[1]}].data"
    if re.fullmatch(r"[\w\[\]\.]+\.(grad|data)", what):
        return f"model.{what}" if module else what  # a parameter of the model, or a node of the graph
    return None  # e.g. a row about a later training step: not a value left in the namespace


def _probe(snippet: str, claims: Dict[str, float]) -> str:
    """The snippet, then one line printing, as JSON, the value of every row it claims."""
    module = "model = " in snippet
    exprs = {what: _expression(what, module) for what in claims}
    probe = ", ".join(f"{what!r}: float({expr})" for what, expr in exprs.items() if expr)
    return f"{snippet.rstrip()}\nimport json as _json\nprint('CLAIMED', _json.dumps({{{probe}}}))\n"


def _agree(snippet: str, rows: Sequence[Sequence[str]], run: Callable[[str, Path], str], folder: Path) -> None:
    """Run the snippet as the report says and check it prints the "got" value of each of its rows."""
    claims = _claims(rows)
    output = run(_probe(snippet, claims), folder)
    printed = json.loads(output.rsplit("CLAIMED ", 1)[1])
    assert printed, f"none of the report's rows ({sorted(claims)}) can be read back from the snippet:\n{snippet}"
    for key, value in printed.items():
        assert value == pytest.approx(claims[key], rel=1e-5, abs=1e-6), (
            f"{key}: the report says the student's code gives {claims[key]}, the snippet gives {value}\n{snippet}")


def _run_in_folder(snippet: str, folder: Path) -> str:
    """Run the snippet as the feedback says: next to the student's engine.py."""
    done = subprocess.run([sys.executable, "-c", snippet], cwd=folder, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _run_in_notebook(snippet: str, folder: Path) -> str:
    """Run the snippet as the feedback says: in a new cell at the end of the student's notebook,
    whose cells have loaded the student's classes (as the course notebook's cells do)."""
    mine = load_implementation(folder)
    namespace: Dict[str, Any] = {name: getattr(mine, name) for name in ("Value", "Module", "Neuron", "Layer", "MLP")}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(snippet, "<cell>", "exec"), namespace)
    return out.getvalue()


@pytest.fixture(scope="module")
def student(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One student's folder with both bugs."""
    folder = tmp_path_factory.mktemp("student")
    write_mutant(CATALOGUE[BUGS["tanh"]], folder)
    nn = CATALOGUE[BUGS["neuron"]]
    (folder / "nn.py").write_text((folder / "nn.py").read_text().replace(nn.old, nn.new), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def checked(student: Path) -> Any:
    return run_check(student, exercises=list(BUGS))


def _failures(report: Any) -> List[Any]:
    found = [r for r in report.properties if r.failure is not None and r.code]
    assert {r.exercise for r in found} == set(BUGS), "both bugs must be caught"
    return found


def test_the_snippet_rewrite_loads_a_folder_or_runs_in_a_notebook() -> None:
    code = "import random\n\nfrom micrograd.nn import MLP\nfrom micrograd.engine import Value\n\nx = Value(1.0)\n"
    folder = student_snippet(code, ".")
    assert "micrograd.engine" not in folder and "micrograd.nn" not in folder
    assert "impl = load_implementation('.')\nMLP = impl.MLP\nValue = impl.Value\n" in folder
    assert folder.startswith("import random\n\n# run this next to your engine.py")
    assert "load_implementation('my work')" in student_snippet(code, "my work")
    notebook = student_snippet(code, IN_NOTEBOOK)
    assert "import" not in notebook.replace("import random", "") and "new cell" in notebook
    assert student_snippet("print(1)\n") == "print(1)\n"


def test_check_text_and_json_snippets_print_what_they_claim(checked: Any, student: Path) -> None:
    console = Console(file=io.StringIO(), width=200, color_system=None)
    render_report(checked, console, cwd=student.parent)
    blocks = _text_blocks(console.file.getvalue())  # type: ignore[attr-defined]
    assert len(blocks) == len(BUGS)  # the first failure of each failing exercise
    for snippet, rows in blocks:
        _agree(snippet, rows, _run_in_folder, student.parent)
    shown = 0
    for exercise in json.loads(render_json(checked, cwd=student.parent))["exercises"]:
        for prop in exercise["properties"]:
            if prop["status"] == "failed" and prop["code"]:
                _agree(prop["code"], prop["rows"], _run_in_folder, student.parent)
                shown += 1
    assert shown == len(_failures(checked))


def _result(checked: Any, layout: str) -> SubmissionResult:
    """A graded submission carrying the check's own verdicts (grading and the check share one result model)."""
    properties = tuple(_failures(checked))
    return SubmissionResult("student", "graded", "", 0.0, 2.0, (), properties, layout=layout)


def _markdown_blocks(markdown: str) -> List[str]:
    return re.findall(r"```python\n(.*?)```", markdown, re.S)


def _text_blocks(text: str) -> List[Tuple[str, List[List[str]]]]:
    """(snippet, rows) of each failure shown as text: ``micrograd check``'s report, a Gradescope
    output, an nbgrader error (each snippet is indented, its rows follow the word "expected")."""
    found = []
    for part in re.split(r"(?=Counterexample \(runnable\):)", text)[1:]:
        code = re.match(r"Counterexample \(runnable\):\n\n(.*?)\n\n\s*(?:Expected vs got:|expected)", part, re.S)
        assert code, part
        table = part[code.end():].split("\n\n")[0 if "Expected vs got" not in code.group(0) else 1]
        rows = re.findall(r"^ +(\S+(?: \S+)*)  +(\S+) +(\S+.*)$", table, re.M)
        found.append((textwrap.dedent(code.group(1)), [list(r) for r in rows]))
    return found


@pytest.mark.parametrize("layout", ["folder", "notebook"])
def test_feedback_and_gradescope_snippets_print_what_they_claim(checked: Any, student: Path, layout: str) -> None:
    result = _result(checked, layout)
    run = _run_in_notebook if layout == "notebook" else _run_in_folder
    snippets = _markdown_blocks(feedback_markdown(result))
    assert len(snippets) == len(result.properties)
    for snippet, prop in zip(snippets, result.properties):
        _agree(snippet, prop.rows, run, student)
    for exercise in BUGS:
        outputs = [t.output for t in gradescope_results(_with_exercise(result, exercise)).tests]
        blocks = _text_blocks(outputs[0])
        assert blocks
        for snippet, rows in blocks:
            _agree(snippet, rows, run, student)


def _with_exercise(result: SubmissionResult, exercise: str) -> SubmissionResult:
    from autograder.report import ExerciseResult

    props = tuple(p for p in result.properties if p.exercise == exercise)
    ex = ExerciseResult(exercise, exercise, 1.0, 0.0, 0, len(props))
    return SubmissionResult("student", "graded", "", 0.0, 1.0, (ex,), props, layout=result.layout)


def test_nbgrader_feedback_snippets_print_what_they_claim(student: Path, tmp_path: Path) -> None:
    from autograder.course import ExerciseFailedError, grade_exercise
    from autograder.rubric import load_rubric

    rubric = tmp_path / "rubric.toml"
    rubric.write_text("[settings]\nmax_examples = 10\n[exercises]\n" + "".join(f"{e} = 1\n" for e in BUGS))
    for exercise in BUGS:
        with pytest.raises(ExerciseFailedError) as error:
            grade_exercise(exercise, student, rubric=load_rubric(rubric))
        blocks = _text_blocks(str(error.value))
        assert blocks, str(error.value)
        for snippet, rows in blocks:
            assert "micrograd.engine" not in snippet and "micrograd.nn" not in snippet
            _agree(snippet, rows, _run_in_notebook, student)
