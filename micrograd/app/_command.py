"""The ``micrograd app`` command: start the Streamlit page on the reference or on a student's directory."""

from __future__ import annotations

import argparse
import importlib.machinery
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List, Optional

from micrograd.app._backend import DEFAULT_TIMEOUT

__all__ = ["HELP", "SCRIPT", "configure", "run", "streamlit_command"]

HELP = "the interactive demo: watch an MLP train, step by step, with its live computation graph (a web page)"

#: the kit's own folder: Streamlit starts there (it reads .streamlit/ from the folder it starts in)
HOME = Path(__file__).resolve().parent
#: the script streamlit runs
SCRIPT = HOME / "_script.py"
#: what the server's Python runs: Streamlit's command line, with the folder it starts in off sys.path
#: (``python -m streamlit`` would import a ``streamlit.py`` of the current folder), after starting to
#: make the first page's state (micrograd/app/_warm.py)
BOOT = ("import sys; del sys.path[0]; from micrograd.app._warm import prepare; prepare(sys.argv); "
        "from streamlit.web.cli import main; sys.argv[0] = 'streamlit'; sys.exit(main())")
_INSTALL = "python -m pip install 'micrograd-kit[app]' (from a checkout: python -m pip install -e '.[app]')"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--impl", type=Path, default=None, metavar="DIR",
                        help="train your own engine.py and nn.py from DIR (run in a sandboxed child process, "
                             "as in grading); default: the reference")
    parser.add_argument("--port", type=int, default=8501, help="the port to serve the page on (default: 8501)")
    parser.add_argument("--address", default="localhost",
                        help="the address to listen on (default: localhost; 0.0.0.0 for a remote machine)")
    parser.add_argument("--no-browser", "--headless", dest="browser", action="store_false",
                        help="do not open a browser (on a server or in a container)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="S",
                        help=f"seconds one step of your implementation may take (default: {DEFAULT_TIMEOUT:g})")


def streamlit_command(args: argparse.Namespace, python: Optional[str] = None) -> List[str]:
    """The command line that serves the page (run it in HOME): nothing fetched from the internet, no usage
    statistics, nothing imported from the folder it is started in."""
    command = [
        python or sys.executable, "-c", BOOT, "run", str(SCRIPT),
        "--server.port", str(args.port),
        "--server.address", args.address,
        "--server.headless", "false" if args.browser else "true",
        "--server.fileWatcherType", "none",
        "--server.runOnSave", "false",
        "--runner.postScriptGC", "false",
        "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "viewer",
        "--global.developmentMode", "false",
        "--theme.base", "light",
        "--",
        "--timeout", str(args.timeout),
    ]
    if args.impl is not None:
        command += ["--impl", str(Path(args.impl).expanduser().resolve())]
    return command


def _installed(name: str) -> bool:
    """Whether the module ``name`` is installed (not a file of that name in the current folder)."""
    here = {"", os.getcwd()}
    return importlib.machinery.PathFinder.find_spec(name, [p for p in sys.path if p not in here]) is not None


def _problem(args: argparse.Namespace) -> Optional[str]:
    if not _installed("streamlit"):
        return f"needs streamlit, which is not installed: {_INSTALL}"
    if not 1 <= args.port <= 65535:
        return f"--port must be from 1 to 65535, not {args.port}"
    if not args.timeout > 0:
        return f"--timeout must be a positive number of seconds, not {args.timeout:g}"
    if args.impl is not None:
        path = Path(args.impl).expanduser()
        if not path.is_dir():
            return f"--impl {args.impl}: no such directory; give a directory holding engine.py and nn.py"
        for name in ("engine.py", "nn.py"):
            if not (path / name).is_file():
                return f"--impl {args.impl}: {name} is missing; give a directory holding engine.py and nn.py"
    return None


def run(args: argparse.Namespace) -> int:
    problem = _problem(args)
    if problem:
        print(f"micrograd app: {problem}", file=sys.stderr)
        return 2
    if shutil.which("dot") is None:
        print("micrograd app: graphviz's dot program is not installed, so the page cannot draw the graph "
              "(Debian/Ubuntu: apt-get install graphviz, macOS: brew install graphviz)", file=sys.stderr)
    engine = "the reference" if args.impl is None else f"{args.impl} (in a sandboxed child process)"
    print(f"micrograd app: training {engine}; open http://{args.address}:{args.port} (Ctrl-C stops)", flush=True)
    try:
        return subprocess.call(streamlit_command(args), cwd=HOME)
    except KeyboardInterrupt:
        return 130
