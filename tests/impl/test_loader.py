"""The loader: any directory becomes an implementation, isolated from the others."""

import sys
import textwrap
from pathlib import Path

import pytest

import micrograd.engine
from micrograd.impl import ImplementationError, load_implementation, reference_dir

ENGINE = "class Value:\n    def __init__(self, data):\n        self.data = data\n"


def _write(directory: Path, engine: str, nn: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "engine.py").write_text(engine)
    (directory / "nn.py").write_text(nn)
    return directory


NN_TEMPLATE = textwrap.dedent(
    """
    {import_line}

    class Module: pass
    class Neuron(Module): pass
    class Layer(Module): pass
    class MLP(Module):
        engine_value = Value
    """
)


@pytest.mark.parametrize(
    "import_line",
    [
        "from .engine import Value",
        "from engine import Value",
        "from micrograd.engine import Value",
        "import micrograd.engine as e; Value = e.Value",
        "from micrograd import engine; Value = engine.Value",
    ],
)
def test_nn_binds_the_submissions_own_engine(tmp_path, import_line):
    impl = load_implementation(_write(tmp_path, ENGINE, NN_TEMPLATE.format(import_line=import_line)))
    assert impl.MLP.engine_value is impl.Value
    assert impl.Value is not micrograd.engine.Value
    # and the aliases are gone afterwards
    assert sys.modules["micrograd.engine"] is micrograd.engine
    assert "engine" not in sys.modules


def test_two_implementations_live_side_by_side(tmp_path):
    first = load_implementation(_write(tmp_path / "a", ENGINE + "KIND = 'a'\n", "from .engine import Value\n"))
    second = load_implementation(_write(tmp_path / "b", ENGINE + "KIND = 'b'\n", "from .engine import Value\n"))
    assert (first.engine.KIND, second.engine.KIND) == ("a", "b")
    assert first.Value is not second.Value


def test_reference_loads_with_every_class():
    impl = load_implementation(reference_dir())
    for name in ("Value", "Module", "Neuron", "Layer", "MLP"):
        assert isinstance(getattr(impl, name), type)


def test_missing_directory_is_named(tmp_path):
    with pytest.raises(ImplementationError, match="nowhere does not exist"):
        load_implementation(tmp_path / "nowhere")


def test_missing_engine_is_named(tmp_path):
    (tmp_path / "nn.py").write_text("")
    with pytest.raises(ImplementationError, match=r"has no engine\.py"):
        load_implementation(tmp_path)


def test_missing_nn_is_named_but_the_engine_still_works(tmp_path):
    (tmp_path / "engine.py").write_text(ENGINE)
    impl = load_implementation(tmp_path)
    assert impl.Value(2).data == 2
    with pytest.raises(ImplementationError, match=r"nn\.py is missing"):
        impl.MLP  # noqa: B018 (the access is the test)


def test_missing_class_is_named(tmp_path):
    impl = load_implementation(_write(tmp_path, ENGINE, "from .engine import Value\nclass Module: pass\n"))
    with pytest.raises(ImplementationError, match=r"does not define a class 'Neuron'"):
        impl.Neuron  # noqa: B018


def test_syntax_error_names_file_and_line(tmp_path):
    impl = load_implementation(_write(tmp_path, "class Value:\n    def oops(:\n", ""))
    with pytest.raises(ImplementationError, match=r"engine.py failed \(line 2\): SyntaxError"):
        impl.Value  # noqa: B018


def test_exit_at_import_is_an_error_not_an_exit(tmp_path):
    impl = load_implementation(_write(tmp_path, "import sys\nsys.exit(3)\n", ""))
    with pytest.raises(ImplementationError, match="SystemExit"):
        impl.Value  # noqa: B018
