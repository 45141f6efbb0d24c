"""The ``micrograd demo`` command: upstream's moons demo on the fast path, in a few seconds."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from micrograd.demo._plot import PlotError, check_plot_target, save_decision_boundary
from micrograd.training import DEMO_SIZES, DEMO_STEPS, DataError, Step, load_moons, make_model, train_moons

HELP = "train a small MLP on the bundled two-moons data and print its accuracy"

#: print a row of the progress table every this many steps (and at the last step)
EVERY = 10


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--steps", type=int, default=DEMO_STEPS, metavar="N",
        help=f"training steps, 1 to {DEMO_STEPS} (default: {DEMO_STEPS}, as upstream's demo)",
    )
    parser.add_argument(
        "--plot", type=Path, default=None, metavar="FILE",
        help="also save the decision boundary as an image (PNG, SVG, PDF...; needs matplotlib)",
    )


def run(args: argparse.Namespace) -> int:
    steps = args.steps
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
