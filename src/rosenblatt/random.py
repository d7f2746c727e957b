"""One seedable generator for all of rosenblatt's randomness.

Initialisation, dropout masks, shuffling and generated data sets all draw from
``get_rng()``, so ``rb.manual_seed(s)`` makes a whole run reproducible.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

__all__ = ["get_rng", "make_rng", "manual_seed", "seed", "use_generator"]

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


def make_rng(random_state: Any) -> np.random.Generator:
    """The generator an estimator draws from: rosenblatt's global one for ``None`` (so
    ``rb.manual_seed`` reproduces a run), a fresh ``default_rng(seed)`` for an int, the
    generator itself for a ``np.random.Generator``, and one seeded from a legacy
    ``np.random.RandomState`` (scikit-learn's convention)."""
    if random_state is None:
        return get_rng()
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(2**31 - 1))
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        return np.random.default_rng(int(random_state))
    raise ValueError(
        f"random_state must be None, an int, a numpy Generator or RandomState, got {random_state!r}"
    )


@contextlib.contextmanager
def use_generator(generator: np.random.Generator | None) -> Iterator[np.random.Generator]:
    """Within the block, ``get_rng()`` is ``generator`` (``None``: the global one, unchanged).

    A training run with its own seed (an estimator's ``random_state``) draws its shuffling,
    dropout masks and noise from it without touching the global generator:

    >>> import numpy as np
    >>> g = np.random.default_rng(0)
    >>> with use_generator(g):
    ...     get_rng() is g
    True
    """
    global _rng
    saved = _rng
    if generator is not None:
        _rng = generator
    try:
        yield _rng
    finally:
        _rng = saved
