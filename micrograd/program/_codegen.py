"""Print a program as a runnable Python snippet that uses ``Value``."""

from __future__ import annotations

from typing import Sequence

from micrograd.program._ops import node_name, op_expression
from micrograd.program._program import Program

__all__ = ["node_name", "op_expression", "to_python"]


def to_python(program: Program, *, import_line: str = "from micrograd.engine import Value",
              show: Sequence[int] | None = None, before_backward: bool = False) -> str:
    """:meth:`Program.to_python`: a snippet that builds ``program`` with Value, runs its backward passes,
    and prints the data and grad of the nodes in ``show`` (default: the leaves); with ``before_backward``,
    it prints them before any backward pass and runs none."""
    return program.to_python(import_line=import_line, show=show, before_backward=before_backward)
