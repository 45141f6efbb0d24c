"""Grade a made-up class and take docs/report.png, the screenshot of its report.html (docs/grading.md).

    python docs/make_report_screenshot.py [--chromium /usr/bin/chromium]

The class is 24 students built from the mutant catalogue (each bug is a real student mistake with
its hint), so the report shows what a real one does: a spread of scores, the pass rate of each
exercise, and the most common misconceptions with the kit's hints. The page is rendered by headless
Chromium (Debian's ``chromium`` package; no browser is downloaded).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from autograder import grade
from micrograd._paths import reference_dir
from micrograd.mutants import CATALOGUE, write_mutant

DOCS = Path(__file__).resolve().parent
#: student -> the mistake in their code (None: correct)
CLASS = {
    "Ada Lovelace": None, "Alan Turing": None, "Grace Hopper": None, "Edsger Dijkstra": None,
    "Katherine Johnson": None, "José María García": "add_assigns_grad", "Zoë Ødegård": "add_assigns_grad",
    "Wang Xiaoming": "add_assigns_grad", "Amara Okafor": "add_assigns_grad", "Lena Fischer": "mul_assigns_grad",
    "Ravi Patel": "tanh_derivative_not_squared", "Chloé Martin": "tanh_derivative_not_squared",
    "Mateo Rossi": "tanh_derivative_uses_input", "Sofia Nowak": "relu_grad_one_at_zero",
    "Noah Smith": "relu_grad_one_at_zero", "Yuki Tanaka": "relu_grad_one_at_zero",
    "Omar Haddad": "recursive_build_topo", "Emma Johansson": "recursive_build_topo",
    "Lucas Silva": "no_visited_set", "Mia Kowalski": "root_not_seeded", "Ivan Petrov": "neuron_bias_not_added",
    "Aisha Bello": "mlp_last_layer_relu", "Tom Becker": "zero_grad_resets_data",
    "Sara Cohen": "pow_backward_missing_factor",
}


def make_class(root: Path) -> list:
    paths = []
    for student, bug in CLASS.items():
        folder = root / student
        if bug is None:
            folder.mkdir(parents=True)
            for name in ("engine.py", "nn.py"):
                shutil.copyfile(reference_dir() / name, folder / name)
        else:
            write_mutant(CATALOGUE[bug], folder)
        paths.append(folder)
    return paths


def screenshot(html: Path, png: Path, chromium: str, size: str) -> None:
    done = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           f"--window-size={size}", f"--screenshot={png}", html.as_uri()],
                          capture_output=True, text=True, timeout=120)
    if done.returncode != 0 or not png.is_file():
        sys.exit(f"chromium failed ({done.returncode}): {done.stderr[-2000:]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default="/usr/bin/chromium", help="headless Chromium to render with")
    parser.add_argument("--size", default="1000,2300", help="window size WIDTH,HEIGHT in pixels")
    parser.add_argument("--out", type=Path, default=DOCS / "report.png")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = grade(make_class(Path(tmp) / "class"), Path(tmp) / "grades", jobs=2)
        screenshot(Path(tmp) / "grades" / "report.html", args.out, args.chromium, args.size)
    print(f"graded {len(results)} students; wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
