"""How many programs per second each oracle checks: typical small programs and deep ones.

Run: ``python benchmarks/oracles.py`` (about half a minute; ``--quick`` for a smoke run).
Prints a Markdown table to paste into docs/oracles.md.
"""

from __future__ import annotations

import argparse
import platform
import random
import time
from typing import Callable, List

from micrograd.oracles import ORACLE_NAMES, Oracle, engine_failure, get_oracle, oracle_skip_reason
from micrograd.program import BINARY, UNARY, Const, Op, Program

EXPONENTS = (2, 3, -1, 0.5, 2.0)


def typical_program(rng: random.Random) -> Program:
    """5-20 random operations over 1-4 leaves, one root (the last node), in the engine's domain."""
    while True:
        leaves = tuple(round(rng.uniform(-2, 2), 3) for _ in range(rng.randint(1, 4)))
        ops: List[Op] = []
        for _ in range(rng.randint(5, 20)):
            size = len(leaves) + len(ops)
            kind = rng.choice(tuple(BINARY) + UNARY)
            a, b = rng.randrange(size), rng.randrange(size)
            if kind == "pow":
                ops.append(Op(kind, (a, Const(rng.choice(EXPONENTS)))))
            elif kind in BINARY:
                ops.append(Op(kind, (a, Const(round(rng.uniform(-2, 2), 2)) if rng.random() < 0.3 else b)))
            else:
                ops.append(Op(kind, (a,)))
        program = Program(leaves, tuple(ops), (len(leaves) + len(ops) - 1,))
        if engine_failure(program) is None:
            return program


def deep_program(size: int) -> Program:
    """A chain of about ``size`` nodes: x <- tanh(x * a) + b ** 2 / 3, repeated."""
    ops: List[Op] = []
    previous = 0
    while len(ops) + 2 < size:
        node = 2 + len(ops)
        ops += [
            Op("mul", (previous, 0)),
            Op("tanh", (node,)),
            Op("pow", (1, Const(2))),
            Op("div", (node + 2, Const(3))),
            Op("add", (node + 1, node + 3)),
        ]
        previous = node + 4
    return Program((0.7, -0.4), tuple(ops), (previous,))


def rate(oracle: Oracle, programs: List[Program], budget: float) -> float:
    """Programs per second, after one untimed pass over all of them (JAX compiles each padded size then)."""
    for program in programs:
        oracle.evaluate(program)
    done, start = 0, time.perf_counter()
    while True:
        for program in programs:
            oracle.evaluate(program)
            done += 1
        elapsed = time.perf_counter() - start
        if elapsed >= budget:
            return done / elapsed


def timed(make: Callable[[], Oracle]) -> tuple:
    start = time.perf_counter()
    oracle = make()
    return oracle, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short budgets, for a smoke run")
    args = parser.parse_args()
    budget = 0.5 if args.quick else 3.0
    rng = random.Random(2024)
    typical = [typical_program(rng) for _ in range(100)]
    deep = [deep_program(1000)]
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}")
    print(f"typical programs: {sum(p.size for p in typical) / len(typical):.1f} nodes on average; deep: {deep[0].size}")
    print()
    print("| oracle | setup (s) | first deep call (s) | typical programs/s | deep (1000 nodes) programs/s |")
    print("| --- | --- | --- | --- | --- |")
    for name in ORACLE_NAMES:
        reason = oracle_skip_reason(name)
        if reason is not None:
            print(f"| {name} | skipped: {reason} | | | |")
            continue
        oracle, setup = timed(lambda name=name: get_oracle(name))  # type: ignore[misc]
        start = time.perf_counter()
        oracle.evaluate(deep[0])
        first_deep = time.perf_counter() - start
        small = rate(oracle, typical, budget)
        large = rate(oracle, deep, budget)
        print(f"| {name} | {setup:.2f} | {first_deep:.2f} | {small:.0f} | {large:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
