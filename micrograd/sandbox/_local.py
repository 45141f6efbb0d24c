"""An implementation run in this process, its deep chains in the sandbox's plain child (the ``none`` layer):
the one child mechanism of the kit, also for :class:`micrograd.impl.LocalEvaluator`."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional, Union

from micrograd.impl import LocalEvaluator

__all__ = ["PlainChild", "local_evaluator"]


class PlainChild:
    """Runs requests in a plain sandbox child of the implementation in ``path`` (started on first use; its
    limits: no time limit but the caller's, as ``micrograd check``'s child): a crash is its, not ours."""

    def __init__(self, path: Union[str, Path]) -> None:
        self.path = Path(path)
        self._sandbox: Any = None

    def _started(self) -> Any:
        if self._sandbox is None:
            from micrograd.sandbox._choice import choose_isolation
            from micrograd.sandbox._evaluator import SandboxEvaluator
            from micrograd.sandbox._limits import Limits

            limits = Limits(timeout=10.0**6, budget=float("inf"), startup=10.0)
            self._sandbox = SandboxEvaluator(self.path, limits, isolation=choose_isolation("none"))
        return self._sandbox

    def evaluate(self, request: Any) -> Any:
        return self._started().evaluate(request)

    def prefetch(self, request: Any) -> None:
        self._started().prefetch(request)

    def cancel_prefetched(self) -> None:
        if self._sandbox is not None:
            self._sandbox.cancel_prefetched()

    def close(self) -> None:
        sandbox, self._sandbox = self._sandbox, None
        if sandbox is not None:
            sandbox.close()


def local_evaluator(path: Union[str, Path], children: Optional[PlainChild] = None) -> LocalEvaluator:
    """A :class:`~micrograd.impl.LocalEvaluator` of the code in ``path`` whose deep chains run in the sandbox's
    plain child: for a student's code, which may crash the process that runs it."""
    return LocalEvaluator(path, children or PlainChild(path))
