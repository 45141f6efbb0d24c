"""Load engine.py and nn.py from any directory under a unique module name.

Several implementations live side by side in one process (the reference, a
student's submission, mutants), so each directory becomes its own synthetic
package ``_micrograd_impl_<n>``. While its ``nn.py`` runs, the three usual
ways of importing the engine (``from .engine``, ``from engine`` and upstream's
``from micrograd.engine``) are all bound to that directory's own engine.
"""

from __future__ import annotations

import contextlib
import importlib.util
import itertools
import sys
import threading
import types
from pathlib import Path
from typing import Any, Iterator

from micrograd._paths import exercises_dir, reference_dir

__all__ = ["Implementation", "ImplementationError", "exercises_dir", "load_implementation", "reference_dir"]

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

    def __init__(self, path: Path, name: str) -> None:
        self.path = path
        self.name = name
        self._modules: dict[str, types.ModuleType] = {}
        self._errors: dict[str, ImplementationError] = {}

    def __repr__(self) -> str:
        return f"Implementation({str(self.path)!r})"

    @property
    def files(self) -> tuple[Path, Path]:
        """The implementation's source files: engine.py and nn.py."""
        return (self.path / "engine.py", self.path / "nn.py")

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
        spec = importlib.util.spec_from_file_location(qualname, file)
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


def load_implementation(path: str | Path) -> Implementation:
    """Make the directory ``path`` (holding engine.py and nn.py) into an Implementation.

    Files are imported on first use of a class; a missing file or class raises
    ImplementationError naming it.
    """
    directory = Path(path).expanduser().resolve()
    if not directory.exists():
        raise ImplementationError(f"{path} does not exist: give a directory holding engine.py and nn.py")
    if not directory.is_dir():
        raise ImplementationError(f"{path} is not a directory: give a directory holding engine.py and nn.py")
    if not (directory / "engine.py").is_file():
        raise ImplementationError(f"{path} has no engine.py: an implementation needs engine.py and nn.py")
    name = f"_micrograd_impl_{next(_counter)}"
    package = types.ModuleType(name)
    package.__path__ = [str(directory)]
    package.__file__ = None
    sys.modules[name] = package
    return Implementation(directory, name)
