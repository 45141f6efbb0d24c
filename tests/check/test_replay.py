"""Recorded examples (micrograd.testing.ReplayCache): a passing property's examples run again without
Hypothesis, with the same verdict; a failing one still gets Hypothesis's shrunk counterexample."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any, List

import pytest
from hypothesis import settings

from micrograd.impl import LocalEvaluator, reference_dir
from micrograd.testing import ReplayCache, collect_properties, load_profile, run_property

SPEC = """
    import pytest
    from hypothesis import given, strategies as st
    from micrograd.verdict import SpecFailure

    DRAWN = []

    @pytest.mark.exercise("add")
    @given(x=st.integers(0, 10**6).map(lambda x: DRAWN.append(x) or x))
    def test_small(impl, x):
        if x > impl.limit:
            raise SpecFailure("add", f"{x} is too big", "code", [("x", str(impl.limit), str(x))])
"""


class Limit:
    """An 'implementation' for the fake property: fails on examples above ``limit``."""

    name = "limit"

    def __init__(self, limit: int) -> None:
        self.limit = limit


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    directory = tmp_path / "spec"
    directory.mkdir()
    (directory / "test_replayed.py").write_text(textwrap.dedent(SPEC))
    return directory


@pytest.fixture
def ci() -> Any:
    previous = settings.get_current_profile_name()
    load_profile("ci")
    yield "ci"
    settings.load_profile(previous)


def _prop(spec: Path) -> Any:
    (prop,) = collect_properties(spec)
    return prop


def _drawn(prop: Any) -> List[int]:
    return prop.function.hypothesis.inner_test.__globals__["DRAWN"]


def test_a_passing_run_is_recorded_and_replayed_without_generating(spec: Path, ci: str, tmp_path: Path) -> None:
    prop = _prop(spec)
    cache = ReplayCache(spec, ci, tmp_path / "cache")
    first = run_property(prop, Limit(10**7), replay=cache)
    generated = len(_drawn(prop))
    assert first.status == "passed" and generated >= 100 and cache.get(prop) is not None
    cache.save()
    again = ReplayCache(spec, ci, tmp_path / "cache")  # from disk
    second = run_property(prop, Limit(10**7), replay=again)
    assert second.status == "passed" and second.examples == len(cache.get(prop) or [])
    assert len(_drawn(prop)) == generated  # nothing generated the second time


def test_a_failure_on_replay_gets_the_same_shrunk_counterexample_as_without_replay(spec: Path, ci: str,
                                                                                   tmp_path: Path) -> None:
    prop = _prop(spec)
    cache = ReplayCache(spec, ci, None)
    assert run_property(prop, Limit(10**7), replay=cache).status == "passed"
    with_replay = run_property(prop, Limit(1000), replay=cache)
    without = run_property(_prop(spec), Limit(1000))
    assert with_replay.status == without.status == "failed"
    assert with_replay.failure is not None and without.failure is not None
    assert with_replay.failure.summary == without.failure.summary == "1001 is too big"  # shrunk to the edge


def test_a_replayed_failure_hypothesis_does_not_meet_again_is_still_reported(spec: Path, ci: str) -> None:
    prop = _prop(spec)
    cache = ReplayCache(spec, ci, None)
    cache.put(prop, [{"x": 5}, {"x": 999_999_999}])  # an example Hypothesis would not draw (above 10**6)
    result = run_property(prop, Limit(10**7), replay=cache)
    assert result.status == "failed" and result.failure is not None
    assert result.failure.summary == "999999999 is too big"


def test_a_random_profile_is_not_replayed(spec: Path) -> None:
    previous = settings.get_current_profile_name()
    load_profile("dev")
    try:
        prop = _prop(spec)
        cache = ReplayCache(spec, "dev", None)
        assert not cache.usable
        run_property(prop, Limit(10**7), replay=cache)
        assert cache.get(prop) is None
    finally:
        settings.load_profile(previous)


def test_a_changed_spec_or_an_unreadable_file_starts_afresh(spec: Path, ci: str, tmp_path: Path) -> None:
    prop = _prop(spec)
    cache = ReplayCache(spec, ci, tmp_path / "cache")
    run_property(prop, Limit(10**7), replay=cache)
    cache.save()
    assert cache.file is not None and cache.file.is_file()
    (spec / "test_replayed.py").write_text((spec / "test_replayed.py").read_text() + "\n# changed\n")
    changed = ReplayCache(spec, ci, tmp_path / "cache")
    assert changed.file != cache.file and changed.get(prop) is None
    run_property(prop, Limit(10**7), replay=changed)
    changed.save()
    assert changed.file is not None and ReplayCache(spec, ci, tmp_path / "cache").get(prop) is not None
    changed.file.write_bytes(b"not a pickle")
    assert ReplayCache(spec, ci, tmp_path / "cache").get(prop) is None


def test_the_real_spec_replays_to_the_same_verdicts(tmp_path: Path, ci: str) -> None:
    from micrograd._paths import spec_dir

    properties = [p for p in collect_properties(spec_dir(), exercises=["add", "mul"])]
    cache = ReplayCache(spec_dir(), ci, None)
    evaluator = LocalEvaluator(reference_dir())
    fresh = [run_property(p, evaluator, _exact(), replay=cache) for p in properties]
    replayed = [run_property(p, evaluator, _exact(), replay=cache) for p in properties]
    assert [r.status for r in fresh] == [r.status for r in replayed] == ["passed"] * len(properties)
    assert [r.examples for r in replayed] == [len(cache.get(p) or []) for p in properties]


def _exact() -> Any:
    from micrograd.oracles import get_oracle

    return get_oracle("exact")


def test_a_stub_met_on_replay_is_reported_without_running_hypothesis(spec: Path, ci: str) -> None:
    from micrograd.impl import exercises_dir

    (spec / "test_replayed.py").write_text(textwrap.dedent("""
        import pytest
        from hypothesis import given, strategies as st
        from micrograd.program import Op, Program
        from micrograd.verdict import check_program

        CALLS = []

        @pytest.mark.exercise("add")
        @given(x=st.floats(-2, 2))
        def test_add(impl, oracle, x):
            CALLS.append(x)
            check_program(impl, oracle, Program((x, 1.0), (Op("add", (0, 1)),), (2,)), exercise="add")
    """))
    prop = _prop(spec)
    cache = ReplayCache(spec, ci, None)
    assert run_property(prop, LocalEvaluator(reference_dir()), _exact(), replay=cache).status == "passed"
    calls = prop.function.hypothesis.inner_test.__globals__["CALLS"]
    calls.clear()
    result = run_property(prop, LocalEvaluator(exercises_dir()), _exact(), replay=cache)
    assert result.status == "failed" and result.not_implemented
    assert len(calls) == 1  # the first recorded example: no generation, no shrinking


def test_a_stub_is_shrunk_when_asked_as_without_replay(spec: Path, ci: str) -> None:
    from micrograd.impl import exercises_dir

    (spec / "test_replayed.py").write_text(textwrap.dedent("""
        import pytest
        from hypothesis import given, strategies as st
        from micrograd.program import Op, Program
        from micrograd.verdict import check_program

        @pytest.mark.exercise("add")
        @given(x=st.floats(-2, 2))
        def test_add(impl, oracle, x):
            check_program(impl, oracle, Program((x, 1.0), (Op("add", (0, 1)),), (2,)), exercise="add")
    """))
    prop = _prop(spec)
    cache = ReplayCache(spec, ci, None)
    assert run_property(prop, LocalEvaluator(reference_dir()), _exact(), replay=cache).status == "passed"
    stubs = LocalEvaluator(exercises_dir())
    shrunk = run_property(prop, stubs, _exact(), replay=cache, shrink_stubs=True)
    without = run_property(prop, stubs, _exact())
    assert shrunk.status == without.status == "failed" and shrunk.failure is not None and without.failure is not None
    assert shrunk.failure.code == without.failure.code and "Value(0.0)" in shrunk.failure.code  # shrunk to 0


NOT_SHRUNK = """
    import pytest
    from hypothesis import Phase, given, settings, strategies as st
    from micrograd.verdict import SpecFailure

    CALLS = []

    @pytest.mark.exercise("add")
    @settings(phases=[Phase.explicit, Phase.generate])
    @given(x=st.integers(0, 10**6))
    def test_small(impl, x):
        CALLS.append(x)
        if x > impl.limit:
            raise SpecFailure("add", f"{x} is too big", "code", [("x", str(impl.limit), str(x))])
