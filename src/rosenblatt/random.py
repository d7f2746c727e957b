"""One seedable generator for all of rosenblatt's randomness.

Initialisation, dropout masks, shuffling and generated data sets all draw from
``get_rng()``, so ``rb.manual_seed(s)`` makes a whole run reproducible.
"""

from __future__ import annotations

import numpy as np

__all__ = ["get_rng", "manual_seed", "seed"]

_rng = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Reset the global generator to ``np.random.default_rng(seed)`` and return it."""
    global _rng
    _rng = np.random.default_rng(seed)
    return _rng


seed = manual_seed


def get_rng() -> np.random.Generator:
    """The global generator (a ``numpy.random.Generator``)."""
    return _rng
