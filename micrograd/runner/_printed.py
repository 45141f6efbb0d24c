"""What the submission printed while the running example was computed (kept by the trusted side, bounded).

An evaluator that hands out an answer notes what its request printed (:func:`handed_out`: a sandbox's answer
carries it as ``output``), and so does the stream a judge redirects ``print`` to while a property runs in-process
(:class:`PrintedCapture`). A judge starts a fresh record for each example (:func:`start_printed`) and keeps
:func:`printed` with the example that failed: the output of examples that passed is never shown. The record is
per thread and keeps the last :data:`MAX_PRINTED` characters, with a mark saying how many came before them.
"""

from __future__ import annotations

import io
import threading
from typing import TypeVar

__all__ = ["MAX_PRINTED", "PrintedCapture", "handed_out", "note_printed", "printed", "start_printed"]

_Answer = TypeVar("_Answer")

#: the most characters of printed output kept for one example (the last ones)
MAX_PRINTED = 2000

_record = threading.local()


def start_printed() -> None:
    """A new example starts: forget what the one before it printed."""
    _record.kept, _record.dropped = "", 0


def note_printed(text: str) -> None:
    """The submission printed ``text`` while the running example was computed."""
    if not text:
        return
    kept = getattr(_record, "kept", "") + text
    dropped = getattr(_record, "dropped", 0)
    if len(kept) > MAX_PRINTED:
        dropped += len(kept) - MAX_PRINTED
        kept = kept[-MAX_PRINTED:]
    _record.kept, _record.dropped = kept, dropped


def handed_out(answer: _Answer) -> _Answer:
    """``answer`` (an outcome), whose request's printed ``output`` is noted as the running example's: an evaluator
    hands it to the example that asked for it."""
    output = getattr(answer, "output", "")
    if output and isinstance(output, str):
        note_printed(output)
    return answer


def printed() -> str:
    """What the submission printed since :func:`start_printed` ("" for nothing), bounded."""
    dropped = getattr(_record, "dropped", 0)
    return (f"[{dropped} characters before these cut] " if dropped else "") + getattr(_record, "kept", "")


class PrintedCapture(io.StringIO):
    """A stream that keeps everything written to it (as StringIO does) and notes it as printed by the running
    example: where a judge sends ``print`` while an in-process implementation runs."""

    def write(self, text: str) -> int:
        note_printed(text)
        return super().write(text)
