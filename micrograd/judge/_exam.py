"""The frozen exam: the graded examples of every property, drawn once, kept in a readable JSON file.

Every score is computed from an exam's examples alone (a property passes iff every example passes), so a
grade never depends on what Hypothesis draws on the day it is computed, nor on its version. The file
(format :data:`EXAM_FORMAT`) says which kit and spec it was made for, which Hypothesis drew it, how many
examples per property and with which seed, and for each property its exercise, its own seed and its
examples (:mod:`micrograd.judge._codec`), one per line, so that an instructor can diff and commit it.
``digest`` covers everything in it: a file edited by hand is refused, as is a truncated one or one made for
another kit version or spec (:class:`ExamError`, naming the file and the problem).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import hypothesis

import micrograd
from micrograd.judge._codec import decode_value, encode_value
from micrograd.spec import Property, Spec

__all__ = ["EXAM_FORMAT", "MAX_EXAM_BYTES", "Exam", "ExamEntry", "ExamError", "exam_from_data", "new_exam", "ordered",
           "read_exam"]

#: the version of the file's layout; a file of another is refused
EXAM_FORMAT = 1
#: the largest exam file read (the kit's is about 0.3 MB)
MAX_EXAM_BYTES = 64 * 1024 * 1024
_TOP = ("format", "kit_version", "spec", "hypothesis", "max_examples", "seed", "digest", "properties")
_ENTRY = ("exercise", "seed", "examples")


class ExamError(ValueError):
    """An exam that cannot be used; the message names the file and the problem."""


class ExamEntry:
    """One property's part of the exam: its exercise, the seed it was drawn with, and its examples (each the
    keyword arguments of one run of its body, besides ``impl`` and ``oracle``).

    An entry read from a file keeps its examples' JSON and builds them when first asked for (a check that
    stops early builds few); one that cannot be built is an ExamError naming the file."""

    def __init__(self, exercise: str, seed: int, examples: Optional[Sequence[Mapping[str, Any]]] = None, *,
                 encoded: Optional[List[Dict[str, Any]]] = None, where: str = "") -> None:
        if (examples is None) == (encoded is None):
            raise ValueError("give an entry its examples, or their JSON")
        self.exercise = exercise
        self.seed = seed
        self._examples = None if examples is None else tuple(dict(e) for e in examples)
        self._encoded = encoded
        self._where = where

    @property
    def examples(self) -> Tuple[Mapping[str, Any], ...]:
        if self._examples is None:
            found: List[Dict[str, Any]] = []
            for i, example in enumerate(self._encoded or ()):
                try:
                    found.append({str(k): decode_value(v) for k, v in example.items()})
                except (ValueError, RecursionError) as error:
                    raise ExamError(f"exam {self._where}: example {i + 1} cannot be read: {error}; make a new one "
                                    "with `micrograd exam --out FILE`") from None
            self._examples = tuple(found)
        return self._examples

    def encoded(self) -> List[Dict[str, Any]]:
        """The examples' JSON (as the file holds it)."""
        if self._encoded is None:
            self._encoded = [{k: encode_value(v) for k, v in ex.items()} for ex in self.examples]
        return self._encoded


