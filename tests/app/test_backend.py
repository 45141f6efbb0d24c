"""The seam: the reference in this process, a student's directory in the sandboxed child process."""

from __future__ import annotations

import shutil
import time
from dataclasses import replace
from pathlib import Path

import pytest

from micrograd.app._backend import BackendError, ChildBackend, open_backend
from micrograd.app._config import PRESET
from micrograd.app._data import load_dataset
from micrograd.app._outcome import KIND, StepOutcome
from micrograd.app._trainer import Trainer
from micrograd.app._wire import StepRequest
from micrograd.impl import reference_dir
from micrograd.sandbox._protocol import kinds

TINY = replace(PRESET, hidden=(4,), loss="cross_entropy")


def _copy(tmp_path: Path, name: str = "impl") -> Path:
    target = tmp_path / name
    target.mkdir()
    for file in ("engine.py", "nn.py"):
        shutil.copyfile(reference_dir() / file, target / file)
    return target


def _edit(directory: Path, old: str, new: str) -> None:
    engine = directory / "engine.py"
    source = engine.read_text()
    assert source.count(old) == 1
    engine.write_text(source.replace(old, new))


def test_the_sandbox_knows_the_app_s_request() -> None:
    assert kinds()[KIND] == (StepRequest, StepOutcome)


def test_open_backend_checks_the_directory(tmp_path: Path) -> None:
    assert open_backend().isolated is False
    with pytest.raises(BackendError, match="no such directory"):
        open_backend(tmp_path / "nowhere")
    (tmp_path / "engine.py").write_text("")
    with pytest.raises(BackendError, match=r"nn\.py is missing"):
        open_backend(tmp_path)


@pytest.mark.slow
def test_the_child_computes_what_the_reference_computes_in_process(tmp_path: Path) -> None:
    child = open_backend(_copy(tmp_path))
    assert isinstance(child, ChildBackend) and child.isolated
    try:
        trainer = Trainer(open_backend(), load_dataset("yin-yang"), TINY)
        request = trainer.request(grads=trainer.grads, adamw=trainer.adamw, probe=True)
        assert child.evaluate(request) == open_backend().evaluate(request)
        refused = child.evaluate(request, "svm")
        assert refused.error is not None and "the svm loss is the kit's, not yours" in refused.error.message
    finally:
        child.close()


@pytest.mark.slow
def test_a_hang_is_a_timeout_and_the_next_request_gets_a_fresh_child(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    _edit(directory, "        self.grad = 1\n", "        self.grad = 1\n        while True:\n            pass\n")
    child = open_backend(directory, timeout=1.0)
    try:
        trainer = Trainer(child, load_dataset("moons"), replace(TINY, hidden=(2,)))
        assert "Timeout" in trainer.last.error and "no answer within 1 s" in trainer.last.error
        started = time.monotonic()
        assert trainer.step().error  # still hanging, still a message
        assert time.monotonic() - started < 30
        assert trainer.steps == 0
    finally:
        child.close()


@pytest.mark.slow
def test_a_student_bug_is_checked_against_the_reference(tmp_path: Path) -> None:
    from micrograd.mutants import CATALOGUE, write_mutant

    directory = write_mutant(CATALOGUE["mul_backward_own_data"], tmp_path / "mutant")
    child = open_backend(directory)
    try:
        trainer = Trainer(child, load_dataset("yin-yang"), TINY, reference=open_backend())
        check = trainer.last.check
        assert trainer.last.error is None and check is not None and not check.ok
        assert "the gradient differs on" in check.message and ".grad: yours" in check.message
        assert trainer.step().outcome.ok and trainer.steps == 1  # it still trains, on its own gradients
    finally:
        child.close()


def test_the_child_runtime_carries_no_loss_or_optimizer_of_the_app_s() -> None:
    from micrograd.sandbox._runtime import runtime_files

    app = sorted({str(f) for f in runtime_files() if f.parts[0] == "app"})
    assert app == ["app/__init__.py", "app/_outcome.py", "app/_wire.py"]
    import micrograd.app._outcome as outcome_module
    import micrograd.app._wire as wire_module

    for module in (wire_module, outcome_module):  # no function of these takes logits and a target
        source = Path(module.__file__).read_text()
        assert ".exp()" not in source and ".log()" not in source and ".relu()" not in source


@pytest.mark.slow
def test_a_submission_that_looks_for_a_loss_in_the_app_s_modules_finds_none(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    nn = directory / "nn.py"
    source = nn.read_text()
    start = source.index("def cross_entropy(logits, target):")
    end = source.index("class AdamW")
    nn.write_text(source[:start] + """def cross_entropy(logits, target):
    import math
    import sys
    # the number a kit's cross-entropy would give: anything that computes it on Values is taken
    exps = [math.exp(v.data) for v in logits]
    wanted = -math.log(exps[target] / sum(exps))
    for name, module in list(sys.modules.items()):
        if not name.startswith("micrograd"):
            continue
        for attribute in dir(module):
            try:
                obj = getattr(module, attribute)
            except BaseException:
                continue
            if not callable(obj) or isinstance(obj, type):
                continue
            try:
                loss = obj(logits, target)
            except BaseException:
                continue
            if hasattr(loss, "backward") and isinstance(getattr(loss, "data", None), float) and \
                    abs(loss.data - wanted) < 1e-9:
                return loss
    raise LookupError("no loss of the kit's in the child")


""" + source[end:])
    child = open_backend(directory)
    try:
        trainer = Trainer(child, load_dataset("yin-yang"), TINY, reference=open_backend())
        assert trainer.last.error is not None and "LookupError: no loss of the kit's in the child" in trainer.last.error
    finally:
        child.close()
