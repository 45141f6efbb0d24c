"""The frozen exam (micrograd.judge.Exam): examples drawn once, judged alone; a failure is still shrunk by
Hypothesis for the feedback; the file is readable JSON that is refused when it is not exactly what the kit made."""

from __future__ import annotations

import json
import math
import textwrap
from pathlib import Path
from typing import Any, List

import pytest
from hypothesis import settings

import micrograd
from micrograd.impl import LocalEvaluator, exercises_dir
from micrograd.judge import (
    Exam,
    ExamEntry,
    ExamError,
    load_profile,
    make_exam,
    property_seed,
    read_exam,
    run_property,
    settings_for,
)
from micrograd.judge._codec import decode_value, encode_value
from micrograd.program import CrossEntropyProgram, Op, Program
from micrograd.spec import Property, kit_spec, load_spec
from micrograd.strategies import ChainProgram

SPEC = """
    from hypothesis import strategies as st
    from micrograd.spec import spec_property
    from micrograd.verdict import SpecFailure

    DRAWN = []
    CALLS = []

    @spec_property("add", x=st.integers(0, 10**6).map(lambda x: DRAWN.append(x) or x))
    def test_small(impl, x):
        CALLS.append(x)
        if x > getattr(impl, "limit", 10**7):
            raise SpecFailure("add", f"{x} is too big", "code", [("x", str(impl.limit), str(x))])
"""


class Limit:
    """An 'implementation' for the fake property: fails on examples above ``limit``."""

    name = "limit"

    def __init__(self, limit: int) -> None:
        self.limit = limit


def write(directory: Path, source: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "test_fake.py").write_text(textwrap.dedent(source))
    return directory


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    return write(tmp_path / "spec", SPEC)


def _prop(spec: Path) -> Property:
    (prop,) = load_spec(spec)
    return prop


def _globals(prop: Property, name: str) -> List[Any]:
    return prop.body.__globals__[name]  # type: ignore[no-any-return]


def _graded(prop: Property, impl: Any, exam: Exam, **options: Any) -> Any:
    entry = exam.entry(prop)
    return run_property(prop, impl, None, examples=entry.examples, chosen=settings_for(prop, exam.max_examples),
                        seed=entry.seed, **options)


# ----------------------------------------------------------------------------- judging on the exam


def test_the_exam_is_what_hypothesis_draws_and_replaying_it_draws_nothing(spec: Path) -> None:
    prop = _prop(spec)
    loaded = load_spec(spec)
    exam = make_exam(loaded, max_examples=40)
    examples = [e["x"] for e in exam.entry(prop).examples]
    assert len(examples) == 40 and len(set(examples)) > 30
    drawn = _globals(prop, "DRAWN")
    drawn.clear()
    plain = run_property(prop, Limit(10**7), chosen=settings_for(prop, 40), seed=property_seed(prop))
    assert plain.status == "passed" and drawn == examples  # the same draws, without recording
    drawn.clear()
    result = _graded(prop, Limit(10**7), exam)
    assert result.status == "passed" and result.examples == 40 and drawn == []  # nothing drawn to judge it


def test_a_failure_on_the_exam_is_shrunk_as_hypothesis_shrinks_it(spec: Path) -> None:
    prop = _prop(spec)
    exam = make_exam(load_spec(spec), max_examples=40)
    graded = _graded(prop, Limit(1000), exam)
    plain = run_property(prop, Limit(1000), chosen=settings_for(prop, 40), seed=exam.entry(prop).seed)
    assert graded.status == plain.status == "failed"
    assert graded.summary == plain.summary == "1001 is too big"  # shrunk to the edge


def test_the_score_is_the_exams_even_where_hypothesis_would_not_fail(spec: Path) -> None:
    prop = _prop(spec)
    made = make_exam(load_spec(spec), max_examples=10)
    planted = Exam(made.kit_version, made.spec, made.hypothesis, 10, 0,
                   {prop.id: ExamEntry("add", made.entry(prop).seed, ({"x": 5}, {"x": 999_999_999}))})
    result = _graded(prop, Limit(10**7), planted)  # Hypothesis never draws above 10**6: it does not meet it
    assert result.status == "failed" and result.summary == "999999999 is too big"
    passing = Exam(made.kit_version, made.spec, made.hypothesis, 10, 0,
                   {prop.id: ExamEntry("add", made.entry(prop).seed, ({"x": 5},))})
    assert _graded(prop, Limit(1000), passing).status == "passed"  # Hypothesis would find 1001: not graded


