"""Several requests per round trip (micrograd.sandbox): a batch gives each request the outcome it gets alone,
and a hung or dying child still says which request it was running."""

from __future__ import annotations

import base64
import dataclasses
import math
import struct
from pathlib import Path
from typing import Any, List

import pytest
from classroom import patched_reference

from autograder.sandbox import Limits, SandboxEvaluator
from micrograd.impl import LocalEvaluator, reference_dir
from micrograd.program import Const, Failure, Op, Outcome, Program
from micrograd.program._module import ModuleProgram
from micrograd.sandbox import Pickled
from micrograd.sandbox._protocol import PACKED, bounded

REQUESTS: List[Any] = [
    Program((2.0, -3.0), (Op("mul", (0, 1)), Op("add", (2, Const(1.5))), Op("tanh", (3,))), (4,)),
    Program((0.5,), (Op("mul", (0, 0)), Op("sub", (Const(1.0), 1)), Op("exp", (2,)), Op("log", (3,))), (4,)),
    Program((1.0, 2.0), (Op("pow", (0, 1)),), (2,)),  # a node exponent: TypeError in a correct engine
    ModuleProgram("mlp", 2, (3, 1), tuple(0.1 * i - 0.4 for i in range(13)), ((1.0, -2.0),), ((0.5,),),
                  actions=("forward", "zero_grad", "parameters")),
    Program(tuple(0.01 * i for i in range(40)), tuple(Op("add", (i, i + 1)) for i in range(39)), (78,)),
]
HANG = Program((1.0,), (Op("tanh", (0,)),), (1,))  # tanh of a positive number never returns (below)
FINE = Program((-1.0,), (Op("tanh", (0,)),), (1,))


def _same(got: Any, want: Any) -> bool:
    if isinstance(want, Outcome) and want.error is not None:
        return got.error is not None and (got.error.type, got.error.phase, got.error.node) == (
            want.error.type, want.error.phase, want.error.node)
    return bool(got == want)


def test_a_batch_gives_every_request_the_outcome_it_gets_alone() -> None:
    local = LocalEvaluator(reference_dir())
    want = [local.evaluate(r) for r in REQUESTS]
    with SandboxEvaluator(reference_dir()) as sandbox:
        batched = sandbox.evaluate_many(REQUESTS)
        pickled = [sandbox.result(t) for t in sandbox.submit_pickled([Pickled.of(REQUESTS[:2]),
                                                                       Pickled.of(REQUESTS[2:])])]
        alone = [sandbox.evaluate(r) for r in REQUESTS]
        assert sandbox.restarts == 1  # one child answered them all
    for outcomes in (batched, pickled, alone):
        assert all(_same(g, w) for g, w in zip(outcomes, want)) and len(outcomes) == len(want)


def test_requests_sent_while_others_are_in_flight_are_answered_in_turn() -> None:
    with SandboxEvaluator(reference_dir()) as sandbox:
        first = sandbox.submit(REQUESTS)
        alone = sandbox.evaluate(REQUESTS[1])  # sent after the batch: answered after it
        second = sandbox.submit(REQUESTS[:2])
        sandbox.forget(second[:1])
        assert sandbox.pending(first[0]) and sandbox.pending(second[1]) and not sandbox.pending(second[0])
        results = [sandbox.result(t) for t in reversed(first)]
        assert sandbox.result(second[0]) is None and _same(sandbox.result(second[1]), alone)
    local = LocalEvaluator(reference_dir())
    assert all(_same(g, local.evaluate(r)) for g, r in zip(reversed(results), REQUESTS))


def test_a_hung_request_in_a_batch_times_out_and_says_where_the_others_before_it_are_answered(
        tmp_path: Path) -> None:
    sub = patched_reference(tmp_path / "sub", """
        _tanh = Value.tanh
        def tanh(self):
            while self.data > 0:
                pass
            return _tanh(self)
        Value.tanh = tanh
    """)
    line = (sub / "engine.py").read_text().splitlines().index("        pass") + 1
    with SandboxEvaluator(sub, Limits(timeout=0.5)) as sandbox:
        outcomes = sandbox.evaluate_many([FINE, *REQUESTS[:2], HANG, FINE, *REQUESTS])
        assert sandbox._cell.proc is None  # stopped
        after = sandbox.evaluate(FINE)  # a fresh child
    assert [o is not None and o.ok for o in outcomes[:3]] == [True, True, True]
    hung = outcomes[3]
    assert hung is not None and hung.error is not None and hung.error.type == "Timeout"
    assert "no answer within 0.5 s" in hung.error.message
    assert any(f"it was running engine.py:{n} (tanh)" in hung.error.message for n in (line - 1, line))
    assert outcomes[4:] == [None] * (len(outcomes) - 4)  # never run
    assert after.ok and sandbox.restarts == 2


def test_a_child_dying_in_a_batch_loses_what_it_did_not_answer_and_alone_the_request_says_so(
        tmp_path: Path) -> None:
    sub = patched_reference(tmp_path / "sub", """
        import os
        _tanh = Value.tanh
        def tanh(self):
            if self.data > 0:
                os._exit(3)
            return _tanh(self)
        Value.tanh = tanh
    """)
    with SandboxEvaluator(sub) as sandbox:
        outcomes = sandbox.evaluate_many([FINE, HANG, FINE])
        alone = [sandbox.evaluate(r) for r in (FINE, HANG, FINE)]
    # answers are written a few at a time: what was answered but not yet written dies with the child, and
    # which request killed it is not known; nothing is blamed on the wrong request
    assert all(o is None or o.ok for o in outcomes) and outcomes[1] is None
    assert alone[0].ok and alone[2].ok
    assert alone[1].error is not None and alone[1].error.type == "Crash" and "exit code 3" in alone[1].error.message