@dataclass(frozen=True)
class Exam:
    """The examples of a spec's properties, drawn once. ``source``: the file it was read from (or where it
    was made), for messages; ``digest``: of its examples, what results name as their exam."""

    kit_version: str
    spec: str
    hypothesis: str
    max_examples: int
    seed: int
    entries: Mapping[str, ExamEntry]
    source: str = ""
    digest: str = field(default="")

    def __post_init__(self) -> None:
        if not self.digest:
            object.__setattr__(self, "digest", _digest(self._covered(_encoded_entries(self.entries))))

    def _covered(self, encoded: Mapping[str, Any]) -> Dict[str, Any]:
        """What the digest covers: every field but the digest itself."""
        return {"kit_version": self.kit_version, "spec": self.spec, "hypothesis": self.hypothesis,
                "max_examples": self.max_examples, "seed": self.seed, "properties": encoded}

    def __contains__(self, prop_id: object) -> bool:
        return prop_id in self.entries

    def entry(self, prop: Property) -> ExamEntry:
        """``prop``'s part; ExamError when the exam has none."""
        try:
            return self.entries[prop.id]
        except KeyError:
            raise ExamError(f"exam {self.source or '(in memory)'} has no examples for {prop.id}: make one for this "
                            "rubric with `micrograd exam --out FILE`") from None

    def check(self, spec: Spec, properties: Iterable[str] = (), max_examples: Optional[int] = None) -> None:
        """ExamError unless this exam was made for ``spec``, holds every property of ``properties`` (ids) and, if
        given, ``max_examples`` examples per property."""
        where = self.source or "(in memory)"
        remedy = "make a new one with `micrograd exam --out FILE`"
        if self.kit_version != micrograd.__version__:
            raise ExamError(f"exam {where} was made by micrograd-kit {self.kit_version}, this is "
                            f"{micrograd.__version__}: {remedy}")
        if self.spec != spec.digest:
            raise ExamError(f"exam {where} was made for another spec (or another version of the kit's strategies) "
                            f"than {spec.source}: {remedy}")
        missing = [p for p in properties if p not in self.entries]
        if missing:
            raise ExamError(f"exam {where} has no examples for {missing[0]}" +
                            (f" (and {len(missing) - 1} more)" if len(missing) > 1 else "") + f": {remedy}")
        if max_examples is not None and max_examples != self.max_examples:
            raise ExamError(f"exam {where} holds {self.max_examples} examples per property, the rubric asks for "
                            f"{max_examples}: {remedy} --max-examples {max_examples}, or leave max_examples out of "
                            "the rubric")

    def build(self) -> Exam:
        """Build every example now (an entry read from a file builds its own when first asked): ExamError,
        naming the file, for one that cannot be built. Returns the exam."""
        for entry in self.entries.values():
            entry.examples  # noqa: B018 (building them is the point)
        return self

    def write(self, path: Union[str, Path]) -> Path:
        """Write the exam to ``path`` (atomically); returns it."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        text = self.to_text()
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=target.parent, delete=False,
                                         suffix=".tmp") as out:
            out.write(text)
        os.replace(out.name, target)
        return target

    def to_text(self) -> str:
        """The file's text: a header, then each property with one example per line (valid, diffable JSON)."""
        encoded = _encoded_entries(self.entries)
        header = {"format": EXAM_FORMAT, "kit_version": self.kit_version, "spec": self.spec,
                  "hypothesis": self.hypothesis, "max_examples": self.max_examples, "seed": self.seed,
                  "digest": self.digest}
        lines = ["{"] + [f"  {json.dumps(k)}: {json.dumps(v)}," for k, v in header.items()] + ['  "properties": {']
        for i, (prop_id, entry) in enumerate(encoded.items()):
            lines.append(f"    {json.dumps(prop_id)}: {{\"exercise\": {json.dumps(entry['exercise'])}, "
                         f"\"seed\": {entry['seed']}, \"examples\": [")
            examples = entry["examples"]
            lines += [f"      {_compact(e)}" + ("," if j < len(examples) - 1 else "") for j, e in enumerate(examples)]
            lines.append("    ]}" + ("," if i < len(encoded) - 1 else ""))
        lines += ["  }", "}"]
        return "\n".join(lines) + "\n"


def _compact(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), allow_nan=False)


def _encoded_entries(entries: Mapping[str, ExamEntry]) -> Dict[str, Dict[str, Any]]:
    try:
        return {pid: {"exercise": e.exercise, "seed": e.seed, "examples": e.encoded()} for pid, e in entries.items()}
    except ValueError as error:
        raise ExamError(f"an example cannot be written into an exam: {error}") from None


def _digest(encoded: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(encoded, sort_keys=True, separators=(",", ":"),
                                     allow_nan=False).encode()).hexdigest()[:32]


