"""The ``micrograd`` command line: one subcommand per module in COMMANDS.

Each command module exposes ``HELP`` (a line), ``configure(parser)`` and
``run(args) -> int`` (the exit status).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import List, Optional

__all__ = ["COMMANDS", "main"]

#: subcommand name -> module implementing it
COMMANDS = {
    "assign": "micrograd.assign",
    "check": "micrograd.check",
    "mutants": "micrograd.mutants",
    "grade": "autograder.grade",
    "gradescope": "autograder.gradescope",
    "demo": "micrograd.demo",
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="micrograd", description="micrograd course kit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(module_name)
        command = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.configure(command)
        command.set_defaults(_run=module.run)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    """Run the command line with ``argv`` (default: sys.argv[1:]); returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        return int(args._run(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
