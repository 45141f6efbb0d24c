"""The spec a rubric grades with: the kit's, or a directory of properties of the instructor's own.

Rubrics name these properties and the grader runs them; both take them from here, so the
rubric never imports the grader.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional, Union

from micrograd.spec import Property, Spec, load_spec

__all__ = ["rubric_spec", "spec_properties"]

_SPECS: Dict[Optional[str], Spec] = {}


def rubric_spec(spec: Optional[Union[str, Path]] = None) -> Spec:
    """The spec in directory ``spec`` (default: the kit's), loaded once per process.

    Raises :class:`micrograd.spec.SpecError` for a spec that cannot be loaded.
    """
    key = str(Path(spec).resolve()) if spec else None
    if key not in _SPECS:
        _SPECS[key] = load_spec(key)
    return _SPECS[key]


def spec_properties(spec: Optional[Union[str, Path]] = None) -> List[Property]:
    """The properties of ``spec`` (see :func:`rubric_spec`), in spec order."""
    return list(rubric_spec(spec))
