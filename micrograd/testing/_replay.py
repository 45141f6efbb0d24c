"""Run a property's examples again without Hypothesis: the examples a derandomized profile generates.

Under a derandomized profile (``ci``, ``grading``) Hypothesis generates the same examples for a
property every time, whatever the implementation, for as long as the implementation passes
them (it only departs from that sequence to shrink a failure). So the examples of a passing run
are recorded, keyed by everything that decides them (Hypothesis's version, the profile, the spec's
files and the kit's strategies), and later runs call the property's body on each of them directly:
the same verdict, without the cost of generating them (most of a check's time). When one of them
fails, Hypothesis runs the property as usual, which finds the same first failure and shrinks it.

Recorded examples are kept in memory and, unless turned off, in a file per profile and spec under
the user's cache directory ($MICROGRAD_CACHE, else $XDG_CACHE_HOME/micrograd-kit, else
~/.cache/micrograd-kit; ``MICROGRAD_CACHE=off`` keeps them in memory only). The file is a pickle
written by this user's own runs; a file that cannot be read is ignored and rewritten.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Optional

import hypothesis
from hypothesis import settings

import micrograd

__all__ = ["ReplayCache", "cache_dir"]

#: the kit's packages whose code decides which examples are generated
_GENERATING = ("strategies", "program", "oracles", "testing")
#: a pickle of this format version only
_FORMAT = 1


def cache_dir() -> Optional[Path]:
    """Where recorded examples are kept on disk, or None when $MICROGRAD_CACHE is ``off``."""
    chosen = os.environ.get("MICROGRAD_CACHE")
    if chosen is not None:
        return None if chosen.strip().lower() in ("off", "0", "no", "") else Path(chosen).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "micrograd-kit"


def _sources_digest(spec_dir: Path) -> str:
    digest = hashlib.sha256()
    digest.update(f"hypothesis {hypothesis.__version__} format {_FORMAT}".encode())
    package = Path(micrograd.__file__).resolve().parent
    files = sorted(f for part in _GENERATING for f in (package / part).glob("*.py"))
    files += sorted(spec_dir.glob("*.py"))
    for file in files:
        digest.update(file.name.encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()[:24]


class ReplayCache:
    """Recorded examples of the properties of one spec directory under one Hypothesis profile.

    ``get(prop)`` returns the keyword arguments of every example of the last passing run of
    ``prop`` (its ``impl`` and ``oracle`` left out), or None; ``put(prop, examples)`` records
    them; ``save()`` writes what is new to disk. Only for derandomized profiles: under a random
    one (``dev``) :meth:`usable` is False and nothing is kept. ``max_examples`` overrides the
    profile's, for a caller that runs the properties with another count (a grading rubric).
    """

    def __init__(self, spec_dir: Path, profile: str, directory: Optional[Path] = None,
                 max_examples: Optional[int] = None) -> None:
        self.profile = profile
        current = settings.get_profile(profile)
        self.usable = bool(current.derandomize)
        examples = current.max_examples if max_examples is None else max_examples  # a grader's rubric may say
        key = f"{profile}-{examples}-{_sources_digest(Path(spec_dir))}"
        self.file = None if directory is None else Path(directory) / f"replay-{key}.pickle"
        self._examples: Dict[str, List[Dict[str, Any]]] = {}
        self._dirty = False
        if self.usable and self.file is not None:
            self._examples = _read(self.file)

    @classmethod
    def for_spec(cls, spec_dir: Path, profile: str) -> ReplayCache:
        """The cache of ``spec_dir`` under ``profile``, on disk in :func:`cache_dir` unless it is off."""
        return cls(spec_dir, profile, cache_dir())

    def get(self, prop: Any) -> Optional[List[Dict[str, Any]]]:
        return self._examples.get(prop.id) if self.usable else None

    def put(self, prop: Any, examples: List[Dict[str, Any]]) -> None:
        if self.usable and examples:
            self._examples[prop.id] = examples
            self._dirty = True

    def recorded(self) -> Dict[str, List[Dict[str, Any]]]:
        """Property id -> its recorded examples: everything :meth:`update` takes (to pass them to another
        process, e.g. the workers of a grading batch)."""
        return dict(self._examples)

    def update(self, examples: Dict[str, List[Dict[str, Any]]]) -> None:
        """Record the examples of :meth:`recorded` of another cache of the same spec and profile."""
        if self.usable:
            self._examples.update({pid: list(found) for pid, found in examples.items() if found})
            self._dirty = True

    def save(self) -> None:
        """Write the recorded examples to disk (atomically); a disk that refuses is not an error."""
        if not self._dirty or self.file is None:
            return
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile("wb", dir=self.file.parent, delete=False, suffix=".tmp") as out:
                pickle.dump({"format": _FORMAT, "examples": self._examples}, out, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(out.name, self.file)
            self._dirty = False
        except (OSError, pickle.PicklingError, TypeError, AttributeError):
            pass


def _read(file: Path) -> Dict[str, List[Dict[str, Any]]]:
    try:
        with file.open("rb") as handle:
            data = pickle.load(handle)  # this user's own cache, written by this module
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, IndexError, TypeError,
            ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != _FORMAT or not isinstance(data.get("examples"), dict):
        return {}
    return data["examples"]