"""


def test_a_property_that_is_not_shrunk_reports_the_first_failing_recorded_example_as_hypothesis_does(
        spec: Path, ci: str) -> None:
    (spec / "test_replayed.py").write_text(textwrap.dedent(NOT_SHRUNK))
    prop = _prop(spec)
    cache = ReplayCache(spec, ci, None)
    assert run_property(prop, Limit(10**7), replay=cache).status == "passed"
    recorded = [example["x"] for example in cache.get(prop) or []]
    limit = sorted(recorded)[len(recorded) // 2]
    calls = prop.function.hypothesis.inner_test.__globals__["CALLS"]
    calls.clear()
    replayed = run_property(prop, Limit(limit), replay=cache)
    assert calls == recorded[: len(calls)] and calls[-1] > limit  # the recorded examples, up to the first failure
    without = run_property(prop, Limit(limit))  # Hypothesis generates them again and stops at the same one
    assert replayed.failure is not None and without.failure is not None
    assert replayed.failure.summary == without.failure.summary == f"{calls[-1]} is too big"


class Aborted(BaseException):
    """What the grader raises to stop a property at once (a hung child): not a failure."""


def test_a_base_exception_from_a_replayed_example_is_not_handed_to_hypothesis(spec: Path, ci: str) -> None:
    (spec / "test_replayed.py").write_text(textwrap.dedent(NOT_SHRUNK.replace(
        "        CALLS.append(x)\n", "        CALLS.append(x)\n        impl.check(x)\n")))
    prop = _prop(spec)
    cache = ReplayCache(spec, ci, None)
    passing = Limit(10**7)
    passing.check = lambda x: None  # type: ignore[attr-defined]
    assert run_property(prop, passing, replay=cache).status == "passed"
    calls = prop.function.hypothesis.inner_test.__globals__["CALLS"]
    calls.clear()
    stopping = Limit(10**7)

    def check(x: int) -> None:
        raise Aborted()

    stopping.check = check  # type: ignore[attr-defined]
    result = run_property(prop, stopping, replay=cache)
    assert result.status == "error" and "Aborted" in result.message
    assert len(calls) == 1  # Hypothesis did not run the property again


def test_a_flaky_property_says_so(spec: Path, ci: str) -> None:
    (spec / "test_replayed.py").write_text(textwrap.dedent("""
        import pytest
        from hypothesis import given, strategies as st
        from micrograd.verdict import SpecFailure

        SEEN = set()

        @pytest.mark.exercise("add")
        @given(x=st.integers(0, 10))
        def test_flaky(impl, x):
            if x not in SEEN:
                SEEN.add(x)
                raise SpecFailure("add", f"{x} failed once", "code")
    """))
    result = run_property(_prop(spec), Limit(0))
    assert result.status == "failed" and result.flaky


def test_recorded_examples_go_from_one_cache_to_another(spec: Path, ci: str) -> None:
    prop = _prop(spec)
    first = ReplayCache(spec, ci, None)
    assert run_property(prop, Limit(10**7), replay=first).status == "passed"
    second = ReplayCache(spec, ci, None)
    second.update(first.recorded())
    assert second.get(prop) == first.get(prop) and second.get(prop)
    drawn = len(_drawn(prop))
    assert run_property(prop, Limit(10**7), replay=second).status == "passed"
    assert len(_drawn(prop)) == drawn


def test_the_recorded_examples_are_those_hypothesis_generates_without_recording(spec: Path, ci: str) -> None:
    prop = _prop(spec)
    cache = ReplayCache(spec, ci, None)
    assert run_property(prop, Limit(10**7), replay=cache).status == "passed"
    recorded = [example["x"] for example in cache.get(prop) or []]
    drawn = _drawn(prop)
    drawn.clear()
    assert run_property(prop, Limit(10**7)).status == "passed"  # no cache: Hypothesis as in pytest
    assert drawn == recorded and len(set(recorded)) > 50


def test_profiles_do_not_inherit_the_one_loaded_when_they_are_registered() -> None:
    previous = settings.get_current_profile_name()
    try:
        load_profile("grading")  # derandomized
        load_profile("dev")  # registers every profile again, with grading loaded
        assert not settings().derandomize and settings().max_examples == 50
    finally:
        settings.load_profile(previous)
