"""A fake property needing no oracle, in a file sorting before test_ops.py, for an exercise after theirs."""

from _helpers import numbers

from micrograd.program import Op, Program
from micrograd.spec import spec_property
from micrograd.verdict import SpecFailure


@spec_property("backward", x=numbers)
def test_backward_seeds_the_root_with_one(impl, x):
    program = Program((x,), (Op("mul", (0, 0)),), (1,))
    got = impl.evaluate(program)
    if got.error is not None:
        raise SpecFailure("backward", f"your engine raised {got.error}", str(program), failure=got.error)
    if got.grad[1] != 1.0:
        raise SpecFailure(
            "backward",
            "the root's grad is not 1 after backward()",
            str(program),
            [("b.grad", "1.0", repr(got.grad[1]))],
            "backward() must start with self.grad = 1",
        )


@spec_property("accumulation", skip="skipped on purpose", x=numbers)
def test_always_skipped(impl, x):
    raise AssertionError("a skipped property must not run")
