"""Make a counterexample snippet run the student's code instead of the kit's reference.

The spec prints its counterexamples with ``from micrograd.engine import Value`` (or
``from micrograd.nn import MLP``). With the kit installed, that is the reference: run as
printed, the snippet shows the correct value, not the student's bug. Every report that
shows a snippet to a student (``micrograd check``, ``micrograd grade``'s feedback, the
Gradescope output, the nbgrader course) passes it through :func:`student_snippet` first.

A snippet is pasted as it is printed, into a fresh Python: its lines stay short (the folder
is written relative to where the student runs it, see :func:`snippet_folder`, and a long one
gets a line of its own) so that no terminal or report has a reason to break them.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Optional, Union

__all__ = ["IN_NOTEBOOK", "SNIPPET_WIDTH", "snippet_folder", "student_snippet"]

#: ``folder`` value for a student who handed in a notebook: the snippet runs in a new cell at the
#: end of that notebook, where their own classes are already defined
IN_NOTEBOOK = None

#: the narrowest terminal a snippet is printed for: the line that loads the folder fits in it,
#: or the folder gets a line of its own (``folder = '...'``)
SNIPPET_WIDTH = 40

#: a relative path climbs at most this many folders (``../../mine``); further away, it is absolute
_MAX_UP = 2

_KIT_IMPORT = re.compile(r"^from micrograd\.(?:engine|nn) import (?P<names>[^\n#]+?)[ \t]*(?:#[^\n]*)?$",
                         re.MULTILINE)


def snippet_folder(path: Union[str, Path], cwd: Union[str, Path, None] = None) -> str:
    """``path`` as a student types it in a Python started in ``cwd`` (default: the current directory):
    ``"."`` for ``cwd`` itself, ``"exercises"`` for a folder inside it, ``"../mine"`` for one nearby
    (at most two levels up), else the absolute path."""
    here = Path(os.path.abspath(cwd if cwd is not None else os.getcwd()))
    target = Path(os.path.abspath(path))
    try:
        relative = os.path.relpath(target, here)
    except ValueError:  # another drive (Windows)
        return target.as_posix()
    parts = Path(relative).parts
    if parts.count("..") > _MAX_UP:
        return target.as_posix()
    return Path(relative).as_posix()


def student_snippet(code: str, folder: Optional[str] = ".") -> str:
    """``code`` with every ``from micrograd.engine import ...`` / ``from micrograd.nn import ...``
    replaced so that the names come from the student's own implementation.

    ``folder``: the folder holding the student's engine.py and nn.py, written as the student
    would type it (``"."``, the default, means "run this next to your engine.py"; see
    :func:`snippet_folder`); the snippet loads it with :func:`micrograd.impl.load_implementation`,
    which also resolves helper modules beside engine.py. A folder too long for the loading line to
    fit in SNIPPET_WIDTH columns is assigned on a line of its own. ``IN_NOTEBOOK`` (None): the
    imports are dropped and the snippet says to run it in a new cell at the end of the student's
    notebook, after their own definitions. A snippet without such an import is returned unchanged.
    """
    matches = list(_KIT_IMPORT.finditer(code))
    if not matches:
        return code
    names = []
    for match in matches:
        for name in match.group("names").strip("() ").split(","):
            name = name.strip()
            if name and name not in names:
                names.append(name)
    if folder is IN_NOTEBOOK:
        header = ["# run this in a new cell at the end of your notebook, after your own classes"]
    else:
        header = ["# run this next to your engine.py and nn.py"] if folder == "." else []
        header += ["from micrograd.impl import load_implementation", ""]
        load = f"impl = load_implementation({folder!r})"
        if len(load) > SNIPPET_WIDTH:  # a long path on a line of its own: the loading line stays short
            header += [f"folder = {folder!r}", "impl = load_implementation(folder)"]
        else:
            header.append(load)
        header += [f"{name} = impl.{name}" for name in names]
    first, rest = matches[0], matches[1:]
    out = code[: first.start()] + "\n".join(header)
    position = first.end()
    for match in rest:  # later kit imports are covered by the header
        out += code[position: match.start()].rstrip("\n")
        position = match.end()
    out += code[position:]
    return out
