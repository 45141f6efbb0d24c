"""A mutant: one realistic student mistake, as a source edit of the reference."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

from micrograd._paths import reference_dir
from micrograd.verdict import EXERCISES

__all__ = ["FILES", "Mutant", "MutantError", "mutate", "write_mutant"]

#: the files of an implementation directory, which mutants edit
FILES = ("engine.py", "nn.py")


class MutantError(ValueError):
    """A mutant cannot be applied to the reference: its substring is missing or ambiguous."""


@dataclass(frozen=True)
class Mutant:
    """One student bug: replace the exact substring ``old`` of reference/``file`` by ``new``.

    ``exercise`` is the key of EXERCISES whose property should catch it, ``misconception``
    says what the student believes, ``hint`` is the one-line advice the report should give;
    ``feedback`` is a phrase (compared case-insensitively) that the hint of the failing property
    must contain for the report to name the same misconception.
    """

    name: str
    exercise: str
    file: str
    misconception: str
    hint: str
    old: str
    new: str
    feedback: str = ""

    def __post_init__(self) -> None:
        if self.exercise not in EXERCISES:
            raise ValueError(f"mutant {self.name!r}: unknown exercise {self.exercise!r}")
        if self.file not in FILES:
            raise ValueError(f"mutant {self.name!r}: file must be one of {', '.join(FILES)}, not {self.file!r}")
        if not self.old or self.old == self.new:
            raise ValueError(f"mutant {self.name!r}: the edit must replace a non-empty substring by something else")


def mutate(mutant: Mutant, source: Optional[str] = None) -> str:
    """The text of ``mutant.file`` with the mutant's edit applied (to ``source``, default the
    reference's file). The substring must occur exactly once; otherwise MutantError names the mutant."""
    if source is None:
        source = (reference_dir() / mutant.file).read_text(encoding="utf-8")
    count = source.count(mutant.old)
    if count != 1:
        problem = "does not occur" if count == 0 else f"occurs {count} times (ambiguous)"
        raise MutantError(
            f"mutant {mutant.name!r}: its substring {mutant.old!r:.80} {problem} in {mutant.file}; "
            "update the catalogue entry (micrograd/mutants/_catalogue.py) to match the reference"
        )
    return source.replace(mutant.old, mutant.new)


def write_mutant(mutant: Mutant, directory: Union[str, Path], reference: Union[str, Path, None] = None) -> Path:
    """Materialize ``mutant`` as an implementation directory: the reference's engine.py and
    nn.py (from ``reference``, default the kit's reference), with the mutant's edit applied.
    Creates ``directory`` if needed and returns it."""
    source_dir = Path(reference) if reference is not None else reference_dir()
    target = Path(directory)
    if target.exists() and not target.is_dir():
        raise MutantError(f"{target} is not a directory: give a directory to write mutant {mutant.name!r} into")
    # check the edit before touching the disk
    text = mutate(mutant, (source_dir / mutant.file).read_text(encoding="utf-8"))
    target.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        shutil.copyfile(source_dir / name, target / name)
    (target / mutant.file).write_text(text, encoding="utf-8")
    return target
