"""The folder a command is started in is data, never code: it comes off ``sys.path`` before anything is imported.

``python -m micrograd`` (and ``python -c``) put the working folder first on ``sys.path``, so a
``numpy.py`` or ``pickle.py`` there (a classmate's shared folder, a submission an instructor checks by
hand) would run in the kit's own, trusted process. This module imports only ``os`` and ``sys``, which
Python has loaded before it runs anything of the folder.
"""

import os
import sys
from typing import List

__all__ = ["forget_working_folder"]


def forget_working_folder(path: "List[str] | None" = None, here: "str | None" = None) -> List[str]:
    """Remove from ``path`` (default: ``sys.path``, in place) every entry naming the working folder ``here``
    (``""``, ``"."``, its absolute path), except the folder the kit itself is imported from; returns the removed."""
    entries = sys.path if path is None else path
    folder = os.path.abspath(os.getcwd() if here is None else here)
    kit = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    removed = [p for p in entries if os.path.abspath(p or os.curdir) == folder and folder != kit]
    entries[:] = [p for p in entries if p not in removed]
    return removed
