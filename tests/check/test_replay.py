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
