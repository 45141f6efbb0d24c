"""The exact versions of everything a bundle installs: the instructor's, so that Gradescope grades with the same
packages next month as today."""

from __future__ import annotations

import platform
import re
from importlib import metadata
from typing import Dict, Iterable, List, Optional

__all__ = ["constraints_text", "pinned"]


def _name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


def pinned(requirements: Iterable[str]) -> Dict[str, str]:
    """Distribution name -> installed version, for ``requirements`` and everything they need in turn (markers
    evaluated for this interpreter); a requirement that is not installed here is left out."""
    from packaging.requirements import Requirement

    found: Dict[str, str] = {}
    todo: List[str] = list(requirements)
    while todo:
        req = Requirement(todo.pop())
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        key = _name(req.name)
        if key in found:
            continue
        try:
            dist = metadata.distribution(req.name)
        except metadata.PackageNotFoundError:
            continue
        found[key] = dist.version
        todo.extend(dist.requires or [])
    return dict(sorted(found.items()))


def constraints_text(requirements: Iterable[str], skip: Optional[Iterable[str]] = None) -> str:
    """A pip constraints file pinning :func:`pinned` (less ``skip``), with where the versions come from."""
    left_out = {_name(n) for n in (skip or ())}
    pins = {k: v for k, v in pinned(requirements).items() if k not in left_out}
    header = (f"# The versions the instructor's grader ran with (Python {platform.python_version()}): the bundle "
              "installs exactly these.\n# Made by `micrograd gradescope`; setup.sh passes it to pip with -c.\n")
    return header + "".join(f"{name}=={version}\n" for name, version in pins.items())
