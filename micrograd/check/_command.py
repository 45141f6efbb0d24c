"""The ``micrograd check`` command."""

from __future__ import annotations

import _thread
import argparse
import contextlib
import os
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, List, Optional, Sequence, Union, overload

# Only what the command line needs is imported here: the rest (Hypothesis, numpy, rich, the judge) is
# imported in run(), while a thread starts the child that runs the student's code (see _early).
from micrograd.check._basics import DEFAULT_PROFILE, DEFAULT_TIMEOUT, CheckError, resolve_path
from micrograd.check._early import EarlyChild
from micrograd.oracles import ORACLE_NAMES
from micrograd.verdict import COURSE, DEEP_PROBE, EXERCISES, OPTIONAL_EXERCISES, prerequisites

if TYPE_CHECKING:
    from rich.console import Console

    from micrograd.judge import ExerciseResult, PropertyResult
    from micrograd.spec import Property

__all__ = ["HELP", "configure", "run"]

HELP = "check an implementation against the spec, exercise by exercise (default: ./exercises)"


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive number of seconds")
    return value


def configure(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        "Exit status: 0 if every exercise passes, 1 if one does not, 2 if the check cannot run. "
        "Exercises are checked in dependency order; one that needs a failing exercise is blocked by it. "
        "A stubbed exercise stops at its first property; a property that times out stops the check."
    )
    parser.add_argument(
        "path",
        nargs="?",
        type=Path,
        default=None,
        metavar="PATH",
        help="directory holding your engine.py and nn.py (default: ./exercises, or . if it holds engine.py)",
    )
    parser.add_argument("--json", action="store_true", help="print a machine-readable JSON report instead")
    parser.add_argument(
        "--exercise",
        action="extend",
        nargs="+",
        metavar="NAME",
        default=None,
        help=f"check only these exercises, and what they need ({', '.join(EXERCISES)})",
    )
    optional = ", ".join(OPTIONAL_EXERCISES) or "none in this kit"
    parser.add_argument(
        "--all",
        action="store_true",
        dest="optional",
        help=f"also check the optional exercises ({optional}), which the default course leaves out "
        "(--exercise NAME checks one of them alone)",
    )
    parser.add_argument(
        "--oracle",
        choices=ORACLE_NAMES,
        default=None,
        help="what computes the expected values (default: exact, in pure Python; torch, jax and fd cross-check it)",
    )
    parser.add_argument(
        "--profile",
        choices=_ProfileNames(),
        default=None,
        metavar="PROFILE",  # a metavar of its own: argparse would read the choices to write one
        help=f"Hypothesis profile of --explore (default: $HYPOTHESIS_PROFILE, else {DEFAULT_PROFILE}: 30 examples per "
        "property; ci: 100; grading: 300; dev: 50, drawn afresh each run)",
    )
    parser.add_argument(
        "--explore",
        action="store_true",
        help="after the graded examples (the exam, which grading judges too), also try examples drawn afresh: "
        "slower, and it may find a bug the exam misses",
    )
    parser.add_argument(
        "--timeout",
        type=_seconds,
        default=DEFAULT_TIMEOUT,
        metavar="S",
        help=f"seconds one property may run before it counts as stuck (default: {DEFAULT_TIMEOUT:g})",
    )
    parser.add_argument(
        "--spec", type=Path, default=None, metavar="DIR", help="a spec of your own: a directory of properties "
        "(default: the kit's spec)"
    )


class _ProfileNames(Sequence[str]):
    """The names of Hypothesis's profiles (micrograd.judge.PROFILES), read when the parser needs them (a
    ``--profile`` given): a check without it does not wait for Hypothesis to be imported here."""

    @staticmethod
    def _names() -> List[str]:
        from micrograd.judge import PROFILES

        return list(PROFILES)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...

    def __getitem__(self, index: Union[int, slice]) -> Union[str, Sequence[str]]:
        return self._names()[index]

    def __len__(self) -> int:
        return len(self._names())


def _split_exercises(args: argparse.Namespace) -> Optional[str]:
    """``--exercise add mywork``: a value that is not an exercise but a directory is the PATH
    (argparse gives ``--exercise`` every word after it). An error message, or None."""
    if args.exercise is None:
        return None
    names: List[str] = []
    for value in args.exercise:
        if value in EXERCISES:
            names.append(value)
        elif args.path is None and Path(value).exists():
            args.path = Path(value)
        else:
            return f"unknown exercise {value!r}; expected one of {', '.join(EXERCISES)}"
    args.exercise = names
    return None


def run(args: argparse.Namespace) -> int:
    problem = _split_exercises(args)
    if problem is not None:
        print(f"micrograd check: {problem}", file=sys.stderr)
        return 2
    early = EarlyChild(args.path, args.timeout, prefetch=DEEP_PROBE if _needs_deep(args) else None)
    try:
        return _check(args, early)
    finally:
        early.release()


def _needs_deep(args: argparse.Namespace) -> bool:
    """Does this check run the kit's deep exercise (whose chain of 100,000 nodes a second child starts at once)?"""
    if args.spec is not None:
        return False
    if args.exercise is None:
        return "deep" in COURSE or args.optional
    return any(name == "deep" or "deep" in prerequisites(name) for name in args.exercise)


