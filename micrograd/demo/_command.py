"""The ``micrograd demo`` command: upstream's moons demo on the fast path, in a few seconds;
``micrograd demo yinyang``: the LLM101n module's yin-yang run, printing exactly its log."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from micrograd.demo._plot import PlotError, check_plot_target, save_decision_boundary
from micrograd.training import (
    DEMO_SIZES,
    DEMO_STEPS,
    YINYANG_STEPS,
    DataError,
    Step,
    accuracy,
    load_moons,
    make_model,
    train_moons,
    train_yinyang,
)

HELP = "train a small MLP on the bundled two-moons data (or the yin-yang points) and print its progress"

#: the demos, the first is the default
DEMOS = ("moons", "yinyang")
#: the most steps `micrograd demo yinyang --steps` accepts (each takes tens of milliseconds)
MAX_YINYANG_STEPS = 10_000

#: print a row of the progress table every this many steps (and at the last step)
EVERY = 10


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "demo", nargs="?", choices=DEMOS, default=DEMOS[0],
        help="moons (default): upstream's demo; yinyang: the LLM101n module's run, whose stdout is exactly "
        "the module's log (val loss every 10 steps, train loss every step)",
    )
    parser.add_argument(
        "--steps", type=int, default=None, metavar="N",
        help=f"training steps: moons 1 to {DEMO_STEPS} (default {DEMO_STEPS}, as upstream's demo); "
        f"yinyang 1 to {MAX_YINYANG_STEPS} (default {YINYANG_STEPS}, as the module's script)",
    )
    parser.add_argument(
        "--plot", type=Path, default=None, metavar="FILE",
        help="also save the decision boundary (regions) as an image (PNG, SVG, PDF...; needs matplotlib)",
    )


def run(args: argparse.Namespace) -> int:
    if args.demo == "yinyang":
        return _run_yinyang(args)
    steps = DEMO_STEPS if args.steps is None else args.steps
    if not 1 <= steps <= DEMO_STEPS:
        print(
            f"micrograd demo: --steps must be from 1 to {DEMO_STEPS} (the learning rate decays over "
            f"{DEMO_STEPS} steps), not {steps}",
            file=sys.stderr,
        )
        return 2
    try:
        if args.plot is not None:
            check_plot_target(args.plot)
        data = load_moons()
    except (PlotError, DataError) as error:
        print(f"micrograd demo: {error}", file=sys.stderr)
        return 2

    model = make_model()
    sizes = ", ".join(str(n) for n in DEMO_SIZES)
    print(f"Training MLP(2, [{sizes}]) ({len(model.parameters())} parameters) on {len(data)} points "
          f"of the bundled moons, {steps} step{'s' if steps > 1 else ''}")
    print(f"{'step':>5}  {'loss':>10}  {'accuracy':>8}")

    def show(step: Step) -> None:
        if step.step % EVERY == 0 or step.step == steps - 1:
            print(f"{step.step:>5}  {step.loss:>10.6f}  {step.accuracy:>8.1%}", flush=True)

    result = train_moons(model, data, steps=steps, on_step=show)
    print(f"final accuracy: {result.final_accuracy:.1%} ({result.seconds:.1f} s)")
    if args.plot is not None:
        try:
            path = save_decision_boundary(model, data, args.plot)
        except PlotError as error:
            print(f"micrograd demo: {error}", file=sys.stderr)
            return 2
        print(f"saved the decision boundary to {path}")
    return 0


def _run_yinyang(args: argparse.Namespace) -> int:
    """Print the module's log on stdout and nothing else; the summary and the plot's path go to stderr."""
    from micrograd.demo._plot import save_decision_regions

    steps = YINYANG_STEPS if args.steps is None else args.steps
    if not 1 <= steps <= MAX_YINYANG_STEPS:
        print(f"micrograd demo yinyang: --steps must be from 1 to {MAX_YINYANG_STEPS}, not {steps}", file=sys.stderr)
        return 2
    if args.plot is not None:
        try:
            check_plot_target(args.plot)
        except PlotError as error:
            print(f"micrograd demo yinyang: {error}", file=sys.stderr)
            return 2
    result = train_yinyang(steps, on_line=lambda line: print(line, flush=True))
    model = result.model
    print(
        f"accuracy: train {accuracy(model, result.train):.1%}, val {accuracy(model, result.val):.1%}, "
        f"test {accuracy(model, result.test):.1%} ({result.seconds:.1f} s)",
        file=sys.stderr,
    )
    if args.plot is not None:
        try:
            path = save_decision_regions(model, result.train + result.val + result.test, args.plot)
        except PlotError as error:
            print(f"micrograd demo yinyang: {error}", file=sys.stderr)
            return 2
        print(f"saved the decision regions to {path}", file=sys.stderr)
    return 0
