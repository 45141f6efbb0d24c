"""collect_properties and run_property: the spec run without pytest, as check and the autograder run it."""

from __future__ import annotations

import signal
import textwrap
import threading
from pathlib import Path
from typing import Dict

import pytest

from micrograd.impl import LocalEvaluator, exercises_dir, reference_dir
from micrograd.oracles import get_oracle
from micrograd.program import Outcome
from micrograd.testing import Property, SpecCollectionError, collect_properties, run_property
from micrograd.verdict import SpecFailure

FAKE_SPEC = Path(__file__).parent / "fake_spec"

HEADER = """\
import pytest
from hypothesis import given, strategies as st
from micrograd.verdict import SpecFailure
"""


def write_spec(directory: Path, files: Dict[str, str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, source in files.items():
        (directory / name).write_text(HEADER + textwrap.dedent(source))
    return directory


def only(directory: Path) -> Property:
    (prop,) = collect_properties(directory)
    return prop


@pytest.fixture(scope="module")
def reference():
    return LocalEvaluator(reference_dir())


@pytest.fixture(scope="module")
def fd():
    return get_oracle("fd")


# ----------------------------------------------------------------------------- collecting


def test_collects_marked_properties_in_exercises_order_without_the_conftest():
    # the fake spec's conftest.py raises if imported; test_aa_backward.py sorts first but its exercises come last
    props = collect_properties(FAKE_SPEC)
    assert [(p.exercise, p.name) for p in props] == [
        ("add", "test_add_matches_oracle"),
        ("add", "test_add_to_itself"),
        ("mul", "test_mul_matches_oracle"),
        ("relu", "test_relu_matches_oracle"),
        ("backward", "test_backward_seeds_the_root_with_one"),
        ("accumulation", "test_always_skipped"),
    ]
    assert [p.needs_oracle for p in props] == [True, True, True, True, False, False]
    assert props[0].module == "test_ops" and props[0].id == "test_ops::test_add_matches_oracle"
    assert props[-1].skip == "skipped on purpose" and props[0].skip is None


def test_keeps_only_the_chosen_exercises_and_checks_their_names():
    assert [p.name for p in collect_properties(FAKE_SPEC, exercises=["mul", "backward"])] == [
        "test_mul_matches_oracle",
        "test_backward_seeds_the_root_with_one",
    ]
    with pytest.raises(ValueError, match="unknown exercise 'mull'"):
        collect_properties(FAKE_SPEC, exercises=["mull"])


def test_collecting_twice_imports_the_files_again():
    first, second = collect_properties(FAKE_SPEC)[0], collect_properties(FAKE_SPEC)[0]
    assert first.function is not second.function


def test_module_level_marks_and_relative_imports_work(tmp_path):
    spec = write_spec(
        tmp_path,
        {
            "_shared.py": "VALUE = 3\n",
            "test_marked_module.py": """
                from ._shared import VALUE
                pytestmark = pytest.mark.exercise("tanh")

                @given(st.just(VALUE))
                def test_uses_shared(impl, x):
                    assert x == 3
            """,
        },
    )
    prop = only(spec)
    assert (prop.exercise, prop.name, prop.needs_oracle) == ("tanh", "test_uses_shared", False)


def test_helpers_of_the_same_name_in_two_spec_directories_are_kept_apart(tmp_path, reference):
    def spec_with_helper(name: str, value: int) -> Path:
        return write_spec(
            tmp_path / name,
            {
                "_helpers.py": f"VALUE = {value}\n",
                "test_it.py": f"""
                    from _helpers import VALUE

                    @pytest.mark.exercise("exp")
                    @given(st.just(1))
                    def test_value(impl, x):
                        if VALUE != {value}:
                            raise SpecFailure("exp", f"got the helper of another spec: VALUE = {{VALUE}}")
                """,
            },
        )

    first, second = spec_with_helper("one", 1), spec_with_helper("two", 2)
    for spec in (first, second, first):
        assert run_property(only(spec), reference).status == "passed"


def test_an_oracle_parametrize_mark_names_the_only_oracles_that_judge(tmp_path):
    spec = write_spec(
        tmp_path,
        {
            "test_kink.py": """
                @pytest.mark.exercise("relu")
                @pytest.mark.parametrize("oracle", ["torch", pytest.param("jax")], indirect=True)
                @given(st.just(0.0))
                def test_at_the_kink(impl, oracle, x):
                    pass
            """
        },
    )
    assert only(spec).oracles == ("torch", "jax")
    assert collect_properties(FAKE_SPEC)[0].oracles is None


def test_a_missing_spec_directory_is_a_clear_error(tmp_path):
    with pytest.raises(SpecCollectionError, match="does not exist"):
        collect_properties(tmp_path / "nowhere")


def test_a_spec_file_that_fails_to_import_is_named(tmp_path):
    spec = write_spec(tmp_path, {"test_broken.py": "import no_such_module_here\n"})
    with pytest.raises(SpecCollectionError, match=r"test_broken\.py failed: ModuleNotFoundError"):
        collect_properties(spec)


def test_a_spec_file_skipped_at_import_is_left_out(tmp_path):
    spec = write_spec(
        tmp_path,
        {
            "test_needs_missing.py": """
                pytest.importorskip("no_such_module_here")

                @pytest.mark.exercise("add")
                @given(st.just(1))
                def test_never(impl, x):
                    pass
            """,
            "test_kept.py": """
                @pytest.mark.exercise("mul")
                @given(st.just(1))
                def test_kept(impl, x):
                    pass
            """,
        },
    )
    assert [p.name for p in collect_properties(spec)] == ["test_kept"]


def test_a_property_breaking_the_argument_contract_is_named(tmp_path):
    spec = write_spec(
        tmp_path,
        {
            "test_fixture.py": """
                @pytest.mark.exercise("add")
                @given(st.just(1))
                def test_wants_a_fixture(impl, tmp_path, x):
                    pass
            """
        },
    )
    with pytest.raises(SpecCollectionError, match=r"test_wants_a_fixture takes impl, tmp_path"):
        collect_properties(spec)


def test_a_misspelled_exercise_mark_is_named(tmp_path):
    spec = write_spec(
        tmp_path,
        {
            "test_typo.py": """
                @pytest.mark.exercise("ad")
                @given(st.just(1))
                def test_typo(impl, x):
                    pass
            """
        },
    )
    with pytest.raises(SpecCollectionError, match=r"test_typo.*unknown exercise 'ad'"):
        collect_properties(spec)


# ----------------------------------------------------------------------------- running


def test_a_passing_property_reports_how_many_examples_ran(reference, fd):
    result = run_property(collect_properties(FAKE_SPEC)[0], reference, fd)
    assert (result.status, result.failure, result.message) == ("passed", None, "")
    assert result.examples is not None and result.examples >= 10
    assert result.duration > 0
    assert result.to_dict()["status"] == "passed"


def test_a_stub_fails_with_its_not_implemented_error(fd, capsys):
    result = run_property(collect_properties(FAKE_SPEC)[0], LocalEvaluator(exercises_dir()), fd)
    assert result.status == "failed" and result.not_implemented
    assert isinstance(result.failure, SpecFailure) and result.failure.exercise == "add"
    assert result.failure.failure is not None and result.failure.failure.message.startswith("Value.__add__")
    assert "Value(" in result.failure.code
    assert result.to_dict()["failure"]["failure"]["type"] == "NotImplementedError"
    # Hypothesis's own report went into the result, not to the terminal
    assert "Falsifying example" in result.report or "test_add_matches_oracle" in result.report
    assert capsys.readouterr() == ("", "")


def test_nothing_the_implementation_prints_reaches_the_terminal(tmp_path, reference, capsys):
    class Chatty:
        name = "chatty"

        def evaluate(self, request):
            print("debug print from a student")
            return reference.evaluate(request)

    spec = write_spec(
        tmp_path,
        {
            "test_print.py": """
                from micrograd.program import Program
                @pytest.mark.exercise("add")
                @given(st.floats(-1, 1))
                def test_evaluates(impl, x):
                    impl.evaluate(Program((x,)))
            """
        },
    )
    result = run_property(only(spec), Chatty())
    assert result.status == "passed"
    assert "debug print from a student" in result.output
    assert capsys.readouterr() == ("", "")


def test_an_exception_other_than_spec_failure_is_an_error(tmp_path, reference):
    spec = write_spec(
        tmp_path,
        {
            "test_bug.py": """
                @pytest.mark.exercise("add")
                @given(st.integers())
                def test_spec_bug(impl, x):
                    raise KeyError("a bug in the spec")
            """
        },
    )
    result = run_property(only(spec), reference)
    assert result.status == "error" and result.failure is None
    assert "KeyError" in result.message and "a bug in the spec" in result.message


def test_several_distinct_failures_still_give_the_first_spec_failure(tmp_path, reference):
    # two raise sites: Hypothesis reports both in an exception group
    spec = write_spec(
        tmp_path,
        {
            "test_two_bugs.py": """
                @pytest.mark.exercise("mul")
                @given(st.integers(0, 100))
                def test_two_bugs(impl, x):
                    if x % 2:
                        raise SpecFailure("mul", "odd")
                    raise SpecFailure("mul", "even")
            """
        },
    )
    result = run_property(only(spec), reference)
    assert result.status == "failed"
    assert result.failure is not None and result.failure.summary in ("odd", "even")


def test_warnings_are_recorded_not_raised(tmp_path, reference):
    # pytest here turns warnings into errors; a property's warning must not become its verdict
    spec = write_spec(
        tmp_path,
        {
            "test_warns.py": """
                import warnings
                @pytest.mark.exercise("log")
                @given(st.integers())
                def test_warns(impl, x):
                    warnings.warn("noisy student code", RuntimeWarning, stacklevel=1)
            """
        },
    )
    result = run_property(only(spec), reference)
    assert result.status == "passed"
    assert "RuntimeWarning: noisy student code" in result.report


def test_a_property_needing_an_oracle_without_one_is_an_error(reference):
    prop = collect_properties(FAKE_SPEC, exercises=["mul"])[0]
    result = run_property(prop, reference, None)
    assert result.status == "error" and "needs an oracle" in result.message


def test_skips_are_reported_with_their_reason(tmp_path, reference):
    spec = write_spec(
        tmp_path,
        {
            "test_skips.py": """
                @pytest.mark.exercise("exp")
                @given(st.integers())
                def test_skips_inside(impl, x):
                    pytest.skip("no torch here")
            """
        },
    )
    result = run_property(only(spec), reference)
    assert (result.status, result.message) == ("skipped", "no torch here")
    marked = collect_properties(FAKE_SPEC, exercises=["accumulation"])[0]
    assert run_property(marked, reference).status == "skipped"


class Stuck:
    """An evaluator whose implementation never returns."""

    name = "stuck"

    def evaluate(self, request) -> Outcome:
        while True:
            pass


def test_an_infinite_loop_is_a_timeout_and_an_outer_timer_survives(tmp_path):
    spec = write_spec(
        tmp_path,
        {
            "test_loop.py": """
                from micrograd.program import Program
                @pytest.mark.exercise("backward")
                @given(st.floats(-1, 1))
                def test_evaluates(impl, x):
                    impl.evaluate(Program((x,)))
            """
        },
    )
    fired = []
    outer = signal.signal(signal.SIGALRM, lambda *args: fired.append(True))
    signal.setitimer(signal.ITIMER_REAL, 60.0)
    try:
        result = run_property(only(spec), Stuck(), timeout=0.5)
        left, _ = signal.getitimer(signal.ITIMER_REAL)
        handler = signal.getsignal(signal.SIGALRM)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, outer)
    assert result.status == "timeout" and "0.5 s" in result.message
    assert 0 < left <= 60.0 and not fired
    assert handler is not None and handler not in (signal.SIG_DFL, signal.SIG_IGN)


def test_the_time_limit_needs_the_main_thread(reference, fd):
    # elsewhere SIGALRM cannot be used: the property runs without a limit instead of crashing
    results = []
    prop = collect_properties(FAKE_SPEC, exercises=["mul"])[0]
    thread = threading.Thread(target=lambda: results.append(run_property(prop, reference, fd, timeout=30)))
    thread.start()
    thread.join()
    assert results[0].status == "passed"


def test_a_bad_timeout_is_refused():
    prop = collect_properties(FAKE_SPEC, exercises=["mul"])[0]
    with pytest.raises(ValueError, match="timeout"):
        run_property(prop, None, None, timeout=0)
