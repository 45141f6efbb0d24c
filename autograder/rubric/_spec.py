"""The spec's properties, collected once per process under the ``grading`` Hypothesis profile.

Rubrics name these properties and the grader runs them; both take them from here, so the
rubric never imports the grader.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Union

from micrograd.testing import Property, collect_properties

__all__ = ["grading_profile", "spec_properties"]

_SPECS: Dict[Optional[str], List[Property]] = {}


@contextlib.contextmanager
def grading_profile() -> Iterator[None]:
    """The ``grading`` profile while the spec is imported (properties freeze the default settings when
    they are defined), then whatever profile was active before."""
    from hypothesis import settings

    from micrograd.testing import load_profile

    before = settings.get_current_profile_name()
    load_profile("grading")
    try:
        yield
    finally:
        settings.load_profile(before)


def spec_properties(spec: Optional[Union[str, Path]] = None) -> List[Property]:
    """The properties of ``spec`` (default: the kit's), collected once per process under the
    ``grading`` profile (properties keep the settings active when they are defined).

    Raises :class:`micrograd.testing.SpecCollectionError` for a spec that cannot be collected.
    """
    key = str(Path(spec).resolve()) if spec else None
    if key not in _SPECS:
        with grading_profile():
            _SPECS[key] = collect_properties(key)
    return _SPECS[key]
