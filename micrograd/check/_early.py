"""The student's sandboxed child, started while ``micrograd check`` imports what judging needs.

Starting a child is mostly waiting (bubblewrap making namespaces, a fresh Python importing the student's code),
and importing the judge is mostly computing: a thread starts the child while the main thread imports. The child
is started in the layer the check would choose, before that layer's probe (see
:func:`micrograd.sandbox.check_isolation`): :func:`micrograd.check._run.make_evaluator` probes it only when the
child fails to start. A process's death signal (``PR_SET_PDEATHSIG``, which bubblewrap's ``--die-with-parent``
uses) fires when the *thread* that started it ends, so that thread stays until :meth:`EarlyChild.release`,
after the check has closed the child.
"""

from __future__ import annotations

import contextlib
import importlib
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional, Union

from micrograd.check._basics import resolve_path

if TYPE_CHECKING:
    from micrograd.sandbox import SandboxEvaluator

__all__ = ["EarlyChild", "confirmed", "import_meanwhile"]


class EarlyChild:
    """A sandboxed child for the implementation at ``path`` (None: as :func:`resolve_path` finds it), started now
    by a thread of its own, with ``timeout`` seconds per request; and ``prefetch``, a request computed at once
    in a second child beside it (see ``SandboxEvaluator.prefetch``): it runs on the other core while the
    check imports and judges the first exercises."""

    def __init__(self, path: Optional[Union[Path, str]], timeout: Optional[float], *,
                 prefetch: Optional[Any] = None) -> None:
        self.path = path
        self.timeout = timeout
        self.prefetch = prefetch
        #: whether ``prefetch`` (a long request: the chain of 100,000 nodes) runs in a second child of the code
        self.prefetched = False
        self._evaluator: Optional[SandboxEvaluator] = None
        self._directory: Optional[Path] = None
        self._taken = False
        self._ready = threading.Event()
        self._settled = threading.Event()
        self._released = threading.Event()
        self._thread = threading.Thread(target=self._run, name="micrograd-check-child", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        evaluator = None
        try:
            from micrograd.sandbox import check_isolation, student_evaluator

            directory, _ = resolve_path(self.path)
            evaluator = student_evaluator(directory, timeout=self.timeout, isolation=check_isolation(probe=False),
                                          wait=False)
            self._evaluator, self._directory = evaluator, directory
            self.prefetched = self.prefetch is not None
        except Exception:  # noqa: BLE001 (the check starts its child itself, meets the same error and reports it)
            self._evaluator = None
        finally:
            self._ready.set()  # the check may take the child now: the second one starts beside its first requests
        try:
            if evaluator is not None and self.prefetch is not None:
                evaluator.prefetch(self.prefetch)  # (until it is there, the request is not taken from it)
        except Exception:  # noqa: BLE001 (then the check computes the request itself, in the first child)
            pass
        finally:
            self._settled.set()
        self._released.wait()

    def settle(self) -> None:
        """Wait until the second child is started (before the child taken is closed: it closes that one too)."""
        self._settled.wait()

    def take(self, directory: Path, timeout: Optional[float]) -> Optional[SandboxEvaluator]:
        """The child, started for ``directory`` with ``timeout`` (the caller closes it), else None: it could not
        be started, or for something else."""
        self._ready.wait()
        if self._taken or self._evaluator is None:
            return None
        if self._directory != directory or self.timeout != timeout:
            self._settled.wait()  # (the thread may still be starting the second child of this one)
            self._close()
            return None
        self._taken = True
        return self._evaluator

    def release(self) -> None:
        """Close the child unless it was taken, and let the thread end (after the taker closed the child)."""
        self._settled.wait()
        if not self._taken:
            self._close()
        self._released.set()

    def _close(self) -> None:
        evaluator, self._evaluator = self._evaluator, None
        if evaluator is not None:
            evaluator.close()


def confirmed(started: SandboxEvaluator, directory: Path, timeout: Optional[float]) -> SandboxEvaluator:
    """``started`` if its child started (in the layer the check would choose, not yet probed); if not, the layer
    is probed: one that does not work here is replaced by the one that does (the failure was the sandbox's, and
    a fresh evaluator in that layer is returned), else the failure is the code's (``started``, which reports it)
    or the sandbox's own error, raised again."""
    from micrograd.sandbox import SandboxError, check_isolation, same_layer, student_evaluator

    try:
        failed = started.load_report().failure is not None
        refused: Optional[SandboxError] = None
    except SandboxError as error:
        failed, refused = True, error
    if not failed:
        return started
    probed = check_isolation()
    if same_layer(probed, started.isolation):
        if refused is None:
            return started
        started.close()
        raise refused
    started.close()
    return student_evaluator(directory, timeout=timeout, isolation=probed)


def import_meanwhile(module: str) -> None:
    """Import ``module`` in a thread: it runs while the main thread waits for the child's answers (a failed
    import is left for the code that needs the module to meet)."""
    def load() -> None:
        with contextlib.suppress(Exception):
            importlib.import_module(module)

    threading.Thread(target=load, name=f"micrograd-import-{module}", daemon=True).start()
