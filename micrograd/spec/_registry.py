"""What a spec property is, and the decorator that declares one.

A property is a plain function ``body(impl, [oracle], **drawn)`` that raises
:class:`~micrograd.verdict.SpecFailure` when the implementation is wrong, declared with
:func:`spec_property`: its exercise, what it needs, and the Hypothesis strategies of its other
arguments. The body stays undecorated: whoever runs it (the judge, the pytest layer, the exam)
builds ``given(...)`` and ``settings(...)`` itself, through Hypothesis's public API, with the
settings it wants.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple, TypeVar

from micrograd.impl import Evaluator
from micrograd.oracles import Oracle
from micrograd.verdict import EXERCISES, exercise

__all__ = ["ATTRIBUTE", "Property", "PropertySkipped", "Spec", "SpecError", "skip", "spec_property"]

#: the attribute :func:`spec_property` sets on a property's function
ATTRIBUTE = "__spec_property__"
#: the arguments a property's body takes besides its drawn ones
_FIXED = ("impl", "oracle")

F = TypeVar("F", bound=Callable[..., None])


class SpecError(Exception):
    """A spec cannot be used: a property breaks the contract, a file fails to import, a directory is missing."""


class PropertySkipped(Exception):  # noqa: N818 (an outcome, like pytest's Skipped)
    """Raised by a property's body (:func:`skip`) that cannot judge this implementation here."""


def skip(reason: str) -> None:
    """Stop the running property: it is skipped, with ``reason`` (e.g. an evaluator that cannot run a request)."""
    raise PropertySkipped(reason)


@dataclass(frozen=True)
class Property:
    """One spec property: ``body(impl=..., [oracle=...], **drawn)`` raises SpecFailure when the implementation
    is wrong.

    ``group`` is the first half of the id (``test_add``: the name of the file the spec kept it in, so
    rubrics and results keep naming it); ``given``: (argument, strategy) pairs, in order; ``examples``:
    explicit examples (keyword arguments), run before any drawn one; ``needs``: the exercises whose
    methods it uses (an empty tuple: it judges its exercise on its own); ``oracles``: the only oracles
    that may judge it (None: any); ``skip``: why it never runs (None: it runs); ``max_examples``: how
    many examples it takes out of a run's count (None: all); ``shrink``: whether a failure is shrunk.
    """

    name: str
    exercise: str
    group: str
    body: Callable[..., None] = field(repr=False, compare=False)
    given: Tuple[Tuple[str, Any], ...] = field(default=(), repr=False, compare=False)
    examples: Tuple[Mapping[str, Any], ...] = field(default=(), repr=False, compare=False)
    needs: Tuple[str, ...] = ()
    oracles: Optional[Tuple[str, ...]] = None
    needs_oracle: bool = False
    skip: Optional[str] = None
    max_examples: Optional[Callable[[int], int]] = field(default=None, repr=False, compare=False)
    shrink: bool = True

    @property
    def id(self) -> str:
        """``test_add::test_addition_matches_the_oracle``: the group and the function's name."""
        return f"{self.group}::{self.name}"

    @property
    def strategies(self) -> Dict[str, Any]:
        """Argument name -> its Hypothesis strategy."""
        return dict(self.given)

    @property
    def generated(self) -> bool:
        """Does Hypothesis draw its examples (else it runs once, with ``impl`` and ``oracle`` only)?"""
        return bool(self.given)

    def examples_out_of(self, count: int) -> int:
        """How many examples this property draws in a run of ``count`` examples per property."""
        return count if self.max_examples is None else max(1, int(self.max_examples(count)))

    def arguments(self, impl: Evaluator, oracle: Optional[Oracle]) -> Dict[str, Any]:
        """The fixed keyword arguments of its body."""
        return {"impl": impl, "oracle": oracle} if self.needs_oracle else {"impl": impl}


def _group(module: str) -> str:
    stem = module.rsplit(".", 1)[-1].lstrip("_")
    return stem if stem.startswith("test_") else f"test_{stem}"


