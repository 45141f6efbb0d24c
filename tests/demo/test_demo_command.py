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


# --- micrograd demo yinyang ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def yinyang_output():
    done = subprocess.run(
        [sys.executable, "-m", "micrograd", "demo", "yinyang"], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done


def test_demo_yinyang_prints_the_published_lines_digit_for_digit(yinyang_output, published_yinyang_log):
    lines = yinyang_output.stdout.splitlines()
    published_steps = ("step 1/100,", "step 11/100,", "step 91/100,", "step 100/100,")
    assert [line for line in lines if line.startswith(published_steps)] == published_yinyang_log


def test_demo_yinyang_stdout_is_only_the_modules_log(yinyang_output):
    lines = yinyang_output.stdout.splitlines()
    assert yinyang_output.stdout.endswith("\n")
    assert len(lines) == 110  # 100 train lines, a val line before steps 1, 11, ..., 91
    expected = []
    for step in range(1, 101):
        if step % 10 == 1:
            expected.append(rf"step {step}/100, val loss \d\.\d{{6}}")
        expected.append(rf"step {step}/100, train loss \d\.\d+(e-\d+)?")
    for pattern, line in zip(expected, lines):
        assert re.fullmatch(pattern, line), (pattern, line)
    summary = re.fullmatch(r"accuracy: train (\d+\.\d)%, val (\d+\.\d)%, test (\d+\.\d)% \(\d+\.\d s\)\n",
                           yinyang_output.stderr)
    assert summary is not None, yinyang_output.stderr
    assert float(summary[1]) > 90.0


def test_demo_yinyang_steps_changes_the_header_and_stops(capsys):
    assert main(["demo", "yinyang", "--steps", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == ["step 1/3, val loss 1.053898", "step 1/3, train loss 1.0122152826497561"]
    assert [line.split(",")[0] for line in lines] == ["step 1/3", "step 1/3", "step 2/3", "step 3/3"]


@pytest.mark.parametrize("steps", ["0", "10001"])
def test_demo_yinyang_rejects_steps_out_of_range(capsys, steps):
    assert main(["demo", "yinyang", "--steps", steps]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"micrograd demo yinyang: --steps must be from 1 to 10000, not {steps}\n"
    assert captured.out == ""


def test_demo_rejects_an_unknown_demo(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["demo", "spirals"])
    assert exit_.value.code == 2
    assert "invalid choice: 'spirals'" in capsys.readouterr().err


def test_demo_yinyang_saves_the_decision_regions(tmp_path, capsys):
    pytest.importorskip("matplotlib", reason="matplotlib is optional")
    target = tmp_path / "regions.png"
    assert main(["demo", "yinyang", "--steps", "2", "--plot", str(target)]) == 0
    captured = capsys.readouterr()
    assert f"saved the decision regions to {target}" in captured.err
    assert len(captured.out.splitlines()) == 3  # still only the log on stdout
    assert target.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
