"""The ``micrograd notebooks`` command: JupyterLab on the kit's notebooks (the ``notebooks`` extra).

From a checkout it opens ``notebooks/`` itself; an installed kit carries a copy of them, which it
first copies into ``./micrograd-notebooks`` (once: an existing folder is opened as it is), so that
the notebooks are the user's to edit and save. Started in a course folder (one holding the
``exercises/`` that ``micrograd assign`` made), it tells the notebooks so: learn.ipynb then runs the
student's code there (``MICROGRAD_IMPL``, see :func:`micrograd.impl.choose_implementation`).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from micrograd import _paths
from micrograd.impl._choose import ENVIRONMENT, course_exercises

__all__ = ["COPY", "HELP", "configure", "jupyter_command", "notebook_environment", "notebooks_dir", "run"]

#: where an installed kit's notebooks are copied, in the current directory
COPY = "micrograd-notebooks"

HELP = "open the kit's notebooks in JupyterLab"
_INSTALL = "python -m pip install -e '.[notebooks]'"


def notebooks_dir() -> Optional[Path]:
    """The notebooks to open: the checkout's ``notebooks/``, else a copy of the installed kit's in
    ``./micrograd-notebooks`` (made now if it does not exist), else None (neither is there)."""
    source = _paths.notebooks_dir()
    if not source.is_dir():
        return None
    if _paths.repo_dir() is not None:
        return source
    copy = Path.cwd() / COPY
    if not copy.exists():
        shutil.copytree(source, copy, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
        print(f"micrograd notebooks: copied the kit's notebooks into {copy}", file=sys.stderr)
    return copy


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("directory", nargs="?", type=Path, default=None,
                        help="the directory to open (default: the checkout's notebooks/, or a copy of "
                             f"the installed kit's in ./{COPY})")
    parser.add_argument("--ip", default=None, help="the address JupyterLab listens on (0.0.0.0 for a remote machine "
                                                   "or a container)")
    parser.add_argument("--port", type=int, default=None, help="the port JupyterLab listens on (default: 8888)")
    parser.add_argument("--no-browser", dest="browser", action="store_false", help="do not open a browser")


def jupyter_command(args: argparse.Namespace, directory: Path, python: Optional[str] = None) -> List[str]:
    """The JupyterLab command line, with --ip, --port and --no-browser passed on."""
    command = [python or sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={directory}"]
    if args.ip is not None:
        command.append(f"--ip={args.ip}")
    if args.port is not None:
        command.append(f"--port={args.port}")
    if not args.browser:
        command.append("--no-browser")
    return command


def notebook_environment(cwd: Optional[Path] = None) -> Tuple[Dict[str, str], Optional[Path]]:
    """The environment JupyterLab (and so every kernel) runs in, and the student's code it names: the
    ``exercises/`` of the course folder ``cwd`` (default: the current folder), unless $MICROGRAD_IMPL
    already names one."""
    env = dict(os.environ)
    if env.get(ENVIRONMENT):
        return env, None
    found = course_exercises(cwd if cwd is not None else Path.cwd())
    if found is not None:
        env[ENVIRONMENT] = str(found.resolve())
    return env, found


def run(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("jupyterlab") is None:
        print(f"micrograd notebooks: needs JupyterLab, which is not installed: {_INSTALL}", file=sys.stderr)
        return 2
    directory = args.directory if args.directory is not None else notebooks_dir()
    if directory is None:
        print("micrograd notebooks: this installation has no notebooks (a checkout has notebooks/, a wheel "
              "carries them): reinstall the kit, or give a directory", file=sys.stderr)
        return 2
    if not Path(directory).is_dir():
        print(f"micrograd notebooks: {directory} is not a directory", file=sys.stderr)
        return 2
    if args.port is not None and not 1 <= args.port <= 65535:
        print(f"micrograd notebooks: --port must be from 1 to 65535, not {args.port}", file=sys.stderr)
        return 2
    env, student = notebook_environment()
    if student is not None:
        print(f"micrograd notebooks: learn.ipynb runs your code in {student} (its first cell says which code "
              "it runs)", file=sys.stderr)
    try:
        return subprocess.call(jupyter_command(args, Path(directory).resolve()), env=env)
    except KeyboardInterrupt:
        return 130
