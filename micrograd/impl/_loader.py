"""Load engine.py and nn.py (and the helper modules beside them) from any directory under a unique module name.

Several implementations live side by side in one process (the reference, a
student's submission, mutants), so each directory becomes its own synthetic
package ``_micrograd_impl_<n>``. While its ``nn.py`` runs, the three usual
ways of importing the engine (``from .engine``, ``from engine`` and upstream's
``from micrograd.engine``) are all bound to that directory's own engine.

Helper modules work as they do when the files run from their own directory: in any
module of the implementation, ``import derivs``, ``from derivs import f`` and
``from .derivs import f`` load ``derivs.py`` (or the package ``derivs/``) of that
directory, as a sub-module of the implementation's package, so two implementations
with a helper of the same name never share it.
"""

from __future__ import annotations

import builtins
import contextlib
import importlib.abc
import importlib.machinery
import importlib.util
import itertools
import os
import sys
import threading
import types
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterator, Optional, Sequence

__all__ = ["Implementation", "ImplementationError", "implementation_dir", "load_implementation"]

_counter = itertools.count()
_import_lock = threading.RLock()

_ENGINE_NAMES = ("Value",)
_NN_NAMES = ("Module", "Neuron", "Layer", "MLP")


class ImplementationError(Exception):
    """A directory cannot be used as an implementation: a file, a class, or an import is wrong."""


class Implementation:
    """The classes of one directory: ``Value`` from engine.py; ``Module``, ``Neuron``,
    ``Layer`` and ``MLP`` from nn.py.

    Each file is loaded on first use, so a broken nn.py does not hide a working engine.
    """

    def __init__(self, path: Path, name: str, helpers: Sequence[Path] = ()) -> None:
        self.path = path
        self.name = name
        self.helpers = tuple(helpers)
        self._modules: dict[str, types.ModuleType] = {}
        self._errors: dict[str, ImplementationError] = {}

    def __repr__(self) -> str:
        return f"Implementation({str(self.path)!r})"

    @property
    def files(self) -> tuple[Path, ...]:
        """The implementation's source files: engine.py, nn.py, then its helper modules."""
        return (self.path / "engine.py", self.path / "nn.py", *self.helpers)

    @property
    def engine(self) -> types.ModuleType:
        return self._module("engine")

    @property
    def nn(self) -> types.ModuleType:
        return self._module("nn")

    @property
    def Value(self) -> Any:  # noqa: N802 (named after the class it returns)
        return self._class("engine", "Value")

    @property
    def Module(self) -> Any:  # noqa: N802
        return self._class("nn", "Module")

    @property
    def Neuron(self) -> Any:  # noqa: N802
        return self._class("nn", "Neuron")

    @property
    def Layer(self) -> Any:  # noqa: N802
        return self._class("nn", "Layer")

    @property
    def MLP(self) -> Any:  # noqa: N802
        return self._class("nn", "MLP")

    @property
    def AdamW(self) -> Any:  # noqa: N802
        return self._class("nn", "AdamW")

    @property
    def cross_entropy(self) -> Any:
        function = getattr(self._module("nn"), "cross_entropy", None)
        if not callable(function) or isinstance(function, type):
            raise ImplementationError(
                f"{self.path / 'nn.py'} does not define a function 'cross_entropy'; "
                "add `def cross_entropy(logits, target)` to nn.py"
            )
        return function

    def _class(self, module: str, name: str) -> Any:
        cls = getattr(self._module(module), name, None)
        if not isinstance(cls, type):
            raise ImplementationError(
                f"{self.path / (module + '.py')} does not define a class {name!r}; "
                f"add `class {name}` to {module}.py"
            )
        return cls

    def _module(self, module: str) -> types.ModuleType:
        if module in self._modules:
            return self._modules[module]
        if module in self._errors:
            raise self._errors[module]
        if module == "nn":
            self._module("engine")
        try:
            loaded = self._exec(module)
        except ImplementationError as error:
            self._errors[module] = error
            raise
        self._modules[module] = loaded
        return loaded

    def _exec(self, module: str) -> types.ModuleType:
        file = self.path / f"{module}.py"
        if not file.is_file():
            raise ImplementationError(f"{file} is missing: an implementation needs {module}.py in {self.path}")
        qualname = f"{self.name}.{module}"
        spec = importlib.util.spec_from_file_location(qualname, file, loader=_HelperLoader(qualname, str(file)))
        if spec is None or spec.loader is None:  # pragma: no cover (only for non-.py paths)
            raise ImplementationError(f"cannot load {file}")
        mod = importlib.util.module_from_spec(spec)
        with _import_lock, _engine_aliases(self._modules.get("engine")):
            sys.modules[qualname] = mod
            try:
                spec.loader.exec_module(mod)
            except BaseException as error:
                del sys.modules[qualname]
                where = _student_line(error, file)
                raise ImplementationError(
                    f"importing {file} failed{where}: {type(error).__name__}: {error}"
                ) from error
        setattr(sys.modules[self.name], module, mod)
        return mod