def spec_property(
    exercise_name: str,
    *,
    needs: Optional[Sequence[str]] = None,
    oracles: Optional[Sequence[str]] = None,
    examples: Iterable[Mapping[str, Any]] = (),
    skip: Optional[str] = None,
    max_examples: Optional[Callable[[int], int]] = None,
    shrink: bool = True,
    **given: Any,
) -> Callable[[F], F]:
    """Declare the decorated function a property of exercise ``exercise_name``; the keyword arguments left
    (``program=programs(...)``) are the strategies of its drawn arguments. Returns the function unchanged.

    Raises SpecError for an unknown exercise, a body whose arguments are not ``impl``, optionally
    ``oracle``, then exactly the drawn ones, or an example naming other arguments.
    """

    def declare(function: F) -> F:
        where = f"{function.__module__}.{function.__qualname__}"
        try:
            own = exercise(exercise_name)
            needed = own.needs if needs is None else tuple(exercise(n).name for n in needs)
        except ValueError as error:
            raise SpecError(f"{where}: {error}") from None
        parameters = [p.name for p in inspect.signature(function).parameters.values()]
        fixed = [p for p in parameters if p in _FIXED]
        drawn = [p for p in parameters if p not in _FIXED]
        if parameters[:1] != ["impl"] or fixed not in (["impl"], ["impl", "oracle"]) or sorted(drawn) != sorted(given):
            raise SpecError(f"{where} takes ({', '.join(parameters)}); a property takes `impl`, optionally `oracle`, "
                            f"then exactly its drawn arguments ({', '.join(given) or 'none'})")
        explicit = tuple(dict(e) for e in examples)
        for e in explicit:
            if sorted(e) != sorted(given):
                raise SpecError(f"{where}: an example gives {sorted(e)}, the property draws {sorted(given)}")
        prop = Property(
            name=function.__name__, exercise=own.name, group=_group(function.__module__), body=function,
            given=tuple((name, given[name]) for name in drawn), examples=explicit, needs=needed,
            oracles=None if oracles is None else tuple(oracles), needs_oracle="oracle" in fixed, skip=skip,
            max_examples=max_examples, shrink=shrink,
        )
        setattr(function, ATTRIBUTE, prop)
        return function

    return declare


class Spec:
    """The properties of a spec, in EXERCISES order (within an exercise: module order, then definition order).

    ``source`` says where it came from (``the kit's spec`` or a directory); ``digest`` identifies what decides
    its examples (its files, the kit's strategies and programs): an exam is made for one digest.
    """

    def __init__(self, properties: Iterable[Property], source: str, digest: str) -> None:
        order = {name: i for i, name in enumerate(EXERCISES)}
        found = sorted(properties, key=lambda p: order[p.exercise])  # stable: keeps module and definition order
        ids = [p.id for p in found]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise SpecError(f"{source}: property {repeated[0]!r} is declared twice")
        self.properties: Tuple[Property, ...] = tuple(found)
        self.source = source
        self.digest = digest
        self._by_id = {p.id: p for p in found}

    @classmethod
    def from_modules(cls, modules: Iterable[Any], source: str, digest: str) -> Spec:
        """The properties declared in ``modules`` (functions defined there, not imported)."""
        found: List[Property] = []
        for module in modules:
            for value in vars(module).values():
                prop = getattr(value, ATTRIBUTE, None)
                if isinstance(prop, Property) and getattr(value, "__module__", None) == module.__name__:
                    found.append(prop)
        return cls(found, source, digest)

    def __iter__(self) -> Iterator[Property]:
        return iter(self.properties)

    def __len__(self) -> int:
        return len(self.properties)

    def __getitem__(self, prop_id: str) -> Property:
        try:
            return self._by_id[prop_id]
        except KeyError:
            raise KeyError(f"{self.source} has no property {prop_id!r}") from None

    def __contains__(self, prop_id: object) -> bool:
        return prop_id in self._by_id

    def select(self, exercises: Optional[Iterable[str]] = None) -> List[Property]:
        """The properties of ``exercises`` (each name checked; None: all), in spec order."""
        if exercises is None:
            return list(self.properties)
        wanted = {exercise(name).name for name in exercises}
        return [p for p in self.properties if p.exercise in wanted]
