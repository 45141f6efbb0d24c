"""Checking a module program on an implementation against the oracle, for the spec's nn properties,
and listing where two module outcomes disagree."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence, Union

from micrograd.impl import Evaluator
from micrograd.oracles import expected_module_outcome
from micrograd.program import ModuleOutcome, ModuleProgram
from micrograd.verdict._exercises import exercise as lookup
from micrograd.verdict._failure import SpecFailure
from micrograd.verdict._hints import against
from micrograd.verdict._module_slips import module_code, module_hint

__all__ = ["Mismatch", "check_module_program", "compare_module_outcomes", "parameter_name"]


def check_module_program(
    impl: Evaluator,
    program: ModuleProgram,
    *,
    exercise: str,
    fields: Sequence[str],
    summary: str,
    hint: str,
    expected: Union[ModuleOutcome, Callable[[ModuleOutcome], ModuleOutcome], None] = None,
    steps: Optional[Sequence[int]] = None,
    rel: float = 1e-6,
    abs_: float = 1e-9,
    oracle_name: str = "numpy",
) -> ModuleOutcome:
    """Evaluate ``program`` with ``impl`` (an Evaluator) and compare ``fields`` with the oracle.

    Raises SpecFailure for ``exercise`` when the implementation raised, or disagrees:
    ``summary`` (a line saying what should hold) and ``hint`` go into the report with a
    runnable snippet and the expected-vs-got rows. Returns the implementation's outcome.

    ``expected`` defaults to the oracle's outcome (:func:`expected_module_outcome`); a
    callable receives the implementation's own outcome (to check it against itself).
    ``steps`` limits the comparison to those action indices; ``rel`` and ``abs_`` are the
    tolerances (see :func:`compare_module_outcomes`). ``oracle_name`` is what computed the
    expected outcome (``numpy`` by default; the report names it: "checked against the NumPy model").
    """
    got = impl.evaluate(program)
    if not isinstance(got, ModuleOutcome):
        raise TypeError(f"{impl!r} answered a ModuleProgram with {type(got).__name__}, not a ModuleOutcome")
    if got.error is not None:
        failure = got.error
        if failure.type == "NotImplementedError":
            functions = lookup(exercise).functions
            where = f" at {failure.location}" if failure.location else ""
            advice = (
                f"replace the `raise NotImplementedError`{where} ({failure.message or 'no message'}) with your code; "
                f"this exercise is about {functions}, and its checks also run the parts it builds on"
            )
        else:
            advice = module_hint(program, got, None, hint)
        raise SpecFailure(
            exercise,
            f"{program.describe()} raised {failure} during {failure.phase}"
            + (f" (action {failure.node})" if failure.node is not None else ""),
            code=module_code(program, got),
            hint=advice,
            failure=failure,
        )
    if expected is None:
        expected = expected_module_outcome(program, oracle_name)
    elif callable(expected):
        expected = expected(got)
    if expected.error is not None:
        raise RuntimeError(f"the oracle failed on a valid module program: {expected.error}\n{program}")
    mismatches = compare_module_outcomes(
        expected, got, fields=fields, program=program, steps=steps, rel=rel, abs_=abs_
    )
    if mismatches:
        raise SpecFailure(
            exercise,
            f"{program.describe()}: {summary}, but it does not{against(oracle_name)}",
            code=program.to_python(),
            rows=[(m.what, m.expected, m.got) for m in mismatches],
            hint=module_hint(program, got, expected, hint),
        )
    return got


@dataclass(frozen=True)
class Mismatch:
    """One disagreement: ``what`` (``"step 0 (forward): output[1][0]"``), expected, got."""

    what: str
    expected: str
    got: str


def _close(a: float, b: float, rel: float, abs_: float) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def compare_module_outcomes(
    expected: ModuleOutcome,
    got: ModuleOutcome,
    *,
    fields: Sequence[str] = ("outputs", "single", "loss", "grads", "params", "order", "count"),
    rel: float = 1e-6,
    abs_: float = 1e-9,
    limit: int = 8,
    program: Optional[ModuleProgram] = None,
    steps: Optional[Sequence[int]] = None,
) -> List[Mismatch]:
    """Where ``got`` differs from ``expected`` (at most ``limit`` rows), comparing ``fields``
    of every step present in both, and the neuron widths. Both must be free of errors.
    With ``program``, parameters are named by where they live (``layers[0].neurons[1].b``);
    with ``steps``, only the steps of those indices are compared."""
    rows: List[Mismatch] = []

    def pname(k: int) -> str:
        name = parameter_name(program, k) if program is not None else None
        return name or f"parameter {k}"

    def add(what: str, e: object, g: object) -> None:
        if len(rows) < limit:
            rows.append(Mismatch(what, _fmt(e), _fmt(g)))

    if len(got.steps) < len(expected.steps):
        add("actions completed", len(expected.steps), len(got.steps))
    if expected.widths != got.widths:
        add("len(n.w) of each neuron", list(expected.widths), list(got.widths))
    close: Callable[[float, float], bool] = lambda a, b: _close(a, b, rel, abs_)  # noqa: E731
    chosen = None if steps is None else {i % len(expected.steps) for i in steps} if expected.steps else set()
    for i, (e, g) in enumerate(zip(expected.steps, got.steps)):
        if chosen is not None and i not in chosen:
            continue
        where = f"after action {i} ({e.action}): " if len(expected.steps) > 1 else ""
        if "outputs" in fields and e.outputs:
            for j, (er, gr) in enumerate(zip(e.outputs, g.outputs)):
                if len(er) != len(gr):
                    add(where + f"number of outputs for x{j}", len(er), len(gr))
                for k, (ev, gv) in enumerate(zip(er, gr)):
                    if not close(ev, gv):
                        add(where + f"output {k} for x{j}", ev, gv)
        if "single" in fields and e.single and e.single != g.single:
            for j, (es, gs) in enumerate(zip(e.single, g.single)):
                if es != gs:
                    add(where + f"model(x{j}) returns", _kind(es), _kind(gs))
                    break
        if "loss" in fields and e.loss is not None and (g.loss is None or not close(e.loss, g.loss)):
            add(where + "loss", e.loss, g.loss)
        for name in ("grads", "params"):
            if name in fields and e.action != "parameters":
                ev_all, gv_all = getattr(e, name), getattr(g, name)
                for k, (ev, gv) in enumerate(zip(ev_all, gv_all)):
                    if not close(ev, gv):
                        add(where + f"{pname(k)}.{'grad' if name == 'grads' else 'data'}", ev, gv)
        if "count" in fields and e.action == "parameters" and len(e.order) != len(g.order):
            add(where + "len(model.parameters())", len(e.order), len(g.order))
        if "order" in fields and e.action == "parameters" and e.order != g.order:
            if len(e.order) != len(g.order) and "count" not in fields:
                add(where + "len(model.parameters())", len(e.order), len(g.order))
            for k, (ev, gv) in enumerate(zip(e.order, g.order)):
                if ev != gv:
                    add(where + f"model.parameters()[{k}] is", pname(ev), "not a parameter" if gv < 0 else pname(gv))
    return rows


def _kind(single: bool) -> str:
    return "a Value" if single else "a list"


def _fmt(x: object) -> str:
    if isinstance(x, float):
        return f"{x:.10g}"
    return str(x)


def parameter_name(program: ModuleProgram, index: int) -> Optional[str]:
    """``layers[1].neurons[0].w[2]`` for canonical parameter ``index``."""
    start = 0
    neuron = 0
    for width in program.widths:
        if index <= start + width:
            k = index - start
            leaf = f"w[{k}]" if k < width else "b"
            if program.module == "neuron":
                return leaf
            if program.module == "layer":
                return f"neurons[{neuron}].{leaf}"
            layer, offset = 0, neuron
            for nout in program.sizes:
                if offset < nout:
                    break
                offset -= nout
                layer += 1
            return f"layers[{layer}].neurons[{offset}].{leaf}"
        start += width + 1
        neuron += 1
    return None
