"""Which exam judges: the kit's own (shipped in the package), or one made for another spec or count, kept
as a JSON file in the user's cache folder (:func:`micrograd.judge.cache_dir`).

A cached exam is data, validated when read like any exam file: one that is not a valid exam for the spec
(whatever its content) is discarded with a note, made again and rewritten; reading it runs nothing.
Grading never reads the cache: ``micrograd grade`` takes an exam file, or makes one and writes it with
the grades.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Callable, List, Optional, Sequence

from micrograd.judge._exam import Exam, ExamError, read_exam
from micrograd.judge._hypothesis import cache_dir
from micrograd.judge._make import DEFAULT_MAX_EXAMPLES, make_exam
from micrograd.spec import KIT_SPEC, Property, Spec

__all__ = ["KIT_EXAM", "cached_exam", "kit_exam"]

#: the kit's exam: every property of the kit's spec, DEFAULT_MAX_EXAMPLES examples each, seed 0
KIT_EXAM = Path(__file__).resolve().parent.parent / "spec" / "exam.json"


@functools.cache
def _read_kit_exam() -> Exam:
    return read_exam(KIT_EXAM)


def kit_exam(spec: Spec) -> Exam:
    """The exam shipped with the kit, checked against ``spec`` (the kit's); ExamError if it is missing or out
    of date (``micrograd exam --out micrograd/spec/exam.json`` makes it again)."""
    exam = _read_kit_exam()
    exam.check(spec)
    return exam


def cached_exam(spec: Spec, properties: Sequence[Property], *, max_examples: int = DEFAULT_MAX_EXAMPLES,
                notes: Optional[List[str]] = None, progress: Optional[Callable[[Property], None]] = None) -> Exam:
    """An exam of ``spec`` holding ``properties``: the kit's when it fits, else one from the cache folder, else
    one made now (and cached). A cache file that is not a valid exam for the spec is discarded: ``notes``
    receives a line saying so."""
    ids = [p.id for p in properties]
    if spec.source == KIT_SPEC and max_examples == DEFAULT_MAX_EXAMPLES:
        try:
            return kit_exam(spec)
        except ExamError as error:
            if notes is not None:
                notes.append(f"{error} (an exam is made now)")
    folder = cache_dir()
    key = hashlib.sha256(f"{spec.digest}:{max_examples}:{sorted(ids)}".encode()).hexdigest()[:24]
    file = None if folder is None else folder / "exams" / f"exam-{key}.json"
    if file is not None and file.exists():
        try:
            exam = read_exam(file)
            exam.check(spec, ids, max_examples)
            return exam
        except ExamError as error:
            if notes is not None:
                notes.append(f"discarded the cached {error} (it is made again)")
    exam = make_exam(spec, ids, max_examples=max_examples, progress=progress)
    if file is not None:
        try:
            exam.write(file)
        except OSError:  # a cache that cannot be written only costs time
            pass
    return exam
