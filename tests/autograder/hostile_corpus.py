"""The hostile and broken submissions, as patches appended to a copy of the reference engine.

Each case says what grade it deserves under tests/autograder/mini_rubric.toml (add 2, mul 2,
tanh 1, accumulation 1: 6 points): its status, a word its reason must contain, and its score.
``{out}`` in a patch is replaced by the batch's output directory and ``{marker}`` by a number
unique to the test run (a lingering process sleeps that many seconds, so it can be found).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from micrograd.impl import reference_dir


@dataclass(frozen=True)
class Case:
    name: str
    patch: str
    status: str
    reason: str  # a substring of the reason ("" for none expected)
    score: float
    engine: Optional[str] = None  # replaces the whole engine.py


CASES = [
    Case("correct", "", "graded", "", 6),
    Case("buggy_mul_grad", """
def _mul(self, other):
    other = other if isinstance(other, Value) else Value(other)
    out = Value(self.data * other.data, (self, other), '*')
    def _backward():
        self.grad += other.data * out.grad
        other.grad += other.data * out.grad   # bug: should be self.data
    out._backward = _backward
    return out
Value.__mul__ = _mul
""", "graded", "", 2 + 1 + 1),  # mul fails; x*x + x (accumulation) hides this bug
    Case("sys_exit_at_import", "import sys\nsys.exit(0)\n", "invalid", "SystemExit", 0),
    Case("os_exit_in_backward", """
import os
def _backward(self):
    os._exit(0)
Value.backward = _backward
""", "crashed", "exit code 0", 0),
    Case("infinite_loop_in_add", """
def _add(self, other):
    while True:
        pass
Value.__add__ = _add
""", "timeout", "no answer", 2 + 1),  # mul and tanh still earn their points
    Case("sleep_in_mul", """
import time
def _mul(self, other):
    time.sleep(1000)
Value.__mul__ = _mul
""", "timeout", "no answer", 2 + 1),  # add and tanh
    Case("memory_bomb_in_tanh", """
def _tanh(self):
    hog = bytearray(4 * 1024 ** 3)
    return hog
Value.tanh = _tanh
""", "graded", "", 2 + 2 + 1),
    Case("sigterm_ignored", """
import signal
signal.signal(signal.SIGTERM, signal.SIG_IGN)
def _backward(self):
    while True:
        pass
Value.backward = _backward
""", "timeout", "no answer", 0),
    Case("syntax_error", "def broken(:\n    pass\n", "invalid", "SyntaxError", 0),
    Case("import_error", "import no_such_module_for_micrograd\n", "invalid", "ModuleNotFoundError", 0),
    Case("segfault_in_tanh", """
import ctypes
def _tanh(self):
    return ctypes.string_at(0)
Value.tanh = _tanh
""", "crashed", "SIGSEGV", 2 + 2 + 1),
    Case("stdout_flood", """
import sys
for _ in range(2000):
    print("flood " * 5000)
    print("flood " * 5000, file=sys.stderr)
_add = Value.__add__
def _noisy_add(self, other):
    print("spam " * 20000)
    return _add(self, other)
Value.__add__ = _noisy_add
""", "graded", "", 6),
    Case("lingering_fork", """
import os
try:
    if os.fork() == 0:
        try:
            os.setsid()
            if os.fork() == 0:
                os.execv("/bin/sleep", ["sleep", "{marker}"])
        finally:
            os._exit(0)
    if os.fork() == 0:
        os.execv("/bin/sleep", ["sleep", "{marker}"])
except OSError:
    pass  # the sandbox may forbid new processes
""", "graded", "", 6),
    Case("nan_everywhere", """
_init = Value.__init__
def _nan_init(self, data, _children=(), _op=''):
    _init(self, float('nan'), _children, _op)
Value.__init__ = _nan_init
""", "graded", "", 0),
    Case("monkeypatch_checkers", """
import math, sys
math.isclose = lambda *args, **kwargs: True
try:
    import hypothesis, pytest
    hypothesis.given = lambda *a, **k: (lambda f: (lambda *x, **y: None))
    pytest.fail = lambda *a, **k: None
    sys.modules["micrograd.verdict"] = None
except Exception:
    pass
def _add(self, other):
    other = other if isinstance(other, Value) else Value(other)
    return Value(self.data - other.data, (self, other), '+')
Value.__add__ = _add
""", "graded", "", 2 + 1),  # add and accumulation (x*x + x) fail
    Case("float_equal_to_everything", """
class Liar(float):
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    __hash__ = float.__hash__
    def __float__(self):
        return 42.0
def _mul(self, other):
    other = other if isinstance(other, Value) else Value(other)
    out = Value(Liar(0.0), (self, other), '*')
    return out
Value.__mul__ = _mul
""", "graded", "", 2 + 1),
    Case("fake_results_files", """
import json, os
fake = {{"score": 1000, "tests": []}}
for folder in ["{out}", os.path.join("{out}", "fake_results_files"), os.getcwd()]:
    try:
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "results.json"), "w") as f:
            json.dump(fake, f)
        with open(os.path.join(folder, "grades.csv"), "w") as f:
            f.write("student,score\\nfake_results_files,1000\\n")
    except OSError:
        pass
print(json.dumps({{"outcome": {{"data": [], "grad": []}}}}))
def _backward(self):
    pass  # no gradients at all
Value.backward = _backward
""", "graded", "", 0),
    Case("slow_but_correct", """
import time
_add, _mul = Value.__add__, Value.__mul__
def _slow_add(self, other):
    time.sleep(0.002)
    return _add(self, other)
Value.__add__ = _slow_add
""", "graded", "", 6),
]


def materialize(case: Case, root: Path, *, out: Path, marker: str) -> Path:
    """Write ``case`` as ROOT/NAME/{engine,nn}.py and return the directory."""
    folder = root / case.name
    folder.mkdir(parents=True, exist_ok=True)
    reference = reference_dir()
    engine = case.engine if case.engine is not None else (reference / "engine.py").read_text()
    patch = case.patch.replace("{out}", str(out)).replace("{marker}", marker).replace("{{", "{").replace("}}", "}")
    (folder / "engine.py").write_text(engine + "\n\n# --- patch ---\n" + patch)
    (folder / "nn.py").write_text((reference / "nn.py").read_text())
    return folder
