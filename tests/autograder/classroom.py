"""A class of submissions built from the mutant catalogue: folders and course notebooks."""

from __future__ import annotations

import copy
import textwrap
from pathlib import Path
from typing import Any, Dict, Optional, Sequence

from micrograd._paths import reference_dir
from micrograd.mutants import CATALOGUE, mutate, write_mutant

EXAMPLES = Path(__file__).parents[2] / "examples" / "submissions"

#: notebooks (nbgrader's course): the reference, the untouched release, and six bugs
NOTEBOOK_BUGS = ("tanh_derivative_not_squared", "add_assigns_grad", "recursive_build_topo", "relu_grad_one_at_zero",
                 "neuron_bias_not_added", "mlp_last_layer_relu")
#: folders: the bundled examples, nine bugs and a syntax error
FOLDER_BUGS = ("mul_assigns_grad", "div_reversed", "mlp_layers_reversed", "mlp_parameters_first_layer_only",
               "pow_backward_missing_factor", "zero_grad_resets_data", "layer_nout1_returns_list", "no_visited_set",
               "exp_backward_uses_input")


def filled_notebook(release: Any, solutions: Dict[str, str], bug: Optional[str] = None) -> Any:
    """``release`` (a course notebook) with its solution cells filled from ``solutions`` (grade id ->
    source, e.g. the source notebook's), the mutant ``bug`` applied to the file it edits."""
    notebook = copy.deepcopy(release)
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            cell.source = solutions[meta["grade_id"]]
            if bug is not None and cell.source.startswith(f"%%writefile {CATALOGUE[bug].file}\n"):
                cell.source = mutate(CATALOGUE[bug], cell.source)
    return notebook


def solution_sources(notebook: Any) -> Dict[str, str]:
    return {c.metadata["nbgrader"]["grade_id"]: c.source for c in notebook.cells
            if c.metadata.get("nbgrader", {}).get("solution")}


def folders(root: Path, bugs: Sequence[str] = FOLDER_BUGS) -> Dict[str, Path]:
    """Student folders (engine.py, nn.py): the examples' correct and buggy, the bugs, a syntax error."""
    made: Dict[str, Path] = {}
    for name in ("correct", "buggy"):
        made[f"folder_{name}"] = write_mutant_free(EXAMPLES / name, root / f"folder_{name}")
    for bug in bugs:
        made[bug] = write_mutant(CATALOGUE[bug], root / bug)
    broken = root / "syntax_error"
    broken.mkdir()
    (broken / "engine.py").write_text("class Value:\n    def __init__(self, data:\n", encoding="utf-8")
    (broken / "nn.py").write_text((reference_dir() / "nn.py").read_text(), encoding="utf-8")
    made["syntax_error"] = broken
    return made


def patched_reference(folder: Path, patch: str) -> Path:
    """A submission made in ``folder``: the reference's nn.py, and its engine.py with ``patch`` (dedented)
    appended, where it can replace whatever it likes."""
    folder.mkdir()
    engine = (reference_dir() / "engine.py").read_text()
    (folder / "engine.py").write_text(engine + "\n" + textwrap.dedent(patch))
    (folder / "nn.py").write_text((reference_dir() / "nn.py").read_text())
    return folder


def write_mutant_free(source: Path, target: Path) -> Path:
    target.mkdir(parents=True)
    for name in ("engine.py", "nn.py"):
        (target / name).write_text((source / name).read_text(), encoding="utf-8")
    return target