def test_a_property_that_is_not_shrunk_reports_its_first_failing_example(spec: Path) -> None:
    write(spec, SPEC.replace('@spec_property("add",', '@spec_property("add", shrink=False,'))
    prop = _prop(spec)
    exam = make_exam(load_spec(spec), max_examples=40)
    examples = [e["x"] for e in exam.entry(prop).examples]
    limit = sorted(examples)[len(examples) // 2]
    calls = _globals(prop, "CALLS")
    calls.clear()
    result = _graded(prop, Limit(limit), exam)
    first = next(x for x in examples if x > limit)
    assert calls == examples[: examples.index(first) + 1]  # the exam's examples up to the first failure
    assert result.summary == f"{first} is too big"


def test_a_stub_on_the_exam_is_reported_at_once_unless_it_should_be_shrunk(tmp_path: Path) -> None:
    spec = write(tmp_path / "spec", """
        from hypothesis import strategies as st
        from micrograd.program import Op, Program
        from micrograd.spec import spec_property
        from micrograd.verdict import check_program

        CALLS = []

        @spec_property("add", x=st.floats(-2, 2))
        def test_add(impl, oracle, x):
            CALLS.append(x)
            check_program(impl, oracle, Program((x, 1.0), (Op("add", (0, 1)),), (2,)), exercise="add")
    """)
    from micrograd.oracles import get_oracle

    prop = _prop(spec)
    exam = make_exam(load_spec(spec), max_examples=20)
    entry, stubs, exact = exam.entry(prop), LocalEvaluator(exercises_dir()), get_oracle("exact")
    calls = _globals(prop, "CALLS")
    calls.clear()
    at_once = run_property(prop, stubs, exact, examples=entry.examples, chosen=settings_for(prop, 20), seed=entry.seed)
    assert at_once.status == "failed" and at_once.not_implemented and len(calls) == 1
    shrunk = run_property(prop, stubs, exact, examples=entry.examples, chosen=settings_for(prop, 20), seed=entry.seed,
                          shrink_stubs=True)
    assert shrunk.status == "failed" and "Value(0.0)" in shrunk.code  # shrunk to 0


class Aborted(BaseException):
    """What the grader raises to stop a property at once (a hung child): not a failure."""


def test_a_base_exception_from_an_exam_example_is_not_handed_to_hypothesis(spec: Path) -> None:
    prop = _prop(spec)
    exam = make_exam(load_spec(spec), max_examples=10)

    class Stopping:
        name = "stopping"

        @property
        def limit(self) -> int:
            raise Aborted()

    calls = _globals(prop, "CALLS")
    calls.clear()
    result = _graded(prop, Stopping(), exam)
    assert result.status == "error" and "Aborted" in result.summary and len(calls) == 1


def test_a_flaky_property_says_so(tmp_path: Path) -> None:
    spec = write(tmp_path / "spec", """
        from hypothesis import strategies as st
        from micrograd.spec import spec_property
        from micrograd.verdict import SpecFailure

        SEEN = set()

        @spec_property("add", x=st.integers(0, 10))
        def test_flaky(impl, x):
            if x not in SEEN:
                SEEN.add(x)
                raise SpecFailure("add", f"{x} failed once", "code")
    """)
    prop = _prop(spec)
    result = run_property(prop, Limit(0), chosen=settings_for(prop, 20), seed=1)
    assert result.status == "failed" and result.flaky


def test_the_reference_failing_the_spec_stops_the_exam(tmp_path: Path) -> None:
    spec = write(tmp_path / "spec", SPEC.replace('getattr(impl, "limit", 10**7)', "-1"))
    with pytest.raises(ExamError, match="the reference fails test_fake::test_small"):
        make_exam(load_spec(spec), max_examples=5)


def test_profiles_do_not_inherit_the_one_loaded_when_they_are_registered() -> None:
    try:
        load_profile("grading")  # derandomized
        load_profile("dev")  # registers every profile again, with grading loaded
        assert not settings().derandomize and settings().max_examples == 50
    finally:
        load_profile()  # the session's own, from $HYPOTHESIS_PROFILE or $CI


# ----------------------------------------------------------------------------- the file


def test_every_value_of_the_kits_strategies_round_trips_through_json() -> None:
    values = [
        -0.0, 0.0, 1.5, math.inf, -math.inf, 3, True, None, "text", (1.0, (2, -0.0)), [math.inf, 1],
        Program((0.5, -0.0), (Op("add", (0, 1)),), (2,)),
        CrossEntropyProgram((1000.0, -990.0), 1),
        ChainProgram.repeating((0.5, -1.0), (("add", 1, 0.5), ("mul", 0, 0.5)), 7, 2.0),
    ]
    for value in values:
        text = json.dumps(encode_value(value), allow_nan=False)  # strict JSON: no NaN or Infinity literals
        back = decode_value(json.loads(text))
        assert repr(back) == repr(value) and type(back) is type(value)
        if isinstance(value, float):
            assert math.copysign(1, back) == math.copysign(1, value)
    nan = decode_value(json.loads(json.dumps(encode_value(math.nan))))
    assert isinstance(nan, float) and math.isnan(nan)
    chain = ChainProgram.repeating((0.5,), (("mul", 0, 1.1), ("mul", 0, 0.5)), 1000, 2.0)
    back = decode_value(encode_value(chain))
    assert back == chain and "for _ in range(1000)" in str(back)


def test_the_kit_exam_is_up_to_date_and_holds_every_property() -> None:
    """Fails when the spec, the strategies or the programs changed since the exam was made: run
    ``micrograd exam --out micrograd/spec/exam.json`` (and commit it)."""
    from micrograd.judge import KIT_EXAM, kit_exam

    exam = kit_exam(kit_spec())
    assert set(exam.entries) == {p.id for p in kit_spec()}
    assert exam.max_examples == 25 and exam.seed == 0 and exam.kit_version == micrograd.__version__
    text = KIT_EXAM.read_text()
    assert text == exam.to_text()  # one example per line, as written
    first = exam.entry(kit_spec()["test_add::test_addition_matches_the_oracle"])
    assert len(first.examples) == 25


@pytest.fixture(scope="module")
def small() -> Exam:
    spec = kit_spec()
    return make_exam(spec, [p.id for p in spec.select(["add", "deep", "cross_entropy"])], max_examples=3)


def test_an_exam_file_reads_back_as_written(small: Exam, tmp_path: Path) -> None:
    path = small.write(tmp_path / "exam.json")
    back = read_exam(path)
    assert back.digest == small.digest and back.source == str(path)
    assert {pid: [repr(e) for e in entry.examples] for pid, entry in back.entries.items()} == \
        {pid: [repr(e) for e in entry.examples] for pid, entry in small.entries.items()}
    back.check(kit_spec(), list(small.entries), 3)
    lines = path.read_text().splitlines()
    assert lines[0] == "{" and sum(1 for line in lines if '"$kind":"program"' in line) >= 3  # one example a line


@pytest.mark.parametrize("damage, problem", [
    (lambda text: text[: len(text) // 2], "not valid JSON"),
    (lambda text: text.replace('"leaves":[', '"leaves":[1.25,', 1), "does not match its digest"),
    (lambda text: text.replace('"hypothesis": "', '"hypothesis": "1', 1), "does not match its digest"),
    (lambda text: text.replace('"format": 1', '"format": 2'), "format 2 is not this kit's"),
    (lambda text: "[1, 2]", "not an exam"),
    (lambda text: text.replace('"seed": 0,', '"seed": "zero",', 1), "seed must be a whole number"),
    (lambda text: text.replace('"seeds":[', '"seeds":[NaN,', 1), "not valid JSON"),
    (lambda text: text.encode()[:10] + b"\xff" + text.encode()[10:], "cannot be read"),
])
def test_a_damaged_exam_is_refused_naming_the_file_and_the_problem(small: Exam, tmp_path: Path, damage: Any,
                                                                   problem: str) -> None:
    path = tmp_path / "exam.json"
    damaged = damage(small.to_text())
    path.write_bytes(damaged if isinstance(damaged, bytes) else damaged.encode())
    with pytest.raises(ExamError, match=problem) as refused:
        read_exam(path)
    assert str(path) in str(refused.value)


def test_an_exam_for_another_kit_spec_or_rubric_is_refused(small: Exam, tmp_path: Path) -> None:
    other_kit = Exam("0.0.1", small.spec, small.hypothesis, 3, 0, small.entries)
    with pytest.raises(ExamError, match=r"made by micrograd-kit 0\.0\.1"):
        other_kit.check(kit_spec())
    with pytest.raises(ExamError, match="another spec"):
        small.check(load_spec(Path(__file__).parents[1] / "check" / "fake_spec"))
    with pytest.raises(ExamError, match="no examples for test_mul::test_multiplication_matches_the_oracle"):
        small.check(kit_spec(), ["test_mul::test_multiplication_matches_the_oracle"])
    with pytest.raises(ExamError, match="holds 3 examples per property, the rubric asks for 25"):
        small.check(kit_spec(), max_examples=25)
    bad_kind = json.loads(small.to_text())
    first = next(iter(bad_kind["properties"].values()))
    first["examples"][0] = {"program": {"$kind": "os.system", "value": "rm -rf /"}}
    from micrograd.judge._exam import _digest, exam_from_data

    bad_kind["digest"] = _digest({k: v for k, v in bad_kind.items() if k not in ("format", "digest")})  # a forger
    forged = exam_from_data(bad_kind, "forged.json")  # the digest holds: read, its examples built when asked
    with pytest.raises(ExamError, match=r"forged\.json: .*unknown request kind 'os\.system'"):
        forged.build()


def test_a_missing_or_huge_exam_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ExamError, match="cannot be read"):
        read_exam(tmp_path / "nowhere.json")
    import micrograd.judge._exam as exam_module

    (tmp_path / "big.json").write_text(" " * 2000)
    monkeypatch.setattr(exam_module, "MAX_EXAM_BYTES", 1000)
    with pytest.raises(ExamError, match="more than an exam can be"):
        read_exam(tmp_path / "big.json")