def read_exam(path: Union[str, Path]) -> Exam:
    """The exam in ``path``; ExamError, naming the file and the problem, for anything that is not an exam this
    kit made (check it against a spec with :meth:`Exam.check`)."""
    where = str(path)
    remedy = "make a new one with `micrograd exam --out FILE`"
    try:
        size = Path(path).stat().st_size
        if size > MAX_EXAM_BYTES:
            raise ExamError(f"exam {where} is {size} bytes, more than an exam can be ({MAX_EXAM_BYTES}); {remedy}")
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ExamError(f"exam {where} cannot be read: {getattr(error, 'strerror', None) or error}") from None
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except ValueError as error:
        raise ExamError(f"exam {where} is not valid JSON (truncated, or edited by hand?): {error}; {remedy}") from None
    return exam_from_data(data, where)


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def exam_from_data(data: Any, where: str) -> Exam:
    """An exam from the parsed JSON of a file (see :func:`read_exam`)."""
    remedy = "make a new one with `micrograd exam --out FILE`"

    def bad(problem: str) -> ExamError:
        return ExamError(f"exam {where}: {problem}; {remedy}")

    if not isinstance(data, dict):
        raise bad("not an exam (a JSON object with format, kit_version, spec, ... at the top)")
    if data.get("format") != EXAM_FORMAT:
        raise bad(f"format {data.get('format')!r} is not this kit's ({EXAM_FORMAT})")
    if sorted(data) != sorted(_TOP):
        raise bad(f"expected the fields {', '.join(_TOP)}, got {', '.join(sorted(map(str, data)))}")
    for key in ("kit_version", "spec", "hypothesis", "digest"):
        if type(data[key]) is not str:
            raise bad(f"{key} must be a string")
    for key in ("max_examples", "seed"):
        if type(data[key]) is not int or data[key] < (1 if key == "max_examples" else 0):
            raise bad(f"{key} must be a whole number")
    properties = data["properties"]
    if not isinstance(properties, dict):
        raise bad("properties must be an object: property id -> its exercise, seed and examples")
    covered = {k: data[k] for k in _TOP if k not in ("format", "digest")}
    if _digest(covered) != data["digest"]:
        raise bad("its content does not match its digest (edited by hand, or damaged)")
    entries: Dict[str, ExamEntry] = {}
    for prop_id, entry in properties.items():
        entries[prop_id] = _entry(prop_id, entry, bad, where)
    return Exam(data["kit_version"], data["spec"], data["hypothesis"], data["max_examples"], data["seed"], entries,
                where, data["digest"])


def _entry(prop_id: str, entry: Any, bad: Any, where: str) -> ExamEntry:
    if not isinstance(entry, dict) or sorted(entry) != sorted(_ENTRY):
        raise bad(f"{prop_id}: expected an object with {', '.join(_ENTRY)}")
    if type(entry["exercise"]) is not str or type(entry["seed"]) is not int or not isinstance(entry["examples"], list):
        raise bad(f"{prop_id}: exercise must be a string, seed a whole number, examples a list")
    for i, example in enumerate(entry["examples"]):
        if not isinstance(example, dict):
            raise bad(f"{prop_id}: example {i + 1} must be an object (argument -> value)")
    return ExamEntry(entry["exercise"], entry["seed"], encoded=entry["examples"], where=f"{where}: {prop_id}")


def new_exam(spec: Spec, entries: Mapping[str, ExamEntry], max_examples: int, seed: int, source: str = "") -> Exam:
    """An exam of ``entries`` for ``spec``, made now with this Hypothesis."""
    return Exam(micrograd.__version__, spec.digest, hypothesis.__version__, max_examples, seed, dict(entries), source)


def ordered(spec: Spec, ids: Optional[Sequence[str]]) -> List[Property]:
    """The properties of ``spec`` named by ``ids`` (all when None), in spec order; ExamError for an unknown id."""
    if ids is None:
        return list(spec)
    unknown = [i for i in ids if i not in spec]
    if unknown:
        raise ExamError(f"{spec.source} has no property {unknown[0]!r}")
    wanted = set(ids)
    return [p for p in spec if p.id in wanted]
