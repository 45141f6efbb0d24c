"""Where the kit's files are, in a source checkout or in an installed wheel.

In a checkout, ``micrograd/engine.py`` is a symlink into ``reference/`` and the
exercises and notebooks sit beside it; a wheel carries copies of them under
``micrograd/_data/``. (The spec is part of the package: :mod:`micrograd.spec`.)
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["data_dir", "exercises_dir", "notebooks_dir", "package_dir", "reference_dir", "repo_dir"]


def package_dir() -> Path:
    return Path(__file__).resolve().parent


def reference_dir() -> Path:
    """The reference implementation: ``reference/`` in a checkout, the package itself when installed."""
    return (Path(__file__).parent / "engine.py").resolve().parent


def repo_dir() -> Path | None:
    """The source checkout this package runs from, if any."""
    root = reference_dir().parent
    return root if (root / "reference").is_dir() and (root / "micrograd").is_dir() else None


def data_dir() -> Path:
    """Files shipped in the wheel (``micrograd/_data``)."""
    return package_dir() / "_data"


def _first(*candidates: Path | None) -> Path:
    existing = [c for c in candidates if c is not None and c.exists()]
    found = existing[0] if existing else next(c for c in candidates if c is not None)
    return found


def exercises_dir() -> Path:
    """The stubbed implementation students start from."""
    root = repo_dir()
    return _first(root / "exercises" if root else None, data_dir() / "exercises")


def notebooks_dir() -> Path:
    """The notebooks (``notebooks/`` in a checkout; a wheel carries a copy)."""
    root = repo_dir()
    return _first(root / "notebooks" if root else None, data_dir() / "notebooks")
