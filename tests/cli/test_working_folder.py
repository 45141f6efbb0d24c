"""The folder a command is started in is data, never code (issue 21 item 8): a ``numpy.py``, ``pickle.py`` or
``argparse.py`` planted there never runs in the kit's trusted process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

from micrograd._paths import reference_dir
from micrograd._workdir import forget_working_folder

PLANTED = ("numpy", "pickle", "argparse", "random", "json")


def _plant(folder: Path) -> List[Path]:
    """Modules in ``folder`` that leave a mark when they run; returns the marks."""
    marks = []
    for name in PLANTED:
        mark = folder / f"RAN_{name}"
        (folder / f"{name}.py").write_text(f"open({str(mark)!r}, 'w').write('planted code ran')\n")
        marks.append(mark)
    return marks


def _console_script() -> str:
    script = Path(sys.executable).parent / "micrograd"
    if not script.is_file():
        pytest.skip("the micrograd console script is not installed beside this Python")
    return str(script)


@pytest.mark.parametrize("how", ["python -m", "console script"])
def test_a_planted_module_in_the_working_folder_never_runs(tmp_path: Path, how: str) -> None:
    marks = _plant(tmp_path)
    command = [sys.executable, "-m", "micrograd"] if how == "python -m" else [_console_script()]
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSAFEPATH")}
    done = subprocess.run([*command, "check", "--help"], cwd=tmp_path, capture_output=True, text=True, env=env,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "usage" in done.stdout
    assert [m.name for m in marks if m.exists()] == []


@pytest.mark.slow
def test_a_check_started_in_a_planted_folder_runs_none_of_it(tmp_path: Path) -> None:
    marks = _plant(tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSAFEPATH")}
    done = subprocess.run([sys.executable, "-m", "micrograd", "check", str(reference_dir()), "--exercise", "add"],
                          cwd=tmp_path, capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "passing" in done.stdout
    assert [m.name for m in marks if m.exists()] == []


def test_only_the_working_folder_comes_off_the_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    here = str(tmp_path)
    path = ["", here, ".", "/usr/lib/python3", os.path.join(here, "sub"), here + "/"]
    removed = forget_working_folder(path)
    assert path == ["/usr/lib/python3", os.path.join(here, "sub")]
    assert removed == ["", here, ".", here + "/"]


def test_the_kits_own_folder_stays_when_started_there() -> None:
    kit = str(Path(__file__).resolve().parents[2])  # a checkout run in place: the kit is imported from there
    import micrograd

    if Path(micrograd.__file__).resolve().parents[1] != Path(kit):
        pytest.skip("the kit is installed elsewhere, not run from this checkout")
    path = ["", kit]
    assert forget_working_folder(path, kit) == [] and path == ["", kit]


def test_the_kits_own_child_processes_ignore_the_working_folder(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The plain child that runs a student's deep chains (the sandbox's ``none`` layer, the one child mechanism:
    micrograd.sandbox.local_evaluator) never imports what the folder it is started from holds."""
    from micrograd.program import DeepChain
    from micrograd.sandbox import PlainChild

    marks = _plant(tmp_path)
    monkeypatch.chdir(tmp_path)  # a child started with python -m here would put this folder first on sys.path
    child = PlainChild(reference_dir())
    try:
        outcome = child.evaluate(DeepChain(10))
    finally:
        child.close()
    assert outcome.ok and outcome.grad[0] == 11
    assert [m.name for m in marks if m.exists()] == []
