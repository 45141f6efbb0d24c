"""Find the spec's properties: module-level ``test_*`` functions marked ``@pytest.mark.exercise(name)``."""

from __future__ import annotations

import importlib.util
import inspect
import sys
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

from micrograd._paths import spec_dir
from micrograd.verdict import EXERCISES

__all__ = ["Property", "discover"]


@dataclass(frozen=True)
class Property:
    """One spec property: ``id`` is ``file_stem::function`` (unique), ``name`` the function's name."""

    id: str
    name: str
    exercise: str
    func: Callable[..., Any]
    wants_oracle: bool

    def __repr__(self) -> str:
        return f"Property({self.id!r}, exercise={self.exercise!r})"


_CACHE: Dict[Path, List[Property]] = {}


def _exercise_of(func: Any) -> Optional[str]:
    for mark in getattr(func, "pytestmark", []):
        if getattr(mark, "name", None) == "exercise" and mark.args:
            return str(mark.args[0])
    return None


def _import(directory: Path, file: Path) -> types.ModuleType:
    package = f"_micrograd_spec_{abs(hash(str(directory)))}"
    if package not in sys.modules:
        module = types.ModuleType(package)
        module.__path__ = [str(directory)]
        sys.modules[package] = module
    name = f"{package}.{file.stem}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:  # pragma: no cover
        raise ImportError(f"cannot import {file}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def discover(directory: Optional[Path] = None) -> List[Property]:
    """Every property in the ``test_*.py`` files of ``directory`` (default: the kit's spec), in file order.

    Imports the files (trusted code) after loading the ``grading`` Hypothesis profile, since
    properties keep the settings active when they are defined.
    """
    root = Path(directory or spec_dir()).resolve()
    if root in _CACHE:
        return _CACHE[root]
    if not root.is_dir():
        raise FileNotFoundError(f"spec directory {root} does not exist")
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    found: List[Property] = []
    from autograder.grade._profile import grading_profile

    for file in sorted(root.glob("test_*.py")):
        with grading_profile():
            module = _import(root, file)
        for name, func in vars(module).items():
            if not name.startswith("test_") or not callable(func) or not hasattr(func, "hypothesis"):
                continue
            exercise = _exercise_of(func)
            if exercise is None or exercise not in EXERCISES:
                continue
            params = inspect.signature(func).parameters
            found.append(Property(f"{file.stem}::{name}", name, exercise, func, "oracle" in params))
    _CACHE[root] = found
    return found
