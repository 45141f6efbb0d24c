"""What ``micrograd check``'s command line needs before the judge is imported: its defaults, its error, and
which folder it checks."""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Tuple

__all__ = ["DEFAULT_PROFILE", "DEFAULT_TIMEOUT", "CheckError", "resolve_path"]

#: the Hypothesis profile of ``--explore`` (``--profile`` or $HYPOTHESIS_PROFILE choose another): 30 examples
DEFAULT_PROFILE = "student"
#: seconds one property may run; the reference's slowest takes well under one
DEFAULT_TIMEOUT = 30.0


class CheckError(Exception):
    """The check cannot run: a bad path, an unknown or missing oracle, a broken spec or exam."""


def resolve_path(path: Optional[Path | str], cwd: Optional[Path] = None) -> Tuple[Path, str]:
    """The directory to check and why: ``path`` if given, else ``./exercises`` if there is one,
    else the current directory if it holds engine.py. CheckError otherwise, saying what to do."""
    if path is not None:
        return Path(path), ""
    here = Path.cwd() if cwd is None else cwd
    if (here / "exercises").is_dir():
        return here / "exercises", "no PATH given: the exercises/ folder in the current directory"
    if (here / "engine.py").is_file():
        return here, "no PATH given: the current directory holds engine.py"
    raise CheckError(
        f"no PATH given, and there is no exercises/ folder and no engine.py in {here}: give the folder "
        "holding your engine.py and nn.py (micrograd check PATH), or write fresh exercises there with "
        "`micrograd assign --out exercises`"
    )
