"""The page, run headless by Streamlit's AppTest: the same script the browser gets, without a browser."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.skipif(importlib.util.find_spec("streamlit") is None,
                                reason="streamlit is not installed (pip install 'micrograd-kit[app]')")


def _page(argv):  # AppTest runs this function's source alone: no annotations from this module's imports
    from micrograd.app._page import main

    main(argv)


def _app(*argv: str) -> Any:
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_function(_page, args=(list(argv),), default_timeout=60)
    app.run()
    assert not app.exception, app.exception
    return app


def _metric(app: Any, label: str) -> str:
    return next(m.value for m in app.metric if m.label == label)


def _button(app: Any, label: str) -> Any:
    return next(b for b in app.button if b.label == label)


@pytest.mark.slow
def test_step_reset_and_inspect() -> None:
    app = _app()
    assert _metric(app, "Step") == "0" and _metric(app, "Points") == "100"
    loss = _metric(app, "Loss")
    _button(app, "Step").click().run()
    assert _metric(app, "Step") == "1" and _metric(app, "Loss") != loss
    _button(app, "Step").click().run()
    assert _metric(app, "Step") == "2" and not app.dataframe
    app.toggle(key="inspect").set_value(True).run()
    table = app.dataframe[0].value
    assert list(table.columns) == ["parameter", "value", "grad", "m", "v"] and len(table) == 8 * 3 + 3 * 9
    _button(app, "Reset").click().run()
    assert _metric(app, "Step") == "0" and _metric(app, "Loss") == loss
    assert not app.error


def test_model_settings_and_their_errors() -> None:
    app = _app()
    app.toggle(key="inspect").set_value(True).run()
    app.text_input(key="hidden").input("4, 4").run()
    assert app.dataframe[0].value.shape[0] == 4 * 3 + 4 * 5 + 3 * 5
    app.selectbox(key="optimizer").select("sgd").run()
    assert list(app.dataframe[0].value.columns) == ["parameter", "value", "grad"]
    app.text_input(key="hidden").input("four").run()
    assert any("whole numbers separated by commas" in w.value for w in app.warning)
    app.text_input(key="hidden").input("100").run()
    assert any("1 to 64 neurons" in w.value for w in app.warning)


def test_the_data_set_and_a_typed_example() -> None:
    app = _app()
    app.selectbox(key="dataset").select("moons").run()
    assert app.selectbox(key="add_label").options == ["moon -1", "moon +1"]
    app.number_input(key="example_x").set_value(0.25).run()
    app.selectbox(key="example_label").select("moon +1").run()
    _button(app, "Use this example").click().run()
    assert any("a typed example: x = (0.250," in m.value for m in app.markdown)


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    from micrograd.impl import reference_dir

    target = tmp_path / "impl"
    target.mkdir()
    for name in ("engine.py", "nn.py"):
        shutil.copyfile(reference_dir() / name, target / name)
    source = (target / "engine.py").read_text()
    assert source.count(old) == 1
    (target / "engine.py").write_text(source.replace(old, new))
    return target


@pytest.mark.slow
def test_a_student_mutant_shows_how_its_numbers_differ(tmp_path: Path) -> None:
    from micrograd.mutants import CATALOGUE, write_mutant

    directory = write_mutant(CATALOGUE["mul_backward_own_data"], tmp_path / "mutant")
    app = _app("--impl", str(directory))
    errors = [e.value for e in app.error]
    assert any("differ from the reference engine's" in e and "gradients differ" in e for e in errors), errors
    _button(app, "Step").click().run()
    assert _metric(app, "Step") == "1"


@pytest.mark.slow
def test_a_student_exception_and_a_hang_show_as_messages(tmp_path: Path) -> None:
    directory = _broken(tmp_path, "        self.grad = 1\n", "        self.grad = 1\n        return {}['key']\n")
    app = _app("--impl", str(directory))
    assert any("Your implementation failed: KeyError" in e.value and "backward()" in e.value for e in app.error)
    shutil.copyfile(directory / "engine.py", directory / "engine.bak")
    engine = (directory / "engine.py").read_text().replace("return {}['key']", "while True:\n            pass")
    (directory / "engine.py").write_text(engine)
    hanging = _app("--impl", str(directory), "--timeout", "1")
    assert any("Timeout" in e.value and "no answer within 1 s" in e.value for e in hanging.error)
    _button(hanging, "Step").click().run()
    assert _metric(hanging, "Step") == "0" and hanging.error
