"""Which implementation a notebook runs: the student's own code when it runs in a course folder.

A course folder is one that ``micrograd assign`` wrote an ``exercises/`` folder into: the student
writes engine.py and nn.py there and ``micrograd check`` checks them. A notebook finds that folder
as the check does (``./exercises``, or the current folder when it holds engine.py), and also one
level up (``micrograd notebooks`` copies the notebooks into ``micrograd-notebooks/`` inside the
course folder, and the notebook runs there); ``micrograd notebooks`` started in a course folder
names it in ``MICROGRAD_IMPL`` for the notebooks it opens elsewhere. The kit's own ``exercises/``
(the stubs in a clone of the kit, which nobody edits) is never chosen: without a course folder, the
notebook runs the kit's reference, and says so.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

from micrograd._paths import exercises_dir, reference_dir

__all__ = ["AUTO", "ENVIRONMENT", "Choice", "choose_implementation", "course_exercises"]

#: the setting that looks for the student's code (see the module docstring)
AUTO = "auto"
#: the environment variable that names the implementation when the setting is AUTO
ENVIRONMENT = "MICROGRAD_IMPL"


@dataclass(frozen=True)
class Choice:
    """The folder holding the chosen engine.py and nn.py, and a sentence saying which code it is and why."""

    folder: Path
    why: str


def course_exercises(folder: Union[str, Path, None] = None) -> Optional[Path]:
    """The student's code a notebook in ``folder`` (default: the current folder) runs: its ``exercises/``,
    the folder itself when it holds engine.py, or the ``exercises/`` of the folder above; never the kit's
    own stubs or reference. None when there is none."""
    here = Path(os.path.abspath(folder if folder is not None else os.getcwd()))
    kits = {exercises_dir().resolve(), reference_dir().resolve()}
    for candidate in (here / "exercises", here, here.parent / "exercises"):
        engine = candidate / "engine.py"
        if engine.is_file() and engine.resolve().parent not in kits and not _in_kit_checkout(candidate):
            return candidate
    return None


def _in_kit_checkout(folder: Path) -> bool:
    """True for the stubs or the reference of a checkout of the kit's own sources (the package installed
    from a wheel lives elsewhere): a folder beside both ``reference/engine.py`` and ``micrograd/``."""
    root = folder.resolve().parent
    return (root / "reference" / "engine.py").is_file() and (root / "micrograd" / "__init__.py").is_file()


def choose_implementation(setting: Union[str, Path] = AUTO, cwd: Union[str, Path, None] = None) -> Choice:
    """The implementation named by ``setting``: ``"reference"`` (the kit's), the path of a folder
    holding an engine.py (relative to ``cwd``, default the current folder), or ``"auto"``: the folder
    named by $MICROGRAD_IMPL if set, else the student's code found by :func:`course_exercises`, else the
    reference. A folder without an engine.py is a ValueError that says what to do."""
    here = Path(os.path.abspath(cwd if cwd is not None else os.getcwd()))
    setting = str(setting)
    source = "IMPLEMENTATION"
    if setting == AUTO and os.environ.get(ENVIRONMENT):
        setting, source = os.environ[ENVIRONMENT], f"${ENVIRONMENT}"
    if setting == "reference":
        return Choice(reference_dir(), f"Using the kit's reference implementation ({source} is 'reference').")
    if setting == AUTO:
        found = course_exercises(here)
        if found is None:
            return Choice(reference_dir(), "Using the kit's reference implementation: there is no exercises/ folder "
                                           "of yours here or in the folder above (make one with `micrograd assign` in "
                                           "your course folder, or set IMPLEMENTATION to your folder).")
        return Choice(found, f"Using your code in {found} (set IMPLEMENTATION to 'reference' or to another folder "
                             "to change it).")
    folder = Path(os.path.expanduser(setting))
    folder = folder if folder.is_absolute() else here / folder
    if not (folder / "engine.py").is_file():
        raise ValueError(f"{source} is {setting!r}, but there is no engine.py in {folder}: give the folder holding "
                         "your engine.py and nn.py, 'reference' for the kit's, or 'auto'")
    return Choice(folder, f"Using the code in {folder} ({source} is {setting!r}).")
