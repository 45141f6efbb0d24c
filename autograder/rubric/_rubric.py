"""Rubrics: exercises -> points and the properties that grade them, plus policy checks."""

from __future__ import annotations

import ast
import dataclasses
import difflib
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from autograder.report._results import VISIBILITIES
from autograder.rubric._spec import spec_properties
from micrograd.verdict import EXERCISES

__all__ = [
    "DEFAULT_MAX_EXAMPLES",
    "ExerciseRule",
    "Rubric",
    "RubricError",
    "Violation",
    "default_rubric",
    "load_rubric",
    "policy_violations",
]

#: Hypothesis examples per property unless the rubric says otherwise: the largest value measured to
#: grade 100 submissions in under 10 minutes with ``--jobs 2`` on a 2-core machine (docs/grading.md)
DEFAULT_MAX_EXAMPLES = 25

_TOP_KEYS = ("settings", "exercises")
_SETTINGS_KEYS = ("max_examples", "forbid_imports", "spec", "default_points", "visibility")
_EXERCISE_KEYS = ("points", "properties", "visibility")


class RubricError(ValueError):
    """A rubric file is wrong; the message names the file, the key and what to write instead."""


@dataclass(frozen=True)
class ExerciseRule:
    """``points`` for ``exercise``, earned in proportion to how many of ``properties`` (ids) pass;
    ``visibility``: who sees its Gradescope test (``visible``, ``hidden``, ``after_due_date`` or
    ``after_published``)."""

    exercise: str
    points: float
    properties: Tuple[str, ...]
    visibility: str = "visible"


@dataclass(frozen=True)
class Rubric:
    """How a submission is scored. ``spec``: the directory of properties (None: the kit's spec);
    ``max_examples``: Hypothesis examples per property (None: the ``grading`` profile's 300);
    ``forbid_imports``: top-level modules engine.py must not import."""

    rules: Tuple[ExerciseRule, ...]
    spec: Optional[str] = None
    max_examples: Optional[int] = DEFAULT_MAX_EXAMPLES
    forbid_imports: Tuple[str, ...] = ()
    source: str = "default rubric"

    @property
    def max_score(self) -> float:
        return sum(rule.points for rule in self.rules)

    @property
    def property_ids(self) -> List[str]:
        ids: List[str] = []
        for rule in self.rules:
            ids += [p for p in rule.properties if p not in ids]
        return ids

    def visibility_of(self, exercise: str) -> str:
        """Who sees the exercise's Gradescope test (``visible`` for an exercise the rubric does not grade)."""
        return next((rule.visibility for rule in self.rules if rule.exercise == exercise), "visible")

    def to_dict(self, spec: Optional[str] = None) -> Dict[str, Any]:
        """The rubric as a JSON rubric file that :func:`load_rubric` reads back as the same rubric,
        every exercise spelled out; ``spec`` replaces the spec path (e.g. a path relative to the file)."""
        settings: Dict[str, Any] = {"forbid_imports": list(self.forbid_imports)}
        if self.max_examples is not None:
            settings["max_examples"] = self.max_examples
        if spec is not None or self.spec is not None:
            settings["spec"] = spec if spec is not None else self.spec
        exercises = {rule.exercise: {"points": rule.points, "properties": list(rule.properties),
                                     "visibility": rule.visibility} for rule in self.rules}
        return {"settings": settings, "exercises": exercises}


def _spec_properties(spec: Optional[str]) -> List[Any]:
    from micrograd.spec import SpecError

    try:
        return spec_properties(spec)
    except SpecError as error:
        raise RubricError(f"the rubric's spec cannot be used: {error}") from None


def default_rubric(spec: Optional[str] = None, points: float = 1.0) -> Rubric:
    """Every exercise of the default course with a property in the spec, ``points`` each, graded by all its
    properties. Optional exercises (``micrograd.verdict.OPTIONAL_EXERCISES``, such as sigmoid) are left out: a
    rubric grades one by naming it under ``[exercises]``."""
    properties = _spec_properties(spec)
    rules = []
    for name, exercise in EXERCISES.items():
        if exercise.optional:
            continue
        ids = tuple(p.id for p in properties if p.exercise == name)
        if ids:
            rules.append(ExerciseRule(name, points, ids))
    if not rules:
        raise RubricError(f"the spec in {spec or 'the kit'} has no properties marked with an exercise")
    return Rubric(tuple(rules), spec=spec)


