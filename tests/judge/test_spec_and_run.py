"""The spec as data (micrograd.spec) and one property run by the judge (micrograd.judge.run_property), as check and the
autograder run it: through Hypothesis's public API, never through pytest."""

from __future__ import annotations

import signal
import textwrap
import threading
from pathlib import Path
from typing import Any, Dict

import pytest

from micrograd.impl import LocalEvaluator, exercises_dir, reference_dir
from micrograd.judge import PropertyResult, property_seed, run_property, settings_for
from micrograd.oracles import get_oracle
from micrograd.program import Outcome
from micrograd.spec import Property, SpecError, kit_spec, load_spec
from micrograd.verdict import SpecFailure

FAKE_SPEC = Path(__file__).parents[1] / "check" / "fake_spec"

HEADER = """\
from hypothesis import strategies as st
from micrograd.spec import skip, spec_property
from micrograd.verdict import SpecFailure
"""


def write_spec(directory: Path, files: Dict[str, str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, source in files.items():
        (directory / name).write_text(HEADER + textwrap.dedent(source))
    return directory


def only(directory: Path) -> Property:
    (prop,) = load_spec(directory)
    return prop


def drawn(prop: Property, impl: Any, oracle: Any = None, **options: Any) -> PropertyResult:
    """``prop`` run on examples Hypothesis draws (30, the property's own seed)."""
    return run_property(prop, impl, oracle, chosen=settings_for(prop, 30), seed=property_seed(prop), **options)


@pytest.fixture(scope="module")
def reference() -> LocalEvaluator:
    return LocalEvaluator(reference_dir())


@pytest.fixture(scope="module")
def fd() -> Any:
    return get_oracle("fd")


# ----------------------------------------------------------------------------- the spec as data


def test_loads_declared_properties_in_exercises_order_without_the_conftest() -> None:
    # the fake spec's conftest.py raises if imported; test_aa_backward.py sorts first but its exercises come last
    props = list(load_spec(FAKE_SPEC))
    assert [(p.exercise, p.name) for p in props] == [
        ("add", "test_add_matches_oracle"),
        ("add", "test_add_to_itself"),
        ("mul", "test_mul_matches_oracle"),
        ("relu", "test_relu_matches_oracle"),
        ("backward", "test_backward_seeds_the_root_with_one"),
        ("accumulation", "test_always_skipped"),
    ]
    assert [p.needs_oracle for p in props] == [True, True, True, True, False, False]
    assert props[0].group == "test_ops" and props[0].id == "test_ops::test_add_matches_oracle"
    assert props[-1].skip == "skipped on purpose" and props[0].skip is None


def test_the_kit_spec_keeps_its_ids_and_every_exercise_has_a_property() -> None:
    spec = kit_spec()
    assert spec["test_add::test_addition_matches_the_oracle"].exercise == "add"
    assert {p.exercise for p in spec} == set(__import__("micrograd.verdict").verdict.EXERCISES)
    relu_zero = spec["test_relu::test_relu_gradient_at_zero_is_zero"]
    assert relu_zero.oracles == ("exact", "torch", "jax") and relu_zero.needs_oracle
    assert spec["test_accumulation::test_every_backward_adds_to_the_grad_already_there"].needs == ()
    deep = spec["test_deep::test_deep_chain_backpropagates_without_recursion_error"]
    assert [deep.examples_out_of(count) for count in (2, 5, 8, 25)] == [2, 2, 4, 4]  # 2000 nodes each: a few


def test_keeps_only_the_chosen_exercises_and_checks_their_names() -> None:
    assert [p.name for p in load_spec(FAKE_SPEC).select(["mul", "backward"])] == [
        "test_mul_matches_oracle",
        "test_backward_seeds_the_root_with_one",
    ]
    with pytest.raises(ValueError, match="unknown exercise 'mull'"):
        load_spec(FAKE_SPEC).select(["mull"])


def test_loading_twice_imports_the_files_again() -> None:
    first, second = next(iter(load_spec(FAKE_SPEC))), next(iter(load_spec(FAKE_SPEC)))
    assert first.body is not second.body


def test_relative_imports_and_explicit_examples_work(tmp_path: Path, reference: LocalEvaluator) -> None:
    spec = write_spec(tmp_path, {
        "_shared.py": "VALUE = 3\n",
        "test_relative.py": """
            from ._shared import VALUE

            @spec_property("tanh", examples=[{"x": VALUE}], x=st.just(VALUE))
            def test_uses_shared(impl, x):
                assert x == 3
        """,
    })
    prop = only(spec)
    assert (prop.exercise, prop.name, prop.needs_oracle, prop.examples) == ("tanh", "test_uses_shared", False,
                                                                             ({"x": 3},))
    assert drawn(prop, reference).status == "passed"


def test_helpers_of_the_same_name_in_two_spec_directories_are_kept_apart(tmp_path: Path,
                                                                         reference: LocalEvaluator) -> None:
    def spec_with_helper(name: str, value: int) -> Path:
        return write_spec(tmp_path / name, {
            "_helpers.py": f"VALUE = {value}\n",
            "test_it.py": f"""
                from _helpers import VALUE

                @spec_property("exp", x=st.just(1))
                def test_value(impl, x):
                    if VALUE != {value}:
                        raise SpecFailure("exp", f"got the helper of another spec: VALUE = {{VALUE}}")
            """,
        })

    first, second = spec_with_helper("one", 1), spec_with_helper("two", 2)
    for spec in (first, second, first):
        assert drawn(only(spec), reference).status == "passed"


def test_a_missing_spec_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="does not exist"):
        load_spec(tmp_path / "nowhere")


def test_a_spec_file_that_fails_to_import_is_named(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, {"test_broken.py": "import no_such_module_here\n"})
    with pytest.raises(SpecError, match=r"test_broken\.py failed: ModuleNotFoundError"):
        load_spec(spec)


def test_a_spec_file_that_skips_itself_is_left_out(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, {
        "test_needs_missing.py": """
            skip("needs a package that is not installed")

            @spec_property("add", x=st.just(1))
            def test_never(impl, x):
                pass
        """,
        "test_kept.py": """
            @spec_property("mul", x=st.just(1))
            def test_kept(impl, x):
                pass
        """,
    })
    assert [p.name for p in load_spec(spec)] == ["test_kept"]


def test_a_property_breaking_the_argument_contract_is_named(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, {"test_fixture.py": """
        @spec_property("add", x=st.just(1))
        def test_wants_a_fixture(impl, tmp_path, x):
            pass
    """})
    with pytest.raises(SpecError, match=r"test_wants_a_fixture takes \(impl, tmp_path, x\)"):
        load_spec(spec)


def test_a_misspelled_exercise_is_named(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, {"test_typo.py": """
        @spec_property("ad", x=st.just(1))
        def test_typo(impl, x):
            pass
    """})
    with pytest.raises(SpecError, match=r"test_typo.*unknown exercise 'ad'"):
        load_spec(spec)


def test_a_directory_without_properties_is_refused(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, {"test_nothing.py": "def test_plain(impl):\n    pass\n"})
    with pytest.raises(SpecError, match="declares no property"):
        load_spec(spec)


# ----------------------------------------------------------------------------- running


def test_a_passing_property_reports_how_many_examples_ran(reference: LocalEvaluator, fd: Any) -> None:
    result = drawn(next(iter(load_spec(FAKE_SPEC))), reference, fd)
    assert (result.status, result.failure, result.summary) == ("passed", None, "")
    assert result.examples is not None and result.examples >= 10
    assert result.seconds > 0
    assert result.to_dict()["status"] == "passed"


def test_a_stub_fails_with_its_not_implemented_error(fd: Any, capsys: pytest.CaptureFixture) -> None:
    result = drawn(next(iter(load_spec(FAKE_SPEC))), LocalEvaluator(exercises_dir()), fd)
    assert result.status == "failed" and result.not_implemented
    assert isinstance(result.failure, SpecFailure) and result.failure.exercise == "add"
    assert result.raised is not None and result.raised.message.startswith("Value.__add__")
    assert "Value(" in result.code
    assert result.to_dict()["raised"]["type"] == "NotImplementedError"
    # Hypothesis's own report went into the result, not to the terminal
    assert "Falsifying example" in result.report or "run(" in result.report
    assert capsys.readouterr() == ("", "")


def test_nothing_the_implementation_prints_reaches_the_terminal(tmp_path: Path, reference: LocalEvaluator,
                                                               capsys: pytest.CaptureFixture) -> None:
    class Chatty:
        name = "chatty"

        def evaluate(self, request: Any) -> Any:
            print("debug print from a student")
            return reference.evaluate(request)

    spec = write_spec(tmp_path, {"test_print.py": """
        from micrograd.program import Program

        @spec_property("add", x=st.floats(-1, 1))
        def test_evaluates(impl, x):
            impl.evaluate(Program((x,)))
    """})
    result = drawn(only(spec), Chatty())
    assert result.status == "passed"
    assert "debug print from a student" in result.output
    assert capsys.readouterr() == ("", "")


def test_an_exception_other_than_spec_failure_is_an_error(tmp_path: Path, reference: LocalEvaluator) -> None:
    spec = write_spec(tmp_path, {"test_bug.py": """
        @spec_property("add", x=st.integers())
        def test_spec_bug(impl, x):
            raise KeyError("a bug in the spec")
    """})
    result = drawn(only(spec), reference)
    assert result.status == "error" and result.failure is None
    assert "KeyError" in result.summary and "a bug in the spec" in result.summary


def test_several_distinct_failures_still_give_the_first_spec_failure(tmp_path: Path,
                                                                    reference: LocalEvaluator) -> None:
    spec = write_spec(tmp_path, {"test_two_bugs.py": """
        @spec_property("mul", x=st.integers(0, 100))
        def test_two_bugs(impl, x):
            if x % 2:
                raise SpecFailure("mul", "odd")
            raise SpecFailure("mul", "even")
    """})
    result = drawn(only(spec), reference)
    assert result.status == "failed"
    assert result.failure is not None and result.failure.summary in ("odd", "even")


def test_warnings_are_recorded_not_raised(tmp_path: Path, reference: LocalEvaluator) -> None:
    # pytest here turns warnings into errors; a property's warning must not become its verdict
    spec = write_spec(tmp_path, {"test_warns.py": """
        import warnings

        @spec_property("log", x=st.integers())
        def test_warns(impl, x):
            warnings.warn("noisy student code", RuntimeWarning, stacklevel=1)
    """})
    result = drawn(only(spec), reference)
    assert result.status == "passed"
    assert "RuntimeWarning: noisy student code" in result.report


def test_a_property_needing_an_oracle_without_one_is_an_error(reference: LocalEvaluator) -> None:
    prop = load_spec(FAKE_SPEC).select(["mul"])[0]
    result = drawn(prop, reference, None)
    assert result.status == "error" and "needs an oracle" in result.summary


def test_skips_are_reported_with_their_reason(tmp_path: Path, reference: LocalEvaluator) -> None:
    spec = write_spec(tmp_path, {"test_skips.py": """
        @spec_property("exp", x=st.integers())
        def test_skips_inside(impl, x):
            skip("no torch here")
    """})
    result = drawn(only(spec), reference)
    assert (result.status, result.summary) == ("skipped", "no torch here")
    marked = load_spec(FAKE_SPEC).select(["accumulation"])[0]
    assert drawn(marked, reference).status == "skipped"


def test_an_oracle_outside_those_that_may_judge_skips_the_property(tmp_path: Path, reference: LocalEvaluator,
                                                                  fd: Any) -> None:
    spec = write_spec(tmp_path, {"test_kink.py": """
        @spec_property("relu", oracles=("torch", "jax"), x=st.just(0.0))
        def test_at_the_kink(impl, oracle, x):
            pass
    """})
    result = drawn(only(spec), reference, fd)
    assert result.status == "skipped" and "only the torch or jax oracle can judge it" in result.summary


class Stuck:
    """An evaluator whose implementation never returns."""

    name = "stuck"

    def evaluate(self, request: Any) -> Outcome:
        while True:
            pass


def test_an_infinite_loop_is_a_timeout_and_an_outer_timer_survives(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, {"test_loop.py": """
        from micrograd.program import Program

        @spec_property("backward", x=st.floats(-1, 1))
        def test_evaluates(impl, x):
            impl.evaluate(Program((x,)))
    """})
    fired = []
    outer = signal.signal(signal.SIGALRM, lambda *args: fired.append(True))
    signal.setitimer(signal.ITIMER_REAL, 60.0)
    try:
        result = drawn(only(spec), Stuck(), timeout=0.5)
        left, _ = signal.getitimer(signal.ITIMER_REAL)
        handler = signal.getsignal(signal.SIGALRM)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, outer)
    assert result.status == "timeout" and "0.5 s" in result.summary
    assert 0 < left <= 60.0 and not fired
    assert handler is not None and handler not in (signal.SIG_DFL, signal.SIG_IGN)


def test_the_time_limit_needs_the_main_thread(reference: LocalEvaluator, fd: Any) -> None:
    # elsewhere SIGALRM cannot be used: the property runs without a limit instead of crashing
    results = []
    prop = load_spec(FAKE_SPEC).select(["mul"])[0]
    thread = threading.Thread(target=lambda: results.append(drawn(prop, reference, fd, timeout=30)))
    thread.start()
    thread.join()
    assert results[0].status == "passed"


def test_a_bad_timeout_or_nothing_to_run_is_refused() -> None:
    prop = load_spec(FAKE_SPEC).select(["mul"])[0]
    with pytest.raises(ValueError, match="timeout"):
        run_property(prop, None, None, timeout=0)
    assert run_property(prop, None, get_oracle("fd")).status == "error"  # neither examples nor settings
