"""The catalogue of student-bug mutants: well-formed, applicable to the reference, materializable."""

from __future__ import annotations

import ast
import collections
from pathlib import Path

import pytest

from micrograd.impl import load_implementation, reference_dir
from micrograd.mutants import CATALOGUE, FILES, Mutant, MutantError, mutant, mutate, write_mutant
from micrograd.mutants._command import TABLE_END, TABLE_START, catalogue_table, write_docs
from micrograd.verdict import EXERCISES

MUTANTS = list(CATALOGUE.values())


def test_catalogue_has_at_least_40_mutants_covering_every_exercise_but_training():
    """``training`` is the integration exercise: its student code is the union of the nn exercises'.
    Its one specific candidate (weights initialized to 0) is outside the student's code and the spec
    sets every parameter from given numbers, so no mutant can be caught by training alone."""
    assert len(MUTANTS) >= 40
    covered = collections.Counter(m.exercise for m in MUTANTS)
    assert set(covered) == set(EXERCISES) - {"training"}, f"without a mutant: {set(EXERCISES) - set(covered)}"
    assert min(covered.values()) >= 1


def test_names_hints_and_misconceptions_are_distinct_enough_to_read():
    for m in MUTANTS:
        assert m.name.isidentifier(), m.name
        assert m.hint and "\n" not in m.hint and len(m.hint) <= 120, m.name
        assert m.misconception and "\n" not in m.misconception, m.name
        assert m.feedback and "\n" not in m.feedback, m.name
    edits = collections.Counter((m.file, m.old, m.new) for m in MUTANTS)
    assert max(edits.values()) == 1, [e for e, n in edits.items() if n > 1]


@pytest.mark.parametrize("m", MUTANTS, ids=lambda m: m.name)
def test_each_mutant_applies_once_and_stays_valid_python(m: Mutant):
    source = (reference_dir() / m.file).read_text(encoding="utf-8")
    mutated = mutate(m)
    assert mutated != source
    assert mutated == source.replace(m.old, m.new)
    ast.parse(mutated, filename=f"{m.name}/{m.file}")


def test_mutants_differ_from_each_other():
    texts = collections.Counter((m.file, mutate(m)) for m in MUTANTS)
    assert max(texts.values()) == 1


def test_a_substring_missing_from_the_reference_is_an_error_naming_the_mutant():
    m = mutant("add_assigns_grad")
    with pytest.raises(MutantError, match=r"'add_assigns_grad'.*does not occur in engine.py"):
        mutate(m, "class Value:\n    pass\n")


def test_an_ambiguous_substring_is_an_error_naming_the_mutant():
    m = Mutant("wrap_everywhere", "add", "engine.py", "m", "h",
               "other = other if isinstance(other, Value) else Value(other)", "pass")
    with pytest.raises(MutantError, match=r"'wrap_everywhere'.*occurs 2 times"):
        mutate(m)


def test_mutants_follow_the_reference_text_they_are_given():
    m = mutant("topo_not_reversed")
    changed = (reference_dir() / "engine.py").read_text(encoding="utf-8").replace("import math", "import math  # v2")
    assert "import math  # v2" in mutate(m, changed)


def test_malformed_entries_are_rejected():
    with pytest.raises(ValueError, match="unknown exercise 'addition'"):
        Mutant("x", "addition", "engine.py", "m", "h", "a", "b")
    with pytest.raises(ValueError, match="file must be one of"):
        Mutant("x", "add", "value.py", "m", "h", "a", "b")
    with pytest.raises(ValueError, match="non-empty substring"):
        Mutant("x", "add", "engine.py", "m", "h", "a", "a")
    with pytest.raises(ValueError, match="unknown mutant 'nope'"):
        mutant("nope")


def test_write_mutant_makes_a_loadable_implementation_with_only_the_edit(tmp_path):
    m = mutant("neuron_bias_not_added")
    directory = write_mutant(m, tmp_path / "deep" / "dir")
    for name in FILES:
        expected = mutate(m) if name == m.file else (reference_dir() / name).read_text(encoding="utf-8")
        assert (directory / name).read_text(encoding="utf-8") == expected
    impl = load_implementation(directory)
    neuron = impl.Neuron(2)
    neuron.w[0].data, neuron.w[1].data, neuron.b.data = 1.0, 1.0, 5.0
    assert neuron([1.0, 1.0]).data == 2.0  # the bias is not added: the bug is live


def test_write_mutant_refuses_a_file_as_directory(tmp_path):
    target = tmp_path / "file"
    target.write_text("")
    with pytest.raises(MutantError, match="is not a directory"):
        write_mutant(mutant("sub_adds"), target)


def test_an_engine_mutant_really_changes_behaviour(tmp_path):
    impl = load_implementation(write_mutant(mutant("add_assigns_grad"), tmp_path))
    a = impl.Value(3.0)
    b = a + a
    b.backward()
    assert a.grad == 1  # the classic bug: the second contribution overwrote the first (correct: 2)


def test_the_docs_list_every_mutant():
    # the tests run from the checkout, whether the package under test is installed or editable
    docs = (Path(__file__).resolve().parents[2] / "docs" / "mutants.md").read_text(encoding="utf-8")
    assert [m.name for m in MUTANTS if f"`{m.name}`" not in docs] == []
    assert f"{TABLE_START}\n{catalogue_table()}{TABLE_END}" in docs, "run: micrograd mutants --docs docs/mutants.md"


def test_the_docs_table_is_rewritten_between_its_markers(tmp_path):
    page = tmp_path / "mutants.md"
    page.write_text(f"# Mutants\n\n{TABLE_START}\n| old | table |\n{TABLE_END}\n\nafter\n", encoding="utf-8")
    write_docs(page)
    text = page.read_text(encoding="utf-8")
    assert text.startswith("# Mutants\n\n") and text.endswith(f"{TABLE_END}\n\nafter\n") and "| old |" not in text
    assert all(f"| `{m.name}` | {m.exercise} |" in text for m in MUTANTS)
    page.write_text("no table here\n", encoding="utf-8")
    with pytest.raises(ValueError, match="has no catalogue table"):
        write_docs(page)
