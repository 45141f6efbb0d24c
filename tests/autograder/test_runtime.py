"""The child runtime holds no reference and reaches none; layers are chosen, reported and refused plainly."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from micrograd.cli import main
from micrograd.sandbox import (
    Isolation,
    IsolationError,
    _choice,
    _protocol,
    choose_isolation,
    kind_table,
    register_kind,
)
from micrograd.sandbox._layers import BOOT
from micrograd.sandbox._runtime import build_runtime, runtime_dir

EXAMPLES = Path(__file__).parents[2] / "examples" / "submissions"


def test_the_runtime_has_no_reference_and_no_import_of_it(tmp_path: Path) -> None:
    runtime = build_runtime(tmp_path / "runtime")
    files = [p for p in runtime.rglob("*") if p.is_file()]
    assert not [p for p in files if p.name in ("engine.py", "nn.py")]
    packages = {p.name for p in (runtime / "micrograd").iterdir() if (p / "__init__.py").is_file()}
    assert {"impl", "runner", "sandbox"} <= packages
    assert not packages & {"program", "ops", "oracles"}  # nothing that computes for a submission
    reaching = []
    for file in (p for p in files if p.suffix == ".py"):
        for node in ast.walk(ast.parse(file.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            forbidden = [n for n in names if n in ("micrograd.engine", "micrograd.nn")]
            reaching += [f"{file.relative_to(runtime)}: {n}" for n in forbidden]
    assert reaching == []


def test_the_child_runtime_starts_with_the_standard_library_only(tmp_path: Path) -> None:
    runtime = runtime_dir()
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import micrograd.sandbox._child, micrograd.impl\n"
        "from micrograd.sandbox._protocol import install_kinds; install_kinds(__import__('json').loads(sys.argv[2]))\n"
        "assert not [m for m in sys.modules if m.split('.')[0] in ('hypothesis', 'numpy', 'autograder', 'pytest')]\n"
        "try:\n    import micrograd.engine\nexcept ImportError:\n    print('no reference')\n"
    )
    done = subprocess.run([os.path.realpath(os.sys.executable), "-I", "-S", "-c", code, str(runtime),  # type: ignore
                           json.dumps(kind_table())], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "no reference\n"


def test_the_boot_program_is_the_only_code_before_the_runtime() -> None:
    tree = ast.parse(BOOT)
    imported = {a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names}
    assert imported == {"os", "sys", "json"}
    assert "from micrograd.sandbox._child import main" in BOOT


def test_request_kinds_are_registered_by_path_and_carried_by_the_runtime() -> None:
    before = kind_table()
    try:
        paths = ("micrograd.runner._module:ModuleRequest", "micrograd.runner._module_outcome:ModuleOutcome")
        register_kind("module_again", *paths)
        assert kind_table()["module_again"] == paths
        assert "runner" in _protocol.runtime_packages() and "program" not in _protocol.runtime_packages()
        # a kind outside the runtime's packages brings its module alone, not its whole package
        assert "micrograd.app._wire" in _protocol.runtime_modules()
        with pytest.raises(ValueError, match="micrograd package"):
            register_kind("elsewhere", "autograder.grade:Prepared", "autograder.grade:Prepared")
        with pytest.raises(ValueError, match="identifier"):
            register_kind("not a name", "micrograd.program:Program", "micrograd.program:Outcome")
    finally:
        _protocol._KINDS.clear()
        _protocol._KINDS.update(before)


def test_a_requested_layer_that_is_missing_is_an_error_before_grading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(_choice.shutil, "which", lambda name: None)
    monkeypatch.setattr(_choice, "_available", {})
    with pytest.raises(IsolationError, match="bubblewrap is not installed"):
        choose_isolation("bwrap")
    out = tmp_path / "out"
    assert main(["grade", str(EXAMPLES / "correct"), "--out", str(out), "--isolation", "bwrap"]) == 2
    err = capsys.readouterr().err
    assert "--isolation bwrap is not available: bubblewrap is not installed" in err and "Traceback" not in err
    assert not out.exists()


def test_only_root_can_use_the_uid_layer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_choice.os, "geteuid", lambda: 1000)
    monkeypatch.setattr(_choice, "_available", {})
    with pytest.raises(IsolationError, match="only a grader running as root"):
        choose_isolation("uid")


def test_without_any_layer_the_run_says_plainly_it_is_not_isolated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_choice.shutil, "which", lambda name: None)
    monkeypatch.setattr(_choice.os, "geteuid", lambda: 1000)
    monkeypatch.setattr(_choice, "_available", {})
    chosen = choose_isolation("auto")
    assert chosen.layer == "none" and not chosen.isolated
    text = chosen.describe()
    assert "NOT isolated" in text and "bubblewrap is not installed" in text and "only a grader running as root" in text


@pytest.mark.parametrize("python, why", [
    ("/bin/false", "the process exited with exit code 1 while starting"),
    ("/nonexistent/python", "cannot start the sandbox (/nonexistent/python)"),
])
def test_a_probe_says_why_a_child_could_not_start(python: str, why: str) -> None:
    assert why in str(_choice._probe(Isolation("none", "probed", python=python)))


def test_a_probe_of_a_working_layer_finds_nothing_wrong_and_leaves_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    isolation = choose_isolation("auto")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # its own: other tests' sandboxes come and go in /tmp
    assert _choice._probe(isolation) is None
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(("micrograd-sandbox-", "micrograd-probe-"))] == []
