"""Grade the sample class and every mutant of the catalogue, and take docs/report.png, the screenshot of
the report.html made (docs/grading.md).

    python docs/make_report_screenshot.py [--chromium /usr/bin/chromium] [--jobs 2] [--keep DIR]

The class is the bundled sample class (``examples/submissions``: correct, buggy, hostile) and one
student per mutant of :data:`micrograd.mutants.CATALOGUE` (each a real student mistake with its
hint), named after their mistake, graded with the default rubric into a fresh folder. Grading is
deterministic and the report holds no date or timing, so the same kit gives the same page; a student
whose sandbox was killed from outside (the grader asks for a regrade; on a loaded machine, before
issue 21's fix, a SIGKILL while importing) is graded again with ``--update``, as an instructor
would, at most twice. The page
is rendered by headless Chromium (Debian's ``chromium`` package, driven by playwright's Python
package when it is installed, else by ``chromium --headless --screenshot``; no browser is ever
downloaded), at a fixed width, the whole page.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import List

from autograder import grade
from micrograd.mutants import CATALOGUE, write_mutant

DOCS = Path(__file__).resolve().parent
EXAMPLES = DOCS.parent / "examples" / "submissions"
WIDTH = 1280


def make_class(root: Path) -> List[Path]:
    """The sample class's folders and one folder per mutant, in ``root``."""
    paths = []
    for example in ("correct", "buggy", "hostile"):
        paths.append(Path(shutil.copytree(EXAMPLES / example, root / example)))
    for name, mutant in CATALOGUE.items():
        paths.append(write_mutant(mutant, root / name))
    return paths


def _killed_from_outside(result: object) -> bool:
    status, reason = getattr(result, "status", ""), getattr(result, "reason", "")
    return status in ("needs_regrade", "interrupted") or (status == "crashed" and "killed by SIGKILL" in reason
                                                            and "while importing" in reason)


def screenshot(html: Path, png: Path, chromium: str) -> None:
    """The whole page, ``WIDTH`` pixels wide."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        height = 9000  # chromium's command line cannot measure the page: a height that holds it
        done = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                               f"--window-size={WIDTH},{height}", f"--screenshot={png}", html.as_uri()],
                              capture_output=True, text=True, timeout=300)
        if done.returncode != 0 or not png.is_file():
            sys.exit(f"chromium failed ({done.returncode}): {done.stderr[-2000:]}")
        return
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": WIDTH, "height": 900})
        page.goto(html.as_uri())
        page.screenshot(path=str(png), full_page=True)
        browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--chromium", default="/usr/bin/chromium", help="headless Chromium to render with")
    parser.add_argument("--jobs", type=int, default=2, help="submissions graded at once")
    parser.add_argument("--out", type=Path, default=DOCS / "report.png")
    parser.add_argument("--keep", type=Path, default=None, help="also copy the graded class folder there")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        grades = Path(tmp) / "grades"
        paths = make_class(Path(tmp) / "class")
        results = grade(paths, grades, jobs=args.jobs)
        for _ in range(2):
            again = [path for path, result in zip(paths, results) if _killed_from_outside(result)]
            if not again:
                break
            print(f"graded again, killed from outside: {', '.join(p.name for p in again)}")
            regraded = {r.student: r for r in grade(again, grades, jobs=args.jobs, update=True)}
            results = [regraded.get(r.student, r) for r in results]
        screenshot(grades / "report.html", args.out, args.chromium)
        if args.keep is not None:
            shutil.copytree(grades, args.keep, dirs_exist_ok=True)
    print(f"graded {len(results)} students; wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
