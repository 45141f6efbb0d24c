"""Text from a submission or its child, made writable before anything uses it.

A student's code decides what its exceptions say, and a folder's name can be any bytes: a lone
surrogate (``"\\ud800"``, or a byte of a name that is not UTF-8, which Python keeps as
``"\\udce9"``) cannot be encoded, so writing it raises UnicodeEncodeError (and stopped every
student's outputs), and a control character (an ANSI escape, a carriage return) rewrites what a
terminal shows. :func:`writable` escapes both; :func:`writable_result` applies it to every text of a
grading result.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from typing import Any, TypeVar

__all__ = ["writable", "writable_result"]

#: lone surrogates, C0 controls but tab and newline, DEL and the C1 controls
_UNWRITABLE = re.compile("[\ud800-\udfff\x00-\x08\x0b-\x1f\x7f-\x9f]")
_NAMED = {"\r": "\\r", "\x0b": "\\v", "\x0c": "\\f", "\x1b": "\\x1b"}

T = TypeVar("T")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, as os.fsdecode keeps it: show the byte
        return f"\\x{code - 0xDC00:02x}"
    if 0xD800 <= code <= 0xDFFF:
        return f"\\u{code:04x}"
    return _NAMED.get(char, f"\\x{code:02x}")


def writable(text: Any) -> str:
    """``text`` as a ``str`` that any UTF-8 file or terminal takes as it is: lone surrogates and
    control characters (all but tab and newline) written as escapes (``\\ud800``, ``\\x1b``, a
    byte of a non-UTF-8 file name as ``\\xe9``). Already writable text comes back unchanged."""
    text = text if isinstance(text, str) else str(text)
    return _UNWRITABLE.sub(_escape, text)


def writable_result(result: T) -> T:
    """A copy of ``result`` (a grading dataclass: a submission's, a property's, an exercise's result) in
    which every text, nested ones included, is :func:`writable`."""
    return _clean(result)


def _clean(value: Any) -> Any:
    if isinstance(value, enum.Enum):  # a status: the kit's own words
        return value
    if isinstance(value, str):
        return writable(value)
    if isinstance(value, tuple):
        cleaned = [_clean(v) for v in value]
        return type(value)(*cleaned) if hasattr(value, "_fields") else tuple(cleaned)  # a named tuple stays one
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _clean(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
        return dataclasses.replace(value, **changes)
    return value
