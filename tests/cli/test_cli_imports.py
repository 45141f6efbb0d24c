"""The command line survives a command whose optional dependency is missing."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import micrograd.cli as cli


@pytest.fixture
def broken_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A command module that imports a package that is not installed."""
    (tmp_path / "_broken_command_for_test.py").write_text(
        "import not_installed_package_xyz.sub\nHELP = 'x'\ndef configure(p): pass\ndef run(a): return 0\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(cli.COMMANDS, "broken", "_broken_command_for_test")
    monkeypatch.delitem(sys.modules, "_broken_command_for_test", raising=False)
    return "broken"


@pytest.mark.parametrize("argv", [[], ["--out", "x", "some/path"], ["--help"]])
def test_a_command_with_a_missing_package_says_which_and_exits_2(
    broken_command: str, argv: list, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main([broken_command, *argv]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert lines == [
        "micrograd broken: needs the package 'not_installed_package_xyz', which is not installed "
        "(pip install not_installed_package_xyz)"
    ]
    assert "Traceback" not in captured.err


def test_the_other_commands_still_work(broken_command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["grade", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]) == 2
    assert "no such submission" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        cli.main(["--help"])
    assert exited.value.code == 0
    listing = capsys.readouterr().out
    assert "broken" in listing and "unavailable" in listing and "grade" in listing
