"""``micrograd exam``: draws an exam for a rubric, and ``--check`` refuses a file that is not one, naming it."""

from __future__ import annotations

from pathlib import Path

import pytest

from micrograd.cli import COMMANDS, main
from micrograd.judge import read_exam

RUBRIC = Path(__file__).parents[1] / "autograder" / "mini_rubric.toml"


def test_exam_is_a_micrograd_command_and_its_file_is_checked(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert COMMANDS["exam"] == "autograder.exam"
    out = tmp_path / "exam.json"
    assert main(["exam", "--rubric", str(RUBRIC), "--out", str(out), "--seed", "7"]) == 0
    exam = read_exam(out)
    assert exam.seed == 7 and exam.max_examples == 15 and len(exam.entries) == 4
    assert main(["exam", "--rubric", str(RUBRIC), "--check", str(out)]) == 0
    assert "a valid exam (4 properties, 15 examples each" in capsys.readouterr().out
    # another rubric's example count, and a file edited by hand, are refused with the file's name
    assert main(["exam", "--rubric", str(RUBRIC), "--max-examples", "20", "--check", str(out)]) == 1
    assert "holds 15 examples per property, the rubric asks for 20" in capsys.readouterr().err
    out.write_text(out.read_text().replace('"seed": 7', '"seed": 8'))
    assert main(["exam", "--rubric", str(RUBRIC), "--check", str(out)]) == 1
    err = capsys.readouterr().err
    assert str(out) in err and "does not match its digest" in err


def test_a_private_exam_draws_other_examples_than_the_kits(tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    assert main(["exam", "--rubric", str(RUBRIC), "--out", str(first)]) == 0
    assert main(["exam", "--rubric", str(RUBRIC), "--out", str(second), "--seed", "1"]) == 0
    a, b = read_exam(first), read_exam(second)
    assert a.digest != b.digest and set(a.entries) == set(b.entries)


def test_bad_options_are_one_line_errors(capsys: pytest.CaptureFixture) -> None:
    assert main(["exam"]) == 2 and "give --out FILE" in capsys.readouterr().err
    assert main(["exam", "--out", "x.json", "--seed", "-1"]) == 2 and "--seed" in capsys.readouterr().err
