"""The exam a rubric is graded on: a file the instructor gives (``--exam``), else the kit's own when it fits, else
one made now (``micrograd grade`` then writes it beside the grades, so that the run can be repeated)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Union

from autograder.rubric import Rubric, rubric_spec
from micrograd.judge import DEFAULT_MAX_EXAMPLES, Exam, ExamError, kit_exam, make_exam, read_exam
from micrograd.spec import KIT_SPEC

__all__ = ["GRADING_MAX_EXAMPLES", "exam_examples", "grading_exam", "load_exam"]

#: examples per property of a rubric that does not say (``max_examples`` left None): the ``grading`` profile's
GRADING_MAX_EXAMPLES = 300


def exam_examples(rubric: Rubric) -> int:
    """How many examples per property the rubric's exam holds."""
    return rubric.max_examples if rubric.max_examples is not None else GRADING_MAX_EXAMPLES


def load_exam(path: Union[str, Path], rubric: Rubric) -> Exam:
    """The exam in ``path``, checked against the rubric (its spec, its properties, its example count);
    ExamError naming the file and the problem."""
    exam = read_exam(path)
    exam.check(rubric_spec(rubric.spec), rubric.property_ids, exam_examples(rubric))
    return exam.build()  # every example read now: a batch never stops halfway on a bad one


@functools.lru_cache(maxsize=8)
def _made(rubric: Rubric) -> Exam:
    spec = rubric_spec(rubric.spec)
    count = exam_examples(rubric)
    if spec.source == KIT_SPEC and count == DEFAULT_MAX_EXAMPLES:
        try:
            return kit_exam(spec)
        except ExamError:  # out of date (a kit being changed): made afresh below
            pass
    return make_exam(spec, rubric.property_ids, max_examples=count)


def grading_exam(rubric: Rubric, path: Union[str, Path, None] = None) -> Exam:
    """The exam to grade ``rubric`` on: the file ``path`` (:func:`load_exam`), else the kit's
    (:data:`micrograd.judge.KIT_EXAM`) when the rubric grades the kit's spec with the default example count,
    else one made now (once per process)."""
    if path is not None:
        return load_exam(path, rubric)
    exam = _made(rubric)
    exam.check(rubric_spec(rubric.spec), rubric.property_ids, exam_examples(rubric))
    return exam