def _check(args: argparse.Namespace, early: EarlyChild) -> int:
    from rich.console import Console

    from micrograd.check._render import Renderer, render_json
    from micrograd.check._run import run_check

    progress = _Progress(Console(stderr=True)) if not args.json else None
    renderer: Optional[Renderer] = None
    try:
        if not args.json:  # the header is printed once the check has started (a bad path is one error line)
            path, why = resolve_path(args.path)
            renderer = Renderer(_stdout_console(), path)
            renderer.pending_header(path, why, args.oracle or "exact",
                                    args.profile or os.environ.get("HYPOTHESIS_PROFILE") or DEFAULT_PROFILE)

        def before(prop: Property) -> None:
            if renderer is not None:
                renderer.print_header()
            if progress is not None:
                progress.before(prop)

        def after(verdict: ExerciseResult, results: List[PropertyResult]) -> None:
            if renderer is not None:
                if progress is not None:
                    progress.pause()
                renderer.exercise_done(verdict, results)

        with _interruptible():
            report = run_check(
                args.path,
                spec_dir=args.spec,
                exercises=args.exercise,
                oracle=args.oracle,
                profile=args.profile,
                timeout=args.timeout,
                before=before,
                after=after,
                explore=args.explore,
                optional=args.optional,
                early=early,
                each=renderer.property_done if renderer is not None else None,
            )
    except CheckError as error:
        if progress is not None:
            progress.stop()
        print(f"micrograd check: {error}", file=sys.stderr)
        return 2
    finally:
        if progress is not None:
            progress.stop()
    if args.json:
        print(render_json(report))
    elif renderer is not None:
        renderer.finish(report)
    return 0 if report.ok else 1


#: seconds between two reminders of a Ctrl-C that the check has not acted on
_REMIND = 2.0


@contextlib.contextmanager
def _interruptible() -> Iterator[None]:
    """Ctrl-C always stops the check, whatever the code running at that moment does with it.

    Python drops an exception raised where it cannot propagate (a garbage-collector callback, which
    Hypothesis installs to time collections; a ``__del__``) and only reports it to
    ``sys.unraisablehook``: a KeyboardInterrupt dropped so is raised again a moment later, in the main
    thread, as Ctrl-C raises it. Code that catches every exception could turn one into a verdict: while
    the check goes on after a Ctrl-C, it is raised again every ``_REMIND`` seconds, and a check that
    ends anyway ends interrupted.
    """
    pressed = threading.Event()
    done = threading.Event()
    sending = threading.Lock()  # no reminder is sent once the check is done
    previous_hook = sys.unraisablehook
    in_main = threading.current_thread() is threading.main_thread()
    previous_handler = signal.getsignal(signal.SIGINT) if in_main else None

    def poke() -> None:
        with sending:
            if not done.is_set():
                _thread.interrupt_main()

    def again(delay: float) -> None:
        timer = threading.Timer(delay, poke)
        timer.daemon = True
        timer.start()

    def remind() -> None:
        while not done.wait(_REMIND):
            poke()

    def on_sigint(signum: int, frame: Any) -> None:
        if not pressed.is_set():
            pressed.set()
            threading.Thread(target=remind, daemon=True).start()
        raise KeyboardInterrupt

    def hook(unraisable: Any) -> None:
        if isinstance(unraisable.exc_type, type) and issubclass(unraisable.exc_type, KeyboardInterrupt):
            again(0.01)  # raised at once, it would land in the same callback (or in this hook) and be dropped
            return
        previous_hook(unraisable)

    sys.unraisablehook = hook
    if previous_handler is signal.default_int_handler:
        signal.signal(signal.SIGINT, on_sigint)
    try:
        yield
    finally:
        with sending:
            done.set()
        try:  # a reminder sent before is raised here, while on_sigint is the handler: never after the check
            _checkpoint()
        finally:
            sys.unraisablehook = previous_hook
            if previous_handler is signal.default_int_handler:
                signal.signal(signal.SIGINT, previous_handler)
    if pressed.is_set():  # the check went on to its end after a Ctrl-C
        raise KeyboardInterrupt


def _checkpoint() -> None:
    """Nothing: calling a Python function is where Python runs the signal handlers of signals that arrived."""


def _stdout_console() -> Console:
    """Rich on stdout; piped to a file or a log, wide enough that table rows do not wrap."""
    from rich.console import Console

    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=max(console.width, 140))
    return console


class _Progress:
    """A spinner naming the property being checked, on an interactive stderr only."""

    def __init__(self, console: Console) -> None:
        self.status = console.status("loading the spec") if console.is_terminal else None
        if self.status is not None:
            self.status.start()

    def before(self, prop: Property) -> None:
        if self.status is not None:
            self.status.update(f"checking {prop.exercise}: {prop.name}")
            self.status.start()

    def pause(self) -> None:
        """Stop the spinner while a failure is printed (``before`` starts it again)."""
        if self.status is not None:
            self.status.stop()

    def stop(self) -> None:
        if self.status is not None:
            self.status.stop()
