"""When training has diverged: the one test ``rb.fit``'s divergence guard applies to every
batch loss.

A loss diverges when it is NaN or inf, or when it explodes: rises above ``FACTOR`` times
its value on the first batch of the run (the loss of the untrained model, which training
exists to lower). SGD at lr 1e12 "trains" to a loss of 1.4e12 without ever producing an
inf; a thousandfold rise above where training started is the same failure, found before
it overflows. A loss that starts at zero or below (a custom loss with no scale to compare
with) is only checked for NaN/inf.
"""

from __future__ import annotations

import math

__all__ = ["FACTOR", "DivergenceGuard"]

FACTOR = 1e4  # a batch loss this many times its value at the start has exploded


class DivergenceGuard:
    """Remembers the loss at the start of training and says why a batch loss diverges.

    >>> guard = DivergenceGuard()
    >>> guard.check(2.3), guard.check(0.4), guard.check(float("nan"))
    (None, None, 'the loss became nan')
    >>> guard.check(1.4e12)
    'the loss exploded to 1.4e+12, more than 10000 times its value at the start (2.3)'
    """

    def __init__(self, factor: float = FACTOR) -> None:
        self.factor = factor
        self.start: float | None = None

    def check(self, value: float) -> str | None:
        """None while ``value`` is fine, else what went wrong (for the error message)."""
        if not math.isfinite(value):
            return f"the loss became {value}"
        if self.start is None:
            self.start = value
        elif self.start > 0 and value > self.factor * self.start:
            return (
                f"the loss exploded to {value:.3g}, more than {self.factor:g} times its value "
                f"at the start ({self.start:.3g})"
            )
        return None
