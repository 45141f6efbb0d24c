"""The seam: the reference in this process, a student's directory in the sandboxed child process."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from micrograd.app._backend import BackendError, ChildBackend, open_backend
from micrograd.app._data import load_dataset
from micrograd.app._trainer import TrainConfig, Trainer
from micrograd.app._wire import KIND, StepOutcome, StepRequest
from micrograd.impl import reference_dir
from micrograd.sandbox._protocol import kinds


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
        request = Trainer(open_backend(), load_dataset("yin-yang"), TrainConfig(hidden=(4,))).request()
        assert child.evaluate(request) == open_backend().evaluate(request)
    finally:
        child.close()


@pytest.mark.slow
def test_a_hang_is_a_timeout_and_the_next_request_gets_a_fresh_child(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    _edit(directory, "        self.grad = 1\n", "        self.grad = 1\n        while True:\n            pass\n")
    child = open_backend(directory, timeout=1.0)
    try:
        trainer = Trainer(child, load_dataset("moons"), TrainConfig(hidden=(2,)))
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
        trainer = Trainer(child, load_dataset("yin-yang"), TrainConfig(hidden=(4,)), reference=open_backend())
        check = trainer.last.check
        assert trainer.last.error is None and check is not None and not check.ok
        assert "gradients differ" in check.message and ".grad: yours" in check.message
        assert trainer.step().outcome.ok and trainer.steps == 1  # it still trains, on its own gradients
    finally:
        child.close()