def _read(path: Path) -> Dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise RubricError(f"cannot read rubric {path}: {error.strerror}") from None
    try:
        if path.suffix == ".json":
            data = json.loads(text)
        else:
            if sys.version_info >= (3, 11):
                import tomllib
            else:  # pragma: no cover (Python < 3.11)
                import tomli as tomllib
            data = tomllib.loads(text)
    except ValueError as error:
        kind = "JSON" if path.suffix == ".json" else "TOML"
        raise RubricError(f"rubric {path} is not valid {kind}: {error}") from None
    if not isinstance(data, dict):
        raise RubricError(f"rubric {path} must be a table/object at the top level")
    return data


def _unknown(path: Path, where: str, key: str, valid: Sequence[str]) -> RubricError:
    close = difflib.get_close_matches(key, valid, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return RubricError(f"rubric {path}: unknown {where} {key!r}{hint}; expected one of {', '.join(valid)}")


def load_rubric(path: Optional[str | Path] = None, *, spec: Optional[str] = None) -> Rubric:
    """The rubric in ``path`` (TOML, or JSON by suffix), or the default rubric when None.

    ``[exercises.NAME]`` tables give ``points`` and optionally ``properties`` (function names or
    ``file::function`` ids; default: all the exercise's properties) and ``visibility`` (of the
    Gradescope test). Exercises left out are not graded; an optional exercise (sigmoid) is graded only when
    named there (``sigmoid = 1``). Without ``[exercises]``, the default course's exercises are graded (the
    optional ones left out). ``[settings]``: ``max_examples``,
    ``forbid_imports``, ``spec`` (relative to the rubric), ``default_points``, ``visibility`` (the
    default of every exercise). Any typo is a RubricError naming it.
    """
    if path is None:
        return default_rubric(spec)
    path = Path(path)
    data = _read(path)
    for key in data:
        if key not in _TOP_KEYS:
            raise _unknown(path, "section", key, _TOP_KEYS)
    settings = data.get("settings", {})
    if not isinstance(settings, dict):
        raise RubricError(f"rubric {path}: [settings] must be a table")
    for key in settings:
        if key not in _SETTINGS_KEYS:
            raise _unknown(path, "setting", key, _SETTINGS_KEYS)
    spec_setting = settings.get("spec")
    if spec_setting is not None:
        if not isinstance(spec_setting, str):
            raise RubricError(f"rubric {path}: settings.spec must be a path string")
        spec = str((path.parent / spec_setting).resolve())
    max_examples = settings.get("max_examples", DEFAULT_MAX_EXAMPLES)
    if max_examples is not None and (not isinstance(max_examples, int) or isinstance(max_examples, bool)
                                     or max_examples < 1):
        raise RubricError(f"rubric {path}: settings.max_examples must be a positive integer, got {max_examples!r}")
    forbid = settings.get("forbid_imports", [])
    if not isinstance(forbid, list) or not all(isinstance(m, str) for m in forbid):
        raise RubricError(f"rubric {path}: settings.forbid_imports must be a list of module names")
    default_points = settings.get("default_points", 1.0)
    if not _is_points(default_points):
        raise RubricError(f"rubric {path}: settings.default_points must be a number >= 0")
    visibility = _visibility(path, "settings.visibility", settings.get("visibility", "visible"))
    exercises = data.get("exercises")
    if exercises is None:
        base = default_rubric(spec, float(default_points))
        every = tuple(dataclasses.replace(rule, visibility=visibility) for rule in base.rules)
        return _worth_something(path, Rubric(every, spec, max_examples, tuple(forbid), str(path)))
    if not isinstance(exercises, dict) or not exercises:
        raise RubricError(f"rubric {path}: [exercises] {'is empty' if exercises == {} else 'must be a table'}: "
                          f"{_EXERCISES_FORMS}, or leave [exercises] out to grade every exercise")
    properties = _spec_properties(spec)
    by_id = {p.id: p for p in properties}
    by_name: Dict[str, List[Any]] = {}
    for p in properties:
        by_name.setdefault(p.name, []).append(p)
    rules = []
    for name in EXERCISES:  # rubric order follows the course, whatever the file's order
        if name not in exercises:
            continue
        rules.append(_rule(path, name, exercises[name], default_points, visibility, properties, by_id, by_name))
    for name in exercises:
        if name not in EXERCISES:
            raise _unknown(path, "exercise", name, list(EXERCISES))
    return _worth_something(path, Rubric(tuple(rules), spec, max_examples, tuple(forbid), str(path)))


#: how a rubric gives an exercise its points, as an error message says it
_EXERCISES_FORMS = ("list the exercises to grade under [exercises], one per line with its points (add = 1) or "
                    "one table each ([exercises.add] with points = 1, and optionally properties and visibility)")


def _worth_something(path: Path, rubric: Rubric) -> Rubric:
    """``rubric``, unless it gives no points at all: then every grade would be 0/0, which is an error."""
    if rubric.max_score <= 0:
        raise RubricError(f"rubric {path}: every exercise is worth 0 points, so every grade would be 0/0: give "
                          "points to the exercises to grade (add = 1 under [exercises], or default_points = 1 "
                          "under [settings])")
    return rubric


def _is_points(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and 0 <= x < math.inf


def _visibility(path: Path, key: str, value: Any) -> str:
    if value not in VISIBILITIES:
        close = difflib.get_close_matches(str(value), VISIBILITIES, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise RubricError(f"rubric {path}: {key} must be one of {', '.join(VISIBILITIES)}, got {value!r}{hint}")
    return str(value)


def _rule(path: Path, name: str, table: Any, default_points: float, default_visibility: str, properties: List[Any],
          by_id: Dict[str, Any], by_name: Dict[str, List[Any]]) -> ExerciseRule:
    if isinstance(table, (int, float)) and not isinstance(table, bool):
        table = {"points": table}
    if not isinstance(table, dict):
        raise RubricError(f"rubric {path}: exercises.{name} must be its points ({name} = 1) or a table "
                          f"([exercises.{name}] with points, properties, visibility)")
    for key in table:
        if key not in _EXERCISE_KEYS:
            raise _unknown(path, f"key in exercises.{name}:", key, _EXERCISE_KEYS)
    points = table.get("points", default_points)
    if not _is_points(points):
        raise RubricError(f"rubric {path}: exercises.{name}.points must be a number >= 0, got {points!r}")
    visibility = _visibility(path, f"exercises.{name}.visibility", table.get("visibility", default_visibility))
    wanted = table.get("properties")
    if wanted is None:
        ids = tuple(p.id for p in properties if p.exercise == name)
        if not ids:
            raise RubricError(f"rubric {path}: exercise {name!r} has no property in the spec; list some in "
                              f"exercises.{name}.properties or remove it")
        return ExerciseRule(name, float(points), ids, visibility)
    if not isinstance(wanted, list) or not wanted or not all(isinstance(w, str) for w in wanted):
        raise RubricError(f"rubric {path}: exercises.{name}.properties must be a non-empty list of property names")
    ids_list: List[str] = []
    for item in wanted:
        if item in by_id:
            ids_list.append(item)
        elif len(by_name.get(item, [])) == 1:
            ids_list.append(by_name[item][0].id)
        elif item in by_name:
            raise RubricError(f"rubric {path}: property {item!r} (exercises.{name}) is ambiguous; write one of "
                              f"{', '.join(p.id for p in by_name[item])}")
        else:
            raise _unknown(path, f"property in exercises.{name}:", item, sorted(by_name))
    return ExerciseRule(name, float(points), tuple(ids_list), visibility)


@dataclass(frozen=True)
class Violation:
    file: str
    line: int
    module: str

    def __str__(self) -> str:
        return f"{self.file} imports {self.module} (line {self.line}), which the rubric forbids"


def policy_violations(directory: Path, forbid: Sequence[str], files: Sequence[str] = ("engine.py",)) -> List[Violation]:
    """Imports of forbidden top-level modules in ``files``, found by parsing (never running) them.

    Catches ``import x``, ``from x import y``, ``__import__("x")`` and ``importlib.import_module("x")``.
    """
    found: List[Violation] = []
    if not forbid:
        return found
    banned = set(forbid)
    for file in files:
        start = len(found)
        source_path = directory / file
        try:
            tree = ast.parse(source_path.read_text(encoding="utf-8", errors="replace"))
        except (OSError, SyntaxError, ValueError):
            continue  # a missing or broken file is reported by the loader
        for node in ast.walk(tree):
            names: List[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
                callee = node.func
                called = callee.id if isinstance(callee, ast.Name) else getattr(callee, "attr", "")
                if called in ("__import__", "import_module") and isinstance(node.args[0].value, str):
                    names = [node.args[0].value]
            for module in names:
                if module.split(".")[0] in banned:
                    found.append(Violation(file, getattr(node, "lineno", 0), module))
        found[start:] = sorted(found[start:], key=lambda v: v.line)
    return found



