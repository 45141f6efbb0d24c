"""The kit's spec, and a spec of an instructor's own: a directory of Python files that declare properties.

A spec directory's files (``*.py``, not ``_*.py`` nor ``conftest.py``) are imported under a fresh
package, so they may import each other relatively, with the directory first on ``sys.path`` while
they are imported (``from _helpers import x`` works as in a pytest test directory). Nothing is
collected by name or by mark: a property is a function declared with
:func:`micrograd.spec.spec_property`.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.util
import itertools
import sys
import types
from pathlib import Path
from typing import Iterator, List, Optional, Set, Tuple, Union

from micrograd.spec._registry import PropertySkipped, Spec, SpecError
from micrograd.verdict import EXERCISES

__all__ = ["KIT_MODULES", "KIT_SPEC", "kit_spec", "load_spec", "source_digest"]


def _kit_modules() -> Tuple[str, ...]:
    """The exercises with a module of properties here (``_<exercise>.py``), in course order: a new exercise's
    properties are found without a list to edit."""
    here = Path(__file__).resolve().parent
    return tuple(name for name in EXERCISES if (here / f"_{name}.py").is_file())


#: the modules of the kit's spec, one per exercise (``micrograd/spec/_<exercise>.py``), in course order
KIT_MODULES = _kit_modules()
#: how the kit's spec names itself (``Spec.source``)
KIT_SPEC = "the kit's spec"
#: the kit's packages whose code decides a spec's examples (besides the spec's own files)
_DECIDING = ("strategies", "program", "ops", "runner")

_counter = itertools.count()
_KIT: List[Spec] = []


def source_digest(files: List[Path]) -> str:
    """A digest of ``files`` (names and contents) and of the kit's strategies, programs, operations and runner."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for file in [*files, *sorted(f for part in _DECIDING for f in (package / part).glob("*.py"))]:
        digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()[:32]


def kit_spec() -> Spec:
    """The kit's own spec (imported once per process)."""
    if not _KIT:
        modules = [importlib.import_module(f"micrograd.spec._{name}") for name in KIT_MODULES]
        files = [Path(str(m.__file__)) for m in modules]
        _KIT.append(Spec.from_modules(modules, KIT_SPEC, source_digest(files)))
    return _KIT[0]


def load_spec(path: Union[str, Path, None] = None) -> Spec:
    """The spec in directory ``path``, or the kit's (None). Imports the directory's files afresh on every
    call. Raises SpecError for a missing directory, a file that fails to import, or a broken property."""
    if path is None:
        return kit_spec()
    directory = Path(path)
    if not directory.is_dir():
        raise SpecError(f"spec directory {directory} does not exist: give one holding the spec's .py files")
    files = sorted(f for f in directory.glob("*.py") if not f.name.startswith("_") and f.name != "conftest.py")
    package = f"_micrograd_spec_{next(_counter)}"
    module = types.ModuleType(package)
    module.__path__ = [str(directory)]
    sys.modules[package] = module
    loaded = set(sys.modules)
    modules = []
    try:
        with _on_sys_path(directory):
            for file in files:
                imported = _import(file, package)
                if imported is not None:
                    modules.append(imported)
    finally:
        _forget_helpers(directory, loaded)
    spec = Spec.from_modules(modules, str(directory), source_digest(sorted(directory.glob("*.py"))))
    if not len(spec):
        raise SpecError(f"{directory} declares no property (a function decorated with spec_property)")
    return spec


def _import(file: Path, package: str) -> Optional[types.ModuleType]:
    name = f"{package}.{file.stem}"
    found = importlib.util.spec_from_file_location(name, file)
    if found is None or found.loader is None:  # pragma: no cover (only for non-.py paths)
        raise SpecError(f"cannot import {file}")
    module = importlib.util.module_from_spec(found)
    sys.modules[name] = module
    try:
        found.loader.exec_module(module)
    except PropertySkipped:  # a file that cannot run here (a missing optional package) is left out
        del sys.modules[name]
        return None
    except SpecError:
        del sys.modules[name]
        raise
    except Exception as error:
        del sys.modules[name]
        raise SpecError(f"importing {file} failed: {type(error).__name__}: {error}") from error
    return module


@contextlib.contextmanager
def _on_sys_path(directory: Path) -> Iterator[None]:
    entry = str(directory)
    sys.path.insert(0, entry)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(entry)


def _forget_helpers(directory: Path, loaded: Set[str]) -> None:
    """Drop the top-level helper modules the spec's files imported from ``directory`` (``from _helpers import
    x``), so that another spec directory's helper of the same name is not mistaken for them."""
    root = directory.resolve()
    for name in set(sys.modules) - loaded:
        file = getattr(sys.modules[name], "__file__", None)
        if file and "." not in name and root in Path(file).resolve().parents:
            del sys.modules[name]
