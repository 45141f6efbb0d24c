"""Make a counterexample snippet run the student's code instead of the kit's reference.

The spec prints its counterexamples with ``from micrograd.engine import Value`` (or
``from micrograd.nn import MLP``). With the kit installed, that is the reference: run as
printed, the snippet shows the correct value, not the student's bug. Every report that
shows a snippet to a student (``micrograd check``, ``micrograd grade``'s feedback, the
Gradescope output, the nbgrader course) passes it through :func:`student_snippet` first.
"""

from __future__ import annotations

import re
from typing import Optional

__all__ = ["IN_NOTEBOOK", "student_snippet"]

#: ``folder`` value for a student who handed in a notebook: the snippet runs in a new cell at the
#: end of that notebook, where their own classes are already defined
IN_NOTEBOOK = None

_KIT_IMPORT = re.compile(r"^from micrograd\.(?:engine|nn) import (?P<names>[^\n#]+?)[ \t]*(?:#[^\n]*)?$",
                         re.MULTILINE)


def student_snippet(code: str, folder: Optional[str] = ".") -> str:
    """``code`` with every ``from micrograd.engine import ...`` / ``from micrograd.nn import ...``
    replaced so that the names come from the student's own implementation.

    ``folder``: the folder holding the student's engine.py and nn.py, written as the student
    would type it (``"."``, the default, means "run this next to your engine.py"); the snippet
    loads it with :func:`micrograd.impl.load_implementation`, which also resolves helper modules
    beside engine.py. ``IN_NOTEBOOK`` (None): the imports are dropped and the snippet says to run
    it in a new cell at the end of the student's notebook, after their own definitions.
    A snippet without such an import is returned unchanged.
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
        header += ["from micrograd.impl import load_implementation", "",
                   f"impl = load_implementation({folder!r})"]
        header += [f"{name} = impl.{name}" for name in names]
    first, rest = matches[0], matches[1:]
    out = code[: first.start()] + "\n".join(header)
    position = first.end()
    for match in rest:  # later kit imports are covered by the header
        out += code[position: match.start()].rstrip("\n")
        position = match.end()
    out += code[position:]
    return out
