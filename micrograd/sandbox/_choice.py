"""Which isolation layer to use: what each layer needs, a probe that starts a child in it, and the choice."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from micrograd.sandbox._cell import Cell, tracking
from micrograd.sandbox._layers import CHOICES, LAYERS, Isolation, IsolationError
from micrograd.sandbox._limits import Limits
from micrograd.sandbox._seccomp import filter_spec

__all__ = ["available_layers", "choose_isolation", "default_isolation", "same_layer", "unprobed_isolation"]


def _bwrap_version() -> Tuple[int, ...]:
    try:
        done = subprocess.run(["bwrap", "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return ()
    match = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", done.stdout)
    return tuple(int(x) for x in match.groups() if x is not None) if match else ()


def _probe(isolation: Isolation) -> Optional[str]:
    """None if a child starts in ``isolation`` and confines itself; else why not."""
    with tempfile.TemporaryDirectory(prefix="micrograd-probe-") as tmp:
        submission = Path(tmp)
        (submission / "engine.py").write_text("class Value:\n    pass\n")
        try:
            cell = Cell(submission, isolation, Limits())
            try:
                return cell.probe()
            finally:
                cell.close()
        except (OSError, ValueError, RuntimeError, subprocess.SubprocessError) as error:
            return f"{type(error).__name__}: {error}"


_available: Dict[Tuple[str, str, int], Tuple[Optional[Isolation], str]] = {}


def _candidate(layer: str, python: str) -> Tuple[Optional[Isolation], str]:
    """(the isolation, "") if ``layer`` works here, else (None, why not)."""
    key = (layer, python, os.geteuid())
    if key in _available:
        return _available[key]
    root = os.geteuid() == 0
    found: Tuple[Optional[Isolation], str]
    if layer == "none":
        found = (Isolation("none", "a plain child process with resource limits", python=python), "")
    elif layer == "bwrap":
        unprobed, missing = _bwrap_unprobed(python)
        if unprobed is None:
            found = (None, missing)
        else:
            isolation = unprobed
            why = _probe(isolation)
            if why is not None and not root:  # an older kernel: without --disable-userns
                fallback = dataclasses.replace(isolation, nested_userns=True)
                if _probe(fallback) is None:
                    isolation, why = fallback, None
            found = (isolation, "") if why is None else (None, f"bubblewrap cannot start a sandbox here: {why}")
    elif not root:
        found = (None, "only a grader running as root can run submissions as another user")
    else:
        found = _uid_candidate(python)
    if found[0] is not None:
        isolation = found[0]
        found = (dataclasses.replace(isolation, detail=f"{isolation.detail}; {tracking(isolation)}"), "")
    _available[key] = found
    return found


def _bwrap_unprobed(python: str) -> Tuple[Optional[Isolation], str]:
    """(the bwrap layer, "") if a bubblewrap recent enough is installed, else (None, why not): not yet probed."""
    version = _bwrap_version() if shutil.which("bwrap") else ()
    if not version:
        return None, "bubblewrap is not installed (apt-get install bubblewrap)"
    if version < (0, 8):
        return None, f"bubblewrap {'.'.join(map(str, version))} is too old (0.8 or newer is needed)"
    root = os.geteuid() == 0
    how = ("own PID, network, IPC and mount namespaces; a sandbox uid per submission" if root
           else "own user, PID, network, IPC and mount namespaces")
    return Isolation("bwrap", f"bubblewrap {'.'.join(map(str, version))}: {how}", drop_uid=root, python=python), ""


def unprobed_isolation(requested: str = "auto", *, python: Optional[str] = None,
                       layers: Sequence[str] = LAYERS) -> Isolation:
    """The isolation :func:`choose_isolation` would choose if the first layer whose requirements are met passed
    its probe, without the probe (a child started in it confines itself or fails before any code of the
    submission runs: whoever starts one this way probes the layer when that child fails, and takes
    :func:`choose_isolation`'s answer). Layers other than bwrap and none are probed as usual."""
    if requested not in CHOICES:
        raise IsolationError(f"unknown isolation {requested!r}; choose one of {', '.join(CHOICES)}")
    python = os.path.realpath(python or sys.executable)
    first = requested if requested != "auto" else next(iter(layers), "none")
    if first == "bwrap":
        isolation, _ = _bwrap_unprobed(python)
        if isolation is not None:
            return dataclasses.replace(isolation, detail=f"{isolation.detail}; {tracking(isolation)}")
    elif first == "none":
        return choose_isolation("none", python=python)
    return choose_isolation(requested, python=python, layers=layers)


def same_layer(one: Isolation, other: Isolation) -> bool:
    """Do ``one`` and ``other`` run children the same way (whatever their details say)?"""
    return dataclasses.replace(one, detail="") == dataclasses.replace(other, detail="")


def _uid_candidate(python: str) -> Tuple[Optional[Isolation], str]:
    """The uid layer, with its syscall filter where it can be installed (else the layer says it has none)."""
    base = "a sandbox uid per submission, chrooted into a root holding only Python's standard library"
    spec, no_filter = filter_spec(python)
    if spec is not None:
        filtered = Isolation("uid", f"{base}; a syscall filter (libseccomp): no IPC, sockets or ptrace",
                             drop_uid=True, filtered=True, python=python)
        no_filter = _probe(filtered) or ""
        if not no_filter:
            return filtered, ""
    isolation = Isolation("uid", f"{base}; NO syscall filter ({no_filter}): submissions share the host's IPC "
                                 "objects and network", drop_uid=True, python=python)
    why = _probe(isolation)
    return (isolation, "") if why is None else (None, f"cannot chroot and change uid here: {why}")


def available_layers(python: Optional[str] = None) -> Dict[str, Optional[str]]:
    """layer -> None if it works here, else the reason it does not."""
    python = os.path.realpath(python or sys.executable)
    return {layer: (None if _candidate(layer, python)[0] else _candidate(layer, python)[1]) for layer in LAYERS}


def choose_isolation(requested: str = "auto", *, python: Optional[str] = None,
                     layers: Sequence[str] = LAYERS) -> Isolation:
    """The isolation for ``requested`` (``auto``: the strongest of ``layers`` that works here).

    Raises IsolationError for a layer that was asked for by name and does not work here.
    """
    if requested not in CHOICES:
        raise IsolationError(f"unknown isolation {requested!r}; choose one of {', '.join(CHOICES)}")
    python = os.path.realpath(python or sys.executable)
    if requested != "auto":
        isolation, why = _candidate(requested, python)
        if isolation is None:
            raise IsolationError(f"--isolation {requested} is not available: {why}")
        return isolation
    reasons: List[str] = []
    for layer in layers:
        isolation, why = _candidate(layer, python)
        if isolation is not None:
            if reasons and not isolation.isolated:
                isolation = Isolation("none", "; ".join(reasons), python=python)
            return isolation
        reasons.append(f"{layer}: {why}")
    raise IsolationError("no isolation layer works here: " + "; ".join(reasons))  # pragma: no cover (none works)


_default: Dict[int, Isolation] = {}


def default_isolation() -> Isolation:
    """The strongest layer that works here, chosen once per process (``MICROGRAD_ISOLATION`` overrides)."""
    pid = os.getpid()
    if pid not in _default:
        _default[pid] = choose_isolation(os.environ.get("MICROGRAD_ISOLATION", "auto"))
    return _default[pid]
