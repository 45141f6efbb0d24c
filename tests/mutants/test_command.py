"""``micrograd mutants``: the listing, argument errors, and a small report."""

from __future__ import annotations

import json

import pytest

from micrograd.cli import main
from micrograd.mutants import CATALOGUE, Kill, KillReport, SpecOutcome, format_report


def test_list_shows_every_mutant_with_its_exercise(capsys):
    assert main(["mutants", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(CATALOGUE)
    assert lines[0].split()[:2] == [next(iter(CATALOGUE)), next(iter(CATALOGUE.values())).exercise]


def test_list_as_markdown_is_the_docs_table_and_docs_rewrites_it(capsys, tmp_path):
    assert main(["mutants", "--list", "--markdown"]) == 0
    table = capsys.readouterr().out
    assert table.splitlines()[0] == "| mutant | exercise | misconception | hint |"
    assert len(table.splitlines()) == 2 + len(CATALOGUE)
    page = tmp_path / "page.md"
    page.write_text("<!-- the catalogue: `micrograd mutants --docs docs/mutants.md` writes this table -->\n"
                    "<!-- end of the catalogue -->\n", encoding="utf-8")
    assert main(["mutants", "--docs", str(page)]) == 0
    assert table in page.read_text(encoding="utf-8")
    assert main(["mutants", "--docs", str(tmp_path / "missing.md")]) == 2
    assert "missing.md" in capsys.readouterr().err


def test_an_unknown_mutant_is_a_usage_error_naming_it(capsys):
    assert main(["mutants", "no_such_bug"]) == 2
    err = capsys.readouterr().err
    assert "no_such_bug" in err and "--list" in err


def test_a_bad_timeout_is_a_usage_error(capsys):
    assert main(["mutants", "--timeout", "0", "sub_adds"]) == 2
    assert "--timeout" in capsys.readouterr().err


def _kill(name: str, **outcome) -> Kill:
    m = CATALOGUE[name]
    return Kill(m.name, m.exercise, m.misconception, m.hint, SpecOutcome(**outcome), m.feedback)


def test_totals_median_and_mismatches_are_computed_from_the_kills():
    report = KillReport("ci", [
        _kill("sub_adds", passed=False, status="failed", failure_exercise="neg_sub", size=2,
              hint="the gradient rule of Value.__sub__ looks wrong"),
        _kill("add_assigns_grad", passed=False, status="failed", failure_exercise="add", size=1,
              hint="accumulate with += in _backward"),
        _kill("topo_not_reversed", passed=False, status="failed", failure_exercise="add", size=4, hint="?"),
        _kill("neuron_bias_not_added", passed=False, status="failed", failure_exercise="neuron", size=2,
              size_unit="params", hint="start from the bias b"),
        _kill("log_forward_base10", passed=True),
    ])
    assert report.kill_rate == pytest.approx(0.8)
    assert report.median_size("ops") == 2 and report.median_size("params") == 2
    assert report.survivors == ["log_forward_base10"]
    assert report.mismatches == ["add_assigns_grad", "topo_not_reversed"]
    assert report.hint_mismatches == ["topo_not_reversed"]
    text = format_report(report)
    assert "killed 4/5 (80%)" in text and "survivors: log_forward_base10" in text
    data = report.to_dict()
    assert json.loads(json.dumps(data))["totals"]["median_counterexample_ops"] == 2


@pytest.mark.parametrize("as_json", [False, True])
def test_a_small_run_reports_the_kill(capsys, as_json):
    argv = ["mutants", "--no-reference", "add_forward_subtracts"] + (["--json"] if as_json else [])
    assert main(argv) == 0
    out = capsys.readouterr().out
    if as_json:
        row = json.loads(out)["mutants"][0]
        assert row["killed"] and row["property"].startswith("test_add::") and row["size"] == 1
    else:
        assert "add_forward_subtracts" in out and "killed 1/1 (100%)" in out