def test_floats_are_packed_exactly() -> None:
    values = [0.1, -0.0, math.inf, -math.inf, 5e-324, 1.7976931348623157e308, 1 / 3, 2.0**-1074 * 3, 1e-300]
    raw = b"".join(struct.pack("=d", v) for v in values)
    unpacked = bounded({PACKED: base64.b64encode(raw).decode()})
    assert [struct.pack("=d", v) for v in unpacked] == [struct.pack("=d", v) for v in values]
    nan = bounded({"grad": {PACKED: base64.b64encode(struct.pack("=d", math.nan) * 8).decode()}})["grad"]
    assert len(nan) == 8 and all(math.isnan(v) for v in nan)


@pytest.mark.parametrize("packed", [3, "not base64!", "AAAA", "A" * 8 * 200_004],
                         ids=["a number", "not base64", "three bytes", "150,003 doubles"])
def test_a_bad_packed_list_is_refused(packed: Any) -> None:
    with pytest.raises(ValueError):
        bounded({"data": {PACKED: packed}})


def test_a_child_sending_forged_packed_floats_crashes(tmp_path: Path) -> None:
    sub = patched_reference(tmp_path / "sub", """
        import json, os, sys
        reply = json.loads(sys.argv[1])["resp"]
        os.write(reply, b'{"ready": true, "engine": null, "nn": null}\\n{"outcome": {"data": {"f64": "AAA"}}}\\n')
    """)
    with SandboxEvaluator(sub) as sandbox:
        outcome = sandbox.evaluate(FINE)
    assert outcome.error is not None and outcome.error.type == "Crash"


def test_an_outcome_crosses_the_pipe_as_asdict_writes_it_but_what_was_printed() -> None:
    for outcome in (Outcome((1.0, 2.5), (None, 3.0), (0.0, 0.0), None, ((1, 0), (2,)), output="printed"),
                    Outcome(error=Failure("TypeError", "bad", "build", 3, "engine.py:4 in f"))):
        written = dataclasses.asdict(outcome)
        del written["output"]  # the parent's note of what the child printed: never in what the child sends
        assert outcome.to_dict() == written


def test_a_request_unanswered_for_half_its_time_limit_runs_at_the_lowest_priority_until_answered(
        tmp_path: Path) -> None:
    import os

    sub = patched_reference(tmp_path / "sub", """
        import os
        def tanh(self):
            while self.data > 0 and os.getpriority(os.PRIO_PROCESS, 0) == 0:
                pass  # busy until the grader lowers this process's priority
            return Value(float(os.getpriority(os.PRIO_PROCESS, 0)))
        Value.tanh = tanh
    """)
    with SandboxEvaluator(sub, Limits(timeout=4.0)) as sandbox:
        slow = sandbox.evaluate(HANG)
        after = sandbox.evaluate(FINE)
    assert slow.ok and slow.data[-1] == 19.0  # it went on, at the lowest priority
    if os.geteuid() == 0:  # only root may raise a priority again
        assert after.ok and after.data[-1] == 0.0


def test_children_of_one_submission_side_by_side_share_its_time_budget(tmp_path: Path) -> None:
    sub = patched_reference(tmp_path / "sub", """
        import time
        _tanh = Value.tanh
        def tanh(self):
            if self.data > 0:
                time.sleep(0.4)
            return _tanh(self)
        Value.tanh = tanh
    """)
    limits = Limits(timeout=5.0, budget=30.0)
    with SandboxEvaluator(sub, limits) as first, SandboxEvaluator(sub, limits, budget_of=first) as side:
        side.start()
        assert first.evaluate(FINE).ok and side.evaluate(FINE).ok
        before = (first.remaining, side.remaining)
        assert side.evaluate(HANG).ok  # slow, not hung: 0.4 s spent by the side child
        spent = before[1] - side.remaining
        assert spent >= 0.35 and first.remaining == side.remaining and before[0] - first.remaining == spent
        first.evaluate(HANG)
        assert limits.budget - first.remaining >= 0.75  # both waits, counted once each, in one budget


def test_a_prefetched_request_is_answered_by_a_child_beside_the_first(tmp_path: Path) -> None:
    from micrograd.program import DeepChain

    sub = patched_reference(tmp_path / "sub", """
        _backward = Value.backward
        def backward(self):
            _backward(self)
            self.grad = 7.0 if self.data > 1000 else self.grad  # marks the end of a long chain
        Value.backward = backward
    """)
    deep, other = DeepChain(3000), DeepChain(10)
    with SandboxEvaluator(sub, Limits(timeout=20.0)) as sandbox:
        sandbox.prefetch(deep)
        sandbox.prefetch(other)
        side = [s for _, s, _ in sandbox._prefetched]
        assert len(side) == 2 and all(s._cell.proc is not None for s in side)  # started at once, beside the first
        got = sandbox.evaluate(deep)
        assert got.ok and got.grad == (3001.0, 7.0)  # the submission's own answer, from its side child
        assert side[0]._closed and not side[1]._closed  # taken: its child is gone; the other still waits
        assert sandbox.evaluate(REQUESTS[0]) == LocalEvaluator(reference_dir()).evaluate(REQUESTS[0])
        sandbox.cancel_prefetched()
        assert side[1]._closed and sandbox._prefetched == []
        assert sandbox.evaluate(other).grad == (11.0, 1.0)  # asked after its cancel: the first child answers
