"""``micrograd demo``: trains on the bundled moons, prints progress and the final accuracy."""

import re
import subprocess
import sys

import pytest

from micrograd.cli import main

ROW = re.compile(r"^\s*(\d+)\s+(\d+\.\d{6})\s+(\d+\.\d)%$")


def _rows(out):
    return [(int(m[1]), float(m[2]), float(m[3])) for m in map(ROW.match, out.splitlines()) if m]


def test_demo_with_a_few_steps_prints_a_table_and_the_final_accuracy(capsys):
    assert main(["demo", "--steps", "12"]) == 0
    out = capsys.readouterr().out
    assert "MLP(2, [16, 16, 1]) (337 parameters) on 100 points" in out
    rows = _rows(out)
    assert [r[0] for r in rows] == [0, 10, 11]  # every 10 steps, and the last one
    # upstream's demo.ipynb printed: step 0 loss 0.8958441028683222, accuracy 50.0%;
    # step 10 loss 0.24507023853658053, accuracy 91.0%
    assert rows[0][1:] == (0.895844, 50.0)
    assert rows[1][1:] == (0.245070, 91.0)
    final = re.search(r"^final accuracy: (\d+\.\d)% \(\d+\.\d s\)$", out, re.MULTILINE)
    assert final is not None, out
    assert 50.0 < float(final[1]) <= 100.0


@pytest.mark.slow
def test_the_quick_start_command_reaches_100_percent(tmp_path):
    # the Quick start's `micrograd demo`, as a separate process with the default 100 steps
    done = subprocess.run(
        [sys.executable, "-m", "micrograd", "demo"], capture_output=True, text=True, cwd=tmp_path, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "final accuracy: 100.0%" in done.stdout
    rows = _rows(done.stdout)
    assert rows[-1][0] == 99 and rows[-1][2] == 100.0
    assert rows[-1][1] == pytest.approx(0.010978, abs=1e-6)  # upstream printed 0.010978370135492717


def test_demo_saves_the_decision_boundary_plot(tmp_path, capsys):
    pytest.importorskip("matplotlib", reason="matplotlib is optional; --plot without it is tested below")
    target = tmp_path / "moons.png"
    assert main(["demo", "--steps", "2", "--plot", str(target)]) == 0
    assert f"saved the decision boundary to {target}" in capsys.readouterr().out
    assert target.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_demo_says_how_to_get_matplotlib_when_plot_is_asked_without_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.backend_bases", None)  # importing it now fails
    assert main(["demo", "--steps", "2", "--plot", str(tmp_path / "moons.png")]) == 2
    captured = capsys.readouterr()
    assert "--plot needs matplotlib" in captured.err
    assert "pip install matplotlib" in captured.err
    assert "Training" not in captured.out  # it says so before training, not after
    assert not (tmp_path / "moons.png").exists()


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["--steps", "0"], "--steps must be from 1 to 100"),
        (["--steps", "101"], "--steps must be from 1 to 100"),
        (["--plot", "{tmp}/no/such/dir/moons.png"], "does not exist"),
        (["--plot", "{tmp}"], "it is a directory"),
        (["--plot", "{tmp}/moons.nope"], "give a file name ending in an image type"),
    ],
)
def test_demo_rejects_bad_arguments_before_training(tmp_path, capsys, args, complaint):
    if "--plot" in args:
        pytest.importorskip("matplotlib", reason="the file name is checked once matplotlib is there")
    args = [a.format(tmp=tmp_path) for a in args]
    assert main(["demo", *args]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("micrograd demo: ")
    assert complaint in captured.err
    assert "Traceback" not in captured.err
    assert captured.out == ""


def test_demo_rejects_steps_that_are_not_a_number(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["demo", "--steps", "many"])
    assert exit_.value.code == 2
    assert "invalid int value: 'many'" in capsys.readouterr().err
