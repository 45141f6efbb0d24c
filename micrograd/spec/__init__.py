"""The specification: the properties every implementation must have, grouped by exercise.

Each property is a plain function declared with :func:`spec_property` (its exercise, what it needs, the
Hypothesis strategies of its drawn arguments); :func:`kit_spec` gives the kit's own, in course order, and
:func:`load_spec` a spec of an instructor's own (a directory of files that declare properties). Nothing
here runs them: :mod:`micrograd.judge` does (``micrograd check`` and the grader), and so does the thin
pytest layer in ``tests/spec`` (``pytest tests/spec --impl DIR``), each through Hypothesis's public API.
"""

from micrograd.spec._load import KIT_MODULES, KIT_SPEC, kit_spec, load_spec, source_digest
from micrograd.spec._registry import Property, PropertySkipped, Spec, SpecError, skip, spec_property

__all__ = [
    "Property",
    "PropertySkipped",
    "Spec",
    "SpecError",
    "skip",
    "spec_property",
    "KIT_MODULES",
    "KIT_SPEC",
    "kit_spec",
    "load_spec",
    "source_digest",
]
