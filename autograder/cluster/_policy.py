"""Which isolation layer a Dask worker grades in, and what the grader checks a worker agrees on.

A sandboxed child must never talk to a Dask port: Dask's comms unpickle what they receive, so a
child that could send the worker or the scheduler a message would run code as the worker, and
through the scheduler reach every worker and the grader. ``bwrap`` gives the child no network at
all. The ``uid`` layer shares the machine's network (its loopback included), so a worker grades
in it only when the cluster speaks Dask's TLS, which authenticates both ends with the cluster's
certificates: a child holds none (it cannot read the key, mode 0600 and the worker's, outside its
chroot), so its connection ends in the TLS handshake, before Dask reads a byte. ``none`` is never
used on a cluster.
"""

from __future__ import annotations

import os
import stat
from typing import Any, Dict, Optional

from autograder.rubric import Rubric
from autograder.sandbox import Isolation, IsolationError, available_layers, choose_isolation

__all__ = ["CLUSTER_LAYERS", "WorkerRefusedError", "cluster_isolation", "facts", "spec_digest"]

#: the layers a cluster worker may grade in, strongest first
CLUSTER_LAYERS = ("bwrap", "uid")


class WorkerRefusedError(Exception):
    """A worker will not grade: its isolation, its TLS or its kit is not what grading on a cluster needs."""


def cluster_isolation(requested: str, worker: Any) -> Isolation:
    """The layer ``worker`` (a ``distributed.Worker``) grades in for ``--isolation requested``; raises
    WorkerRefusedError, saying why and what to do, when it cannot grade safely."""
    where = f"Dask worker {worker.address}"
    if requested == "none":
        raise WorkerRefusedError("--isolation none cannot be used with --cluster: an unisolated submission runs as the "
                             "Dask worker's user and could send the worker or the scheduler a pickle (Dask's comms "
                             "unpickle what they receive). Use auto, bwrap or uid")
    try:
        isolation = choose_isolation(requested, layers=CLUSTER_LAYERS)
    except IsolationError as error:
        raise WorkerRefusedError(f"{where} cannot isolate submissions: {error}. Install bubblewrap there "
                             "(apt-get install bubblewrap), or run the worker as root with TLS for the uid layer "
                             "(docs/grading.md, Grading on a cluster)") from None
    if isolation.layer == "uid":
        _check_tls(worker, where, available_layers().get("bwrap"))
    return isolation


def _check_tls(worker: Any, where: str, no_bwrap: Optional[str]) -> None:
    scheduler = str(getattr(getattr(worker, "scheduler", None), "address", ""))
    if not (str(worker.address).startswith("tls://") and scheduler.startswith("tls://")):
        raise WorkerRefusedError(f"{where} would grade in the uid layer (bwrap: {no_bwrap or 'not asked for'}), whose "
                                 "sandboxes share this machine's network, on a cluster that does not use TLS: a "
                                 "submission could send a pickle to a Dask port. Start the scheduler and the workers "
                                 "with TLS (tls://, docs/grading.md, Grading on a cluster), or make bubblewrap work "
                                 "on the worker (its sandboxes have no network)")
    security = worker.security
    key = security.tls_worker_key or security.tls_worker_cert  # a cert file may hold the key too
    why = _private_file(key)
    if why is not None:
        raise WorkerRefusedError(f"{where}: its TLS key {why}: make it the worker user's own, mode 0600 "
                             f"(chmod 600 FILE), so that no sandbox uid can read it")


def _private_file(path: Optional[str]) -> Optional[str]:
    """None if ``path`` is a key held in memory or a regular file of this user's that no one else may read."""
    if not path:
        return "is not set"
    if "\n" in path:  # the PEM itself (Security.temporary()), never on disk
        return None
    try:
        info = os.stat(path)
    except OSError as error:
        return f"{path} cannot be read ({error.strerror})"
    if not stat.S_ISREG(info.st_mode):
        return f"{path} is not a regular file"
    if info.st_uid != os.geteuid():
        return f"{path} belongs to uid {info.st_uid}, not to the worker's user ({os.geteuid()})"
    if info.st_mode & 0o077:
        return f"{path} has mode {stat.S_IMODE(info.st_mode):04o}: others may read it"
    return None


def spec_digest(rubric: Rubric) -> str:
    """The digest of the rubric's spec as this process loads it (the kit's, or the rubric's own): its files and
    the kit's code that decides its examples (:class:`micrograd.spec.Spec`'s ``digest``, what an exam is made
    for); ``missing: ...`` when it cannot be loaded here."""
    from autograder.rubric import rubric_spec
    from micrograd.spec import SpecError

    try:
        return rubric_spec(rubric.spec).digest
    except SpecError as error:
        return f"missing: {error}"


def facts(rubric: Rubric, requested: str, worker: Any) -> Dict[str, Any]:
    """What the grader compares with its own before it grades on ``worker``: the kit's and Hypothesis's
    versions, the spec's digest, and the layer the worker grades in (or why it refuses)."""
    import hypothesis

    import micrograd

    layer, refused = "", ""
    try:
        layer = cluster_isolation(requested, worker).layer
    except WorkerRefusedError as error:
        refused = str(error)
    return {"kit": micrograd.__version__, "hypothesis": hypothesis.__version__, "spec": spec_digest(rubric),
            "layer": layer, "refused": refused, "threads": int(getattr(worker.state, "nthreads", 1))}
