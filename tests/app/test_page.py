"""The page, run headless by Streamlit's AppTest: the same script the browser gets, without a browser.

The board is a custom component that AppTest does not draw: its commands go to the session directly
here (tests/app/test_session.py has the commands, tests/app/test_browser.py the board in Chromium).
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from typing import Any

import pytest
from app_helpers import student_copy

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


def _trainer(app: Any) -> Any:
    return app.session_state["mg"].trainer


def _button(app: Any, label: str) -> Any:
    return next(b for b in app.button if b.label == label)


def test_the_page_starts_on_the_llm101n_run_and_steps() -> None:
    app = _app()
    trainer = _trainer(app)
    assert trainer.config.is_preset() and trainer.steps == 0 and len(trainer.points) == 90
    assert any("the LLM101n module's run" in c.value for c in app.caption)
    app.session_state["mg"].session.handle({"seq": 1, "clicks": 2})
    app.run()
    assert trainer.steps == 2 and not app.error


def test_model_settings_and_a_rejected_input_put_back_with_a_reason() -> None:
    app = _app()
    trainer = _trainer(app)
    app.text_input(key="hidden").input("4, 4").run()
    assert trainer.config.hidden == (4, 4) and len(trainer.params) == 4 * 3 + 4 * 5 + 3 * 5
    assert _button(app, "Back to the LLM101n module's run")  # not the module's settings any more
    app.text_input(key="hidden").input("abc").run()
    assert any("whole numbers separated by commas" in w.value and "back to what it was" in w.value
               for w in app.warning)
    assert app.text_input(key="hidden").value == "4, 4" and trainer.config.hidden == (4, 4)
    app.text_input(key="hidden").input("100").run()
    assert any("1 to 64 neurons" in w.value for w in app.warning) and app.text_input(key="hidden").value == "4, 4"
    app.selectbox(key="activation").select("relu").run()
    app.selectbox(key="optimizer").select("sgd").run()
    app.selectbox(key="loss").select("svm").run()
    assert (trainer.config.activation, trainer.config.optimizer, trainer.config.loss) == ("relu", "sgd", "svm")
    trainer.step()
    app.number_input(key="lr").set_value(0.5).run()
    assert trainer.config.lr == 0.5 and trainer.steps == 1  # the learning rate alone keeps the model
    _button(app, "Back to the LLM101n module's run").click().run()
    assert trainer.config.is_preset() and trainer.steps == 0 and app.text_input(key="hidden").value == "8"


def test_the_data_set_and_a_typed_example() -> None:
    app = _app()
    app.selectbox(key="dataset").select("moons").run()
    assert app.selectbox(key="add_label").options == ["moon -1", "moon +1"]
    assert _trainer(app).dataset.name == "moons" and _trainer(app).sizes == (8, 2)
    app.number_input(key="example_x").set_value(0.25).run()
    app.selectbox(key="example_label").select("moon +1").run()
    _button(app, "Use this example").click().run()
    example = _trainer(app).example
    assert (example.x, example.label, example.index) == (0.25, 1, None)


@pytest.mark.slow
def test_a_student_mutant_shows_how_its_numbers_differ(tmp_path: Path) -> None:
    from micrograd.mutants import CATALOGUE, write_mutant

    directory = write_mutant(CATALOGUE["mul_backward_own_data"], tmp_path / "mutant")
    app = _app("--impl", str(directory))
    errors = [e.value for e in app.error]
    assert any("differ from the reference's on the same state" in e and "the gradient differs" in e
               for e in errors), errors
    loss = app.selectbox(key="loss")
    assert loss.options == ["cross-entropy (nn.cross_entropy)"] and loss.disabled  # theirs: the kit's stay here


@pytest.mark.slow
def test_a_student_without_adamw_is_offered_sgd(tmp_path: Path) -> None:
    solution = "        self.t += 1\n"
    directory = student_copy(tmp_path, {solution: solution + "        raise NotImplementedError('AdamW.step')\n"})
    app = _app("--impl", str(directory))
    assert any("Your nn.AdamW cannot step yet (NotImplementedError: AdamW.step" in w.value for w in app.warning)
    _button(app, "Train with SGD").click().run()
    assert _trainer(app).config.optimizer == "sgd" and not any("cannot step" in w.value for w in app.warning)
    app.session_state["mg"].session.handle({"seq": 1, "clicks": 1})
    app.run()
    assert _trainer(app).steps == 1 and not app.error


@pytest.mark.slow
def test_a_student_exception_and_a_hang_show_as_messages(tmp_path: Path) -> None:
    directory = student_copy(tmp_path, {"        self.grad = 1\n": "        self.grad = 1\n        return {}['key']\n"})
    app = _app("--impl", str(directory))
    assert any("Your implementation failed: KeyError" in e.value and "backward()" in e.value for e in app.error)
    shutil.copyfile(directory / "engine.py", directory / "engine.bak")
    engine = (directory / "engine.py").read_text().replace("return {}['key']", "while True:\n            pass")
    (directory / "engine.py").write_text(engine)
    hanging = _app("--impl", str(directory), "--timeout", "1")
    assert any("Timeout" in e.value and "no answer within 1 s" in e.value for e in hanging.error)
    hanging.session_state["mg"].session.handle({"seq": 1, "clicks": 1})
    hanging.run()
    assert _trainer(hanging).steps == 0 and hanging.error