@contextlib.contextmanager
def _engine_aliases(engine: types.ModuleType | None) -> Iterator[None]:
    """Bind ``engine`` and ``micrograd.engine`` to an implementation's engine while its nn.py runs."""
    if engine is None:
        yield
        return
    import micrograd

    names = ("engine", "micrograd.engine")
    saved = {name: sys.modules.get(name) for name in names}
    saved_attr = micrograd.__dict__.get("engine")
    for name in names:
        sys.modules[name] = engine
    micrograd.__dict__["engine"] = engine
    try:
        yield
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
        if saved_attr is None:
            micrograd.__dict__.pop("engine", None)
        else:
            micrograd.__dict__["engine"] = saved_attr


def _student_line(error: BaseException, file: Path) -> str:
    """' (line N)' for the last traceback frame in ``file``, or the SyntaxError's line."""
    if isinstance(error, SyntaxError) and error.lineno:
        return f" (line {error.lineno})"
    line = None
    tb = error.__traceback__
    while tb is not None:
        if Path(tb.tb_frame.f_code.co_filename) == file:
            line = tb.tb_lineno
        tb = tb.tb_next
    return f" (line {line})" if line else ""


_directories: Dict[str, Path] = {}
_local_names: Dict[str, FrozenSet[str]] = {}
_builtins: Dict[str, Dict[str, Any]] = {}


def _module_file(package: str, relative: Sequence[str]) -> Optional[tuple]:
    """(file, is a package) for the module ``relative`` of implementation ``package``, if it exists."""
    directory = _directories.get(package)
    if directory is None or not relative or not all(part.isidentifier() for part in relative):
        return None
    base = directory.joinpath(*relative)
    if (base / "__init__.py").is_file():
        return base / "__init__.py", True
    if base.with_name(base.name + ".py").is_file():
        return base.with_name(base.name + ".py"), False
    return None


class _HelperLoader(importlib.machinery.SourceFileLoader):
    """Executes a module of an implementation with its own ``__import__`` (see :func:`_import_for`)."""

    def exec_module(self, module: types.ModuleType) -> None:
        package = self.name.partition(".")[0]
        module.__dict__["__builtins__"] = _builtins_for(package)
        super().exec_module(module)


class _HelperFinder(importlib.abc.MetaPathFinder):
    """Finds the sub-modules of the implementations' synthetic packages in their directories."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        package, dot, rest = fullname.partition(".")
        if not dot or package not in _directories:
            return None
        found = _module_file(package, rest.split("."))
        if found is None:
            return None
        file, is_package = found
        return importlib.util.spec_from_file_location(
            fullname, file, loader=_HelperLoader(fullname, str(file)),
            submodule_search_locations=[str(file.parent)] if is_package else None,
        )


def _builtins_for(package: str) -> Dict[str, Any]:
    """Builtins whose ``__import__`` resolves the implementation's own modules by their plain names."""
    if package not in _builtins:
        names = _local_names.get(package, frozenset())
        real = builtins.__import__

        def __import__(name: str, globals: Any = None, locals: Any = None, fromlist: Any = (),  # noqa: N807
                       level: int = 0) -> Any:
            if level == 0 and name.partition(".")[0] in names:
                return real(name, {"__package__": package, "__name__": package}, locals, fromlist, 1)
            return real(name, globals, locals, fromlist, level)

        table = dict(builtins.__dict__)
        table["__import__"] = __import__
        _builtins[package] = table
    return _builtins[package]


def _local_modules(directory: Path) -> tuple:
    """(names importable from ``directory``, their source files other than engine.py and nn.py)."""
    names = set()
    helpers = []
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        return frozenset(), []
    for entry in entries:
        if entry.name.endswith(".py") and entry.name[:-3].isidentifier() and entry.is_file():
            names.add(entry.name[:-3])
            if entry.name not in ("engine.py", "nn.py"):
                helpers.append(Path(entry.path))
        elif entry.name.isidentifier() and entry.is_dir() and os.path.isfile(os.path.join(entry.path, "__init__.py")):
            names.add(entry.name)
            helpers.extend(sorted(Path(entry.path).rglob("*.py"))[:200])
    return frozenset(names), helpers


_finder = _HelperFinder()


def implementation_dir(path: str | Path) -> Path:
    """``path`` as a directory holding engine.py; ImplementationError saying what is wrong otherwise."""
    directory = Path(path).expanduser()
    if not directory.exists():
        raise ImplementationError(f"{path} does not exist: give a directory holding engine.py and nn.py")
    if not directory.is_dir():
        raise ImplementationError(f"{path} is not a directory: give a directory holding engine.py and nn.py")
    if not (directory / "engine.py").is_file():
        raise ImplementationError(f"{path} has no engine.py: an implementation needs engine.py and nn.py")
    return directory


def load_implementation(path: str | Path) -> Implementation:
    """Make the directory ``path`` (holding engine.py and nn.py) into an Implementation.

    Files are imported on first use of a class; a missing file or class raises
    ImplementationError naming it.
    """
    directory = implementation_dir(path).resolve()
    name = f"_micrograd_impl_{next(_counter)}"
    package = types.ModuleType(name)
    package.__path__ = [str(directory)]
    package.__file__ = None
    names, helpers = _local_modules(directory)
    with _import_lock:
        _directories[name] = directory
        _local_names[name] = names
        if _finder not in sys.meta_path:
            sys.meta_path.insert(0, _finder)
        sys.modules[name] = package
    return Implementation(directory, name, helpers)
