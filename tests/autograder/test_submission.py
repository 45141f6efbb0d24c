"""Preparing what a student handed in: bounded, no link followed out, no archive inside an archive opened."""

from __future__ import annotations

import importlib
import os
import stat
import zipfile
from pathlib import Path

import pytest

from autograder.grade import prepare
from autograder.grade._submission import LIMITS
from micrograd.impl import reference_dir

ENGINE = (reference_dir() / "engine.py").read_text()
NN = (reference_dir() / "nn.py").read_text()


def _zip(path: Path, entries: dict) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in entries.items():
            z.writestr(name, text)
    return path


def _error(path: Path, tmp_path: Path) -> str:
    prepared = prepare(path, tmp_path / "scratch")
    assert prepared.directory is None, "expected the submission to be refused"
    return prepared.error


def test_a_zip_with_too_many_entries_is_refused_before_it_is_read(tmp_path: Path) -> None:
    archive = tmp_path / "many.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as z:
        for i in range(LIMITS["archive_entries"] + 500):
            z.writestr(f"d/{i}.py", "")
    assert f"holds {LIMITS['archive_entries'] + 500} files" in _error(archive, tmp_path)
    assert not (tmp_path / "scratch" / "unzipped").exists()


def test_a_zip_bomb_stops_at_the_byte_limit(tmp_path: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("engine.py", ENGINE)
        with z.open("padding.py", "w", force_zip64=True) as f:
            for _ in range(LIMITS["unzipped_bytes"] // (1 << 20) + 2):
                f.write(b"#" * (1 << 20))
    assert "once unzipped" in _error(archive, tmp_path)


def test_an_archive_inside_an_archive_is_not_opened(tmp_path: Path) -> None:
    inner = _zip(tmp_path / "inner.zip", {"engine.py": ENGINE, "nn.py": NN})
    outer = tmp_path / "outer.zip"
    with zipfile.ZipFile(outer, "w") as z:
        z.write(inner, "inner.zip")
    assert "archives inside archives are not opened" in _error(outer, tmp_path)


def test_a_folder_holding_one_zip_is_opened_once(tmp_path: Path) -> None:
    folder = tmp_path / "upload"
    folder.mkdir()
    _zip(folder / "work.zip", {"my/engine.py": ENGINE, "my/nn.py": NN, "my/derivs.py": "K = 1\n", "my/notes.txt": "x"})
    prepared = prepare(folder, tmp_path / "scratch")
    assert prepared.directory is not None, prepared.error
    assert sorted(p.name for p in prepared.directory.iterdir()) == ["derivs.py", "engine.py", "nn.py"]


@pytest.mark.parametrize("name", ["../evil.py", "/etc/evil.py", "c:/evil.py"])
def test_an_unsafe_path_in_a_zip_is_refused(tmp_path: Path, name: str) -> None:
    archive = _zip(tmp_path / "evil.zip", {"engine.py": ENGINE, name: "x = 1\n"})
    assert "unsafe path" in _error(archive, tmp_path)


def test_a_link_in_a_zip_is_not_made(tmp_path: Path) -> None:
    archive = tmp_path / "linked.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("nn.py", NN)
        info = zipfile.ZipInfo("engine.py")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(info, str(reference_dir() / "engine.py"))
    assert "no engine.py" in _error(archive, tmp_path)


def test_a_link_out_of_a_submitted_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "linked"
    folder.mkdir()
    (folder / "engine.py").symlink_to(reference_dir() / "engine.py")
    (folder / "nn.py").symlink_to(reference_dir() / "nn.py")
    assert "engine.py is a symbolic link" in _error(folder, tmp_path)


def test_a_huge_folder_is_refused_without_being_walked_to_the_end(tmp_path: Path) -> None:
    folder = tmp_path / "huge"
    deep = folder / "a"
    deep.mkdir(parents=True)
    for i in range(LIMITS["walked_entries"] + 10):
        (deep / f"{i}.txt").touch()
    assert f"more than {LIMITS['walked_entries']} files" in _error(folder, tmp_path)


def test_only_the_python_files_of_the_submission_are_copied(tmp_path: Path) -> None:
    folder = tmp_path / "work"
    (folder / "pkg").mkdir(parents=True)
    (folder / "engine.py").write_text(ENGINE)
    (folder / "nn.py").write_text(NN)
    (folder / "pkg" / "__init__.py").write_text("")
    (folder / "pkg" / "deep.py").write_text("X = 1\n")
    (folder / "notes.md").write_text("private notes")
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "engine.cpython-311.pyc").write_bytes(b"\0")
    (folder / ".venv").mkdir()
    (folder / ".venv" / "x.py").write_text("")
    prepared = prepare(folder, tmp_path / "scratch")
    assert prepared.directory is not None, prepared.error
    copied = sorted(str(p.relative_to(prepared.directory)) for p in prepared.directory.rglob("*") if p.is_file())
    assert copied == ["engine.py", "nn.py", os.path.join("pkg", "__init__.py"), os.path.join("pkg", "deep.py")]
    assert prepared.directory != folder  # the grader never works on the hand-in itself


def test_a_huge_notebook_is_refused_without_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(LIMITS, "notebook_bytes", 1000)
    path = tmp_path / "big.ipynb"
    path.write_text('{"cells": [], "pad": "' + "x" * 2000 + '"}')
    assert "larger than" in _error(path, tmp_path)


def test_preparing_stops_at_its_wall_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(LIMITS, "seconds", 0.0)
    archive = _zip(tmp_path / "slow.zip", {"engine.py": ENGINE, "nn.py": NN})
    assert "took longer than" in _error(archive, tmp_path)


# preparation limits are enforced while the work happens (issue 21 item 6)

def _appending_notebook(path: Path, cells: int, body: str) -> Path:
    import json

    code = [{"cell_type": "code", "source": "%%writefile nn.py\n" + NN, "metadata": {}, "outputs": []},
            {"cell_type": "code", "source": "%%writefile engine.py\n", "metadata": {}, "outputs": []}]
    code += [{"cell_type": "code", "source": f"%%writefile -a engine.py\n{body}", "metadata": {}, "outputs": []}
             for _ in range(cells)]
    path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": code}))
    return path


def test_appending_cells_build_the_file_they_write(tmp_path: Path) -> None:
    from autograder.grade._submission import notebook_files

    path = _appending_notebook(tmp_path / "many.ipynb", 5000, "x = 1\n")
    files = notebook_files(path)
    assert files["engine.py"] == "\n" + "x = 1\n" * 5000 and files["nn.py"] == NN + ("" if NN.endswith("\n") else "\n")


def test_appending_cells_stop_at_the_byte_limit_where_they_cross_it(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(LIMITS, "unzipped_bytes", 100_000)
    body = "y = 2  # padding\n"  # each appending cell writes these bytes
    path = _appending_notebook(tmp_path / "big.ipynb", 20_000, body)
    nn_bytes = len(NN) + (0 if NN.endswith("\n") else 1)
    # cell 1 writes nn.py, cell 2 starts engine.py (a line break), then each cell appends len(body) bytes
    crossing = 2 + (100_000 - nn_bytes - 1) // len(body) + 1  # the first cell (counted from 1) past the limit
    assert f"more than 100000 bytes of code (at cell {crossing})" in _error(path, tmp_path)


def test_the_time_limit_is_checked_between_cells(tmp_path: Path) -> None:
    from autograder.grade._submission import SubmissionError, _Clock, notebook_files

    class Counting(_Clock):
        def __init__(self) -> None:
            super().__init__("slow.ipynb")
            self.looks = 0

        def check(self) -> None:
            self.looks += 1
            if self.looks == 3:
                raise SubmissionError("the time is up")

    path = _appending_notebook(tmp_path / "slow.ipynb", 100_000, "z = 3\n")
    clock = Counting()
    with pytest.raises(SubmissionError, match="the time is up"):
        notebook_files(path, clock)
    assert clock.looks == 3  # stopped at the third look, long before the 100,000th cell


def _lying_zip(path: Path, entries: int) -> Path:
    """A zip of ``entries`` empty files whose end record claims it holds 2."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("engine.py", ENGINE)
        for i in range(entries - 1):
            z.writestr(f"d/{i}.py", "")
    data = bytearray(path.read_bytes())
    end = data.rfind(b"PK\x05\x06")
    data[end + 8:end + 12] = (2).to_bytes(2, "little") * 2  # entries on this disk, entries in all
    path.write_bytes(bytes(data))
    return path


def _directory_bytes(path: Path) -> int:
    data = path.read_bytes()
    end = data.rfind(b"PK\x05\x06")
    return int.from_bytes(data[end + 12:end + 16], "little")


def test_a_zip_whose_list_of_files_is_too_large_is_refused_before_it_is_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    submission = importlib.import_module("autograder.grade._submission")

    archive = _lying_zip(tmp_path / "lying.zip", 3000)
    size = _directory_bytes(archive)
    monkeypatch.setitem(LIMITS, "directory_bytes", size - 1)
    monkeypatch.setattr(submission.zipfile, "ZipFile", None)  # it must not be parsed at all
    assert f"its list of files takes {size} bytes (at most {size - 1})" in _error(archive, tmp_path)


def test_a_zip_that_lies_about_its_entries_is_refused_by_their_count(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    submission = importlib.import_module("autograder.grade._submission")

    archive = _lying_zip(tmp_path / "lying.zip", LIMITS["archive_entries"] + 200)
    assert _directory_bytes(archive) <= LIMITS["directory_bytes"]
    monkeypatch.setattr(submission.zipfile, "ZipFile", None)  # refused before zipfile lists its entries
    assert f"holds {LIMITS['archive_entries'] + 200} files" in _error(archive, tmp_path)
