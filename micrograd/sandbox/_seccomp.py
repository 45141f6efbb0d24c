"""The syscall filter of the ``uid`` layer: no SysV or POSIX IPC, no sockets, no ptrace, through libseccomp.

The ``uid`` layer has no namespaces (it is for graders in containers that cannot make them), so its
child shares the host's IPC objects and network. Before it runs anything of the submission, the
child installs a seccomp filter, built by libseccomp's Python bindings (PyPI's ``pyseccomp``, a ctypes
binding over ``libseccomp.so``, for any Python; else Debian's ``python3-seccomp`` where its ABI is the
child's): the calls below fail with EPERM. The child needs none of them: it talks to the grader
through the two pipes it was given. :func:`filter_spec` (in the grader) finds the binding and the
library, or says why there is none; the runtime carries the binding (:mod:`micrograd.sandbox._runtime`);
:func:`install` (in the child) loads the filter, or raises OSError saying why it cannot.
"""

from __future__ import annotations

import errno
import importlib.machinery
import importlib.util
import os
import sys
from typing import Any, Dict, Optional, Tuple

__all__ = ["DENIED", "binding_file", "filter_spec", "install"]

#: the calls the filter denies (EPERM), by class
DENIED = {
    "network": ("socket", "socketpair", "connect", "bind", "listen", "accept", "accept4"),
    "SysV IPC": ("shmget", "shmat", "shmdt", "shmctl", "msgget", "msgsnd", "msgrcv", "msgctl", "semget", "semop",
                 "semtimedop", "semctl"),
    "POSIX message queues": ("mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify",
                             "mq_getsetattr"),
    "tracing other processes": ("ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd"),
    "kernel keyrings (they outlive the process)": ("keyctl", "add_key", "request_key"),
    "namespaces and mounts": ("unshare", "setns", "mount", "umount2", "pivot_root"),
    # io_uring runs socket operations without making the calls above
    "io_uring, bpf, perf events, userfaultfd": ("io_uring_setup", "io_uring_enter", "io_uring_register", "bpf",
                                               "perf_event_open", "userfaultfd"),
}

_DEBIAN = "/usr/lib/python3/dist-packages"


def binding_file(python: Optional[str] = None) -> Optional[str]:
    """The file of a libseccomp binding the child (running ``python``) can import, or None.

    ``pyseccomp`` (pure Python) where it is installed beside the kit; else Debian's ``seccomp`` extension
    module, when ``python`` is this interpreter and the module was built for its ABI."""
    spec = importlib.util.find_spec("pyseccomp")
    if spec is not None and spec.origin and spec.origin.endswith(".py"):
        return spec.origin
    if python is not None and os.path.realpath(python) != os.path.realpath(sys.executable):
        return None
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        candidate = os.path.join(_DEBIAN, "seccomp" + suffix)
        if suffix != ".so" and os.path.isfile(candidate):
            return candidate
    return None


def _library() -> Tuple[Optional[str], str]:
    """(the path of libseccomp.so as this process loads it, "") or (None, why not)."""
    import ctypes.util

    name = ctypes.util.find_library("seccomp")
    if name is None:
        return None, "libseccomp is not installed (apt-get install libseccomp2)"
    try:
        ctypes.CDLL(name)
    except OSError as error:
        return None, f"libseccomp cannot be loaded: {error}"
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as f:
            for line in f:
                path = line.split()[-1]
                if "libseccomp" in os.path.basename(path) and os.path.isfile(path):
                    return path, ""
    except OSError:
        pass
    return None, "libseccomp's file cannot be found"


def filter_spec(python: Optional[str] = None) -> Tuple[Optional[Dict[str, Any]], str]:
    """What a child needs to install the filter (the binding's module name and the library's path), or
    (None, why it cannot be installed)."""
    if not sys.platform.startswith("linux"):
        return None, "seccomp is Linux only"
    binding = binding_file(python)
    if binding is None:
        return None, "no libseccomp binding (pip install pyseccomp, or apt-get install python3-seccomp)"
    library, why = _library()
    if library is None:
        return None, why
    module = os.path.basename(binding).split(".")[0]
    return {"module": module, "library": library}, ""


def install(spec: Dict[str, Any]) -> None:
    """Load the filter into this process (for good: a filter is never removed). Raises OSError if it cannot."""
    import ctypes.util

    library = str(spec["library"])
    real = ctypes.util.find_library
    ctypes.util.find_library = lambda name: {"seccomp": library, "c": "libc.so.6"}.get(name) or real(name)
    try:  # pyseccomp looks its libraries up when imported: no ldconfig to ask in the uid layer's chroot
        binding: Any = importlib.import_module(str(spec["module"]))
    except Exception as error:  # noqa: BLE001 (a binding that cannot load says why, whatever it raised)
        raise OSError(f"the libseccomp binding cannot be loaded: {error}") from None
    finally:
        ctypes.util.find_library = real
    try:
        rules = binding.SyscallFilter(binding.ALLOW)
        for names in DENIED.values():
            for name in names:
                try:
                    rules.add_rule(binding.ERRNO(errno.EPERM), name)
                except (OSError, ValueError, RuntimeError):  # a call this architecture does not have
                    continue
        rules.load()
    except (OSError, ValueError, RuntimeError, AttributeError) as error:
        raise OSError(f"the syscall filter cannot be loaded: {error}") from None
