"""The LLM101n module's random number generator: xorshift64* with 24-bit floats.

Fully deterministic and written with explicit 64-bit masks, so a C program (or
anything with unsigned integers) draws exactly the same numbers from the same seed.
"""

from __future__ import annotations

__all__ = ["RNG"]

_U64 = 0xFFFFFFFFFFFFFFFF
_U32 = 0xFFFFFFFF
#: the xorshift64* output multiplier
_MULTIPLIER = 0x2545F4914F6CDD1D
#: 2**24: random() keeps the top 24 bits of a 32-bit draw
_FLOAT_SCALE = 16777216.0


class RNG:
    """xorshift64* seeded with ``seed``: ``random_u32()``, ``random()`` in [0, 1), ``uniform(a, b)``."""

    def __init__(self, seed: int) -> None:
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 < seed <= _U64:
            raise ValueError(f"seed must be an int from 1 to 2**64 - 1 (xorshift never leaves 0), not {seed!r}")
        self.state = seed

    def random_u32(self) -> int:
        """Advance the state (xorshift by 12, 25, 27) and return the top 32 bits of state * multiplier."""
        state = self.state
        state ^= (state >> 12) & _U64
        state ^= (state << 25) & _U64
        state ^= (state >> 27) & _U64
        self.state = state
        return ((state * _MULTIPLIER) >> 32) & _U32

    def random(self) -> float:
        """A float in [0, 1) with 24 random bits (exactly representable in float32)."""
        return (self.random_u32() >> 8) / _FLOAT_SCALE

    def uniform(self, a: float = 0.0, b: float = 1.0) -> float:
        """A float in [a, b): ``a + (b - a) * random()``."""
        return a + (b - a) * self.random()
