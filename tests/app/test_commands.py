"""``micrograd app`` and ``micrograd notebooks``: the command lines they run, and their errors."""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

import micrograd.app._command as app_command
import micrograd.cli._notebooks as notebooks
from micrograd import cli
from micrograd.impl import reference_dir


def _args(module, argv):
    parser = argparse.ArgumentParser()
    module.configure(parser)
    return parser.parse_args(argv)


def _option(command, name):
    return command[command.index(name) + 1]


def test_the_app_command_line_is_offline_and_headless_on_request() -> None:
    command = app_command.streamlit_command(_args(app_command, ["--no-browser", "--port", "9123"]), python="py")
    assert command[:5] == ["py", "-c", app_command.BOOT, "run", str(app_command.SCRIPT)]
    assert app_command.SCRIPT.is_file() and app_command.SCRIPT.parent == app_command.HOME
    assert _option(command, "--runner.postScriptGC") == "false"  # see micrograd/app/_collect.py
    assert _option(command, "--browser.gatherUsageStats") == "false"
    assert _option(command, "--server.headless") == "true"
    assert _option(command, "--server.port") == "9123"
    assert "--impl" not in command
    browser = app_command.streamlit_command(_args(app_command, []))
    assert _option(browser, "--server.headless") == "false" and _option(browser, "--server.port") == "8501"


def test_the_app_passes_the_implementation_as_an_absolute_path(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mywork").mkdir()
    command = app_command.streamlit_command(_args(app_command, ["--impl", "mywork", "--timeout", "3"]))
    page_args = command[command.index("--") + 1:]
    assert page_args == ["--timeout", "3.0", "--impl", str(tmp_path / "mywork")]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--impl", "nowhere"], "--impl nowhere: no such directory"),
        (["--port", "0"], "--port must be from 1 to 65535"),
        (["--timeout", "0"], "--timeout must be a positive number"),
    ],
)
def test_bad_app_arguments_say_what_is_wrong(argv, message, tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(app_command, "_installed", lambda name: True)
    monkeypatch.setattr(subprocess, "call", lambda *a, **k: pytest.fail("must not start"))
    assert cli.main(["app", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_an_implementation_without_nn_py_is_refused(tmp_path: Path, monkeypatch, capsys) -> None:
    (tmp_path / "engine.py").write_text("class Value: pass\n")
    monkeypatch.setattr(app_command, "_installed", lambda name: True)
    assert cli.main(["app", "--impl", str(tmp_path)]) == 2
    assert "nn.py is missing" in capsys.readouterr().err


def test_the_app_without_streamlit_says_how_to_install_it(monkeypatch, capsys) -> None:
    monkeypatch.setattr(app_command, "_installed", lambda name: name != "streamlit")
    assert cli.main(["app"]) == 2
    assert "pip install 'micrograd-kit[app]'" in capsys.readouterr().err


def test_a_module_in_the_current_folder_is_not_an_installed_one(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend("")  # as python -m puts it
    (tmp_path / "planted_module.py").write_text("raise SystemExit('planted')\n")
    assert importlib.util.find_spec("planted_module") is not None
    assert not app_command._installed("planted_module") and app_command._installed("json")


def test_the_app_runs_streamlit_in_the_kit_s_own_folder(monkeypatch, tmp_path: Path) -> None:
    calls = []
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(app_command, "_installed", lambda name: True)
    monkeypatch.setattr(subprocess, "call", lambda command, cwd=None: calls.append((command, cwd)) or 0)
    assert cli.main(["app", "--impl", str(reference_dir()), "--headless"]) == 0
    command, cwd = calls[0]
    assert command[1:5] == ["-c", app_command.BOOT, "run", str(app_command.SCRIPT)] and "--impl" in command
    assert cwd == app_command.HOME


def test_importing_the_request_module_needs_neither_streamlit_nor_numpy() -> None:
    code = ("import sys, micrograd.app._wire; "
            "print(sorted(m for m in ('numpy', 'streamlit', 'micrograd.nn') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# notebooks


def test_notebooks_opens_jupyterlab_on_the_kit_s_notebooks(monkeypatch, tmp_path: Path) -> None:
    calls = []
    monkeypatch.chdir(tmp_path)  # an installed kit copies its notebooks here
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: object())
    monkeypatch.setattr(subprocess, "call", lambda command, **options: calls.append(command) or 0)
    assert cli.main(["notebooks", "--ip", "0.0.0.0", "--port", "8899", "--no-browser"]) == 0
    command = calls[0]
    assert command[1:3] == ["-m", "jupyterlab"]
    root = notebooks.notebooks_dir()
    assert root is not None and (root / "demo.ipynb").is_file() and (root / "yinyang.ipynb").is_file()
    assert f"--ServerApp.root_dir={root.resolve()}" in command
    assert {"--ip=0.0.0.0", "--port=8899", "--no-browser"} <= set(command)
    assert not any(part.startswith("--ip") for part in notebooks.jupyter_command(_args(notebooks, []), root))


def test_an_installed_kit_opens_a_copy_of_its_notebooks(monkeypatch, tmp_path: Path, capsys) -> None:
    shipped = tmp_path / "site" / "micrograd" / "_data" / "notebooks"
    shipped.mkdir(parents=True)
    (shipped / "demo.ipynb").write_text("{}")
    (shipped / "build.py").write_text("")  # the notebooks' builder is not the user's
    monkeypatch.setattr(notebooks._paths, "repo_dir", lambda: None)
    monkeypatch.setattr(notebooks._paths, "data_dir", lambda: shipped.parent)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    root = notebooks.notebooks_dir()
    assert root == work / notebooks.COPY
    assert sorted(p.name for p in root.iterdir()) == ["demo.ipynb"]
    assert "copied the kit's notebooks" in capsys.readouterr().err
    (root / "demo.ipynb").write_text('{"edited": true}')
    assert notebooks.notebooks_dir() == root and (root / "demo.ipynb").read_text() == '{"edited": true}'


def test_notebooks_errors(monkeypatch, tmp_path: Path, capsys) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None if name == "jupyterlab" else real(name))
    assert cli.main(["notebooks"]) == 2
    assert "pip install -e '.[notebooks]'" in capsys.readouterr().err
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: object())
    assert cli.main(["notebooks", str(tmp_path / "none")]) == 2
    assert "is not a directory" in capsys.readouterr().err
    monkeypatch.setattr(notebooks, "notebooks_dir", lambda: None)
    assert cli.main(["notebooks"]) == 2
    assert "reinstall the kit, or give a directory" in capsys.readouterr().err
