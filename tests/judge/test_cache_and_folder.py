"""What the judge reads and writes on disk: a cached exam is data, validated when read (a planted file of any
content is discarded with a note and runs nothing); ``micrograd check`` writes nothing into the folder it runs in."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any, List

import hypothesis
import pytest

from micrograd.judge import cached_exam, make_exam
from micrograd.judge._store import cache_dir
from micrograd.spec import load_spec

FAKE_SPEC = Path(__file__).parents[1] / "check" / "fake_spec"


class _Planted:
    """A pickle that, if it were ever unpickled, would leave a file behind."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> Any:
        return (Path.write_text, (self.marker, "unpickled: code ran"))


def _cached_file(notes: List[str]) -> Path:
    folder = cache_dir()
    assert folder is not None
    (found,) = sorted((folder / "exams").glob("exam-*.json"))
    return found


@pytest.mark.parametrize("kind", ["pickle", "garbage", "json", "other exam", "empty"])
def test_a_planted_cache_file_is_discarded_with_a_note_and_runs_nothing(tmp_path: Path, kind: str,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MICROGRAD_CACHE", str(tmp_path / "cache"))
    spec = load_spec(FAKE_SPEC)
    properties = list(spec)
    first = cached_exam(spec, properties, max_examples=5)
    file = _cached_file([])
    marker = tmp_path / "marker"
    if kind == "pickle":
        file.write_bytes(pickle.dumps(_Planted(marker)))
    elif kind == "garbage":
        file.write_bytes(os.urandom(4096))
    elif kind == "json":
        file.write_text('{"format": 1, "properties": {}}')
    elif kind == "other exam":  # a valid exam of another spec, planted where this one is kept
        from micrograd.spec import kit_spec

        make_exam(kit_spec(), [p.id for p in kit_spec().select(["add"])], max_examples=5).write(file)
    else:
        file.write_text("")
    notes: List[str] = []
    again = cached_exam(spec, properties, max_examples=5, notes=notes)
    assert not marker.exists()
    assert len(notes) == 1 and "discarded the cached exam" in notes[0] and str(file) in notes[0]
    again.check(spec, [p.id for p in properties], 5)  # made again (Hypothesis may draw others: see micrograd.judge)
    assert first.spec == again.spec and set(first.entries) == set(again.entries)
    assert cached_exam(spec, properties, max_examples=5, notes=notes).digest == again.digest and len(notes) == 1


def test_a_cache_that_is_off_keeps_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MICROGRAD_CACHE", "off")
    monkeypatch.setenv("HOME", str(tmp_path))
    spec = load_spec(FAKE_SPEC)
    assert cached_exam(spec, list(spec), max_examples=3).max_examples == 3
    assert list(tmp_path.iterdir()) == []


def _files(folder: Path) -> List[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_check_writes_nothing_into_the_folder_it_runs_in(tmp_path: Path) -> None:
    """A check that makes an exam and explores (Hypothesis draws, and collects the constants of local modules):
    nothing lands in the student's folder, not even Hypothesis's .hypothesis/."""
    folder = tmp_path / "course"
    (folder / "exercises").mkdir(parents=True)
    reference = Path(__file__).parents[2] / "reference"
    for name in ("engine.py", "nn.py"):
        (folder / "exercises" / name).write_text((reference / name).read_text())
    (folder / "local_module.py").write_text("GAIN = 31415.9265\n")  # a local module Hypothesis would read
    before = _files(folder)
    env = {k: v for k, v in os.environ.items() if k not in ("HYPOTHESIS_STORAGE_DIRECTORY", "MICROGRAD_CACHE")}
    env.update(HOME=str(tmp_path / "home"), XDG_CACHE_HOME=str(tmp_path / "cache"), MICROGRAD_ISOLATION="none",
               PYTHONPATH=str(folder), PYTHONDONTWRITEBYTECODE="1")  # this test's own import of local_module
    done = subprocess.run(
        [sys.executable, "-c", "import local_module, sys; from micrograd.cli import main; "
                               "sys.exit(main(['check', '--spec', sys.argv[1], '--explore', '--profile', 'dev']))",
         str(FAKE_SPEC)],
        cwd=folder, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "exercises pass" in done.stdout
    assert _files(folder) == before
    written = _files(tmp_path / "cache")
    assert any(name.startswith("micrograd-kit/exams/") for name in written), written  # the exam it made
    if hypothesis.__version_info__ >= (6, 131):  # Hypothesis caches the constants of local modules since 6.131
        assert any("hypothesis" in name for name in written), written  # ... and it went there too
