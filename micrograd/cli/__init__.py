"""The ``micrograd`` command line: one subcommand per module in COMMANDS.

Each command module exposes ``HELP`` (a line), ``configure(parser)`` and
``run(args) -> int`` (the exit status).

Importing this module imports nothing else (``sys`` is always there): what the command line needs is
imported inside :func:`main`, where a Ctrl-C is turned into one line and exit status 130.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing
if TYPE_CHECKING:
    import argparse
    from typing import Callable, List, Optional

__all__ = ["COMMANDS", "main"]

#: subcommand name -> module implementing it
COMMANDS = {
    "assign": "micrograd.assign",
    "check": "micrograd.check",
    "mutants": "micrograd.mutants",
    "grade": "autograder.grade",
    "exam": "autograder.exam",
    "gradescope": "autograder.gradescope",
    "demo": "micrograd.demo",
    "app": "micrograd.app",
    "notebooks": "micrograd.cli._notebooks",
}


def _unavailable(name: str, error: ImportError) -> Callable[[argparse.Namespace], int]:
    """The ``run`` of a command whose module could not be imported: one line naming what is missing."""
    missing = (error.name or "").split(".")[0]
    if missing:
        message = f"micrograd {name}: needs the package {missing!r}, which is not installed (pip install {missing})"
    else:
        message = f"micrograd {name}: unavailable: {error}"

    def run(args: argparse.Namespace) -> int:
        print(message, file=sys.stderr)
        return 2

    return run


def _parser(only: Optional[str] = None) -> argparse.ArgumentParser:
    """One subcommand per COMMANDS entry; a command whose module fails to import (a missing optional
    dependency) still appears, and running it says what is missing, so the other commands keep working.
    With ``only``, the other commands' modules are not imported (a command starts faster)."""
    import argparse
    import importlib

    parser = argparse.ArgumentParser(prog="micrograd", description="micrograd course kit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, module_name in COMMANDS.items():
        if only is not None and name != only:
            sub.add_parser(name)
            continue
        try:
            module = importlib.import_module(module_name)
        except ImportError as error:
            command = sub.add_parser(name, help="(unavailable: a dependency is missing)", add_help=False)
            command.set_defaults(_run=_unavailable(name, error), _any_arguments=True)
            continue
        command = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.configure(command)
        command.set_defaults(_run=module.run)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    """Run the command line with ``argv`` (default: sys.argv[1:]); returns the exit status.

    The working folder is never code: it comes off ``sys.path`` before any command is imported.
    Ctrl-C at any moment, while a command's modules are imported too, ends it with one line on
    stderr and exit status 130 (as a shell reports a process stopped by Ctrl-C). Run as the program
    (``argv`` None), a Ctrl-C after that (while the command's clean-up runs on the way out) is ignored.
    """
    from micrograd._workdir import forget_working_folder

    forget_working_folder()
    words = sys.argv[1:] if argv is None else argv
    name = words[0] if words and words[0] in COMMANDS else None
    try:
        try:
            parser = _parser(name)
            args, extra = parser.parse_known_args(argv)
            if extra and not getattr(args, "_any_arguments", False):
                parser.error(f"unrecognized arguments: {' '.join(extra)}")
            return int(args._run(args))
        finally:
            if argv is None:
                import signal

                signal.signal(signal.SIGINT, signal.SIG_IGN)
    except KeyboardInterrupt:
        print(f"micrograd{' ' + name if name else ''}: interrupted", file=sys.stderr)
        return 130
