"""DistributedSampler: each of the ranks of a data-parallel run reads its own share.

The rule, PyTorch's, for n samples on R ranks (``num_replicas``):

- every rank gets m = ceil(n / R) indices, so the ranks take the same number of steps;
  with ``drop_last`` and R not dividing n, m = floor(n / R) instead;
- the index list (0..n-1, or one permutation of it when shuffling, drawn from
  ``seed + epoch`` and so the same on every rank) is cut to R·m indices, or padded to
  R·m by repeating it from its start (indices 0, 1, ... of the list again, cyclically);
- rank r takes every R-th index starting at r: list[r], list[r + R], list[r + 2R], ...

So the ranks' shares are disjoint and cover every sample once per epoch, except the
R·m - n padded samples (seen twice) or, with ``drop_last``, the n - R·m dropped ones:

>>> [list(DistributedSampler(range(10), num_replicas=4, rank=r, shuffle=False))
...  for r in range(4)]
[[0, 4, 8], [1, 5, 9], [2, 6, 0], [3, 7, 1]]
"""

from __future__ import annotations

import math
from collections.abc import Sized

import numpy as np

from .sampler import _OrderSampler

__all__ = ["DistributedSampler"]


def _world() -> tuple[int, int]:
    """(world size, rank) of rosenblatt.distributed's process group, or (1, 0) when that
    module is missing or no process group is initialized."""
    try:
        from ... import distributed as dist  # written separately; may be absent
    except ImportError:
        return 1, 0
    is_initialized = getattr(dist, "is_initialized", None)
    if is_initialized is None or not is_initialized():
        return 1, 0
    return int(dist.get_world_size()), int(dist.get_rank())  # type: ignore[attr-defined]


class DistributedSampler(_OrderSampler):
    """The indices of one rank (see the module docstring for the rule).

    Parameters
    ----------
    dataset : Sized
        The data set (only its length n is used).
    num_replicas : int, optional
        Number of ranks R; default the world size of ``rosenblatt.distributed`` (1 when
        no process group is initialized).
    rank : int, optional
        This process's rank in [0, R); default ``rosenblatt.distributed.get_rank()`` (0
        when no process group is initialized).
    shuffle : bool, default True
        A new permutation every epoch, ``np.random.default_rng(seed + epoch)``: identical
        on every rank, and independent of rosenblatt's global generator.
    seed : int, default 0
        Must be the same on every rank.
    drop_last : bool, default False
        Drop the tail instead of padding so that R divides the samples used.

    Attributes
    ----------
    num_samples : int
        m, the indices per rank and epoch (``len(sampler)``).
    total_size : int
        R·m.
    epoch : int
        Set by ``set_epoch``; 0 at first.

    Raises
    ------
    ValueError
        ``rank`` outside [0, num_replicas - 1].

    Examples
    --------
    >>> sampler = DistributedSampler(range(10), num_replicas=3, rank=1, seed=42)
    >>> len(sampler), sampler.total_size
    (4, 12)
    >>> sampler.set_epoch(1)      # call at every epoch, before iterating, on every rank
    """

    def __init__(
        self,
        dataset: Sized,
        num_replicas: int | None = None,
        rank: int | None = None,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
    ) -> None:
        if num_replicas is None or rank is None:
            world_size, world_rank = _world()
            num_replicas = world_size if num_replicas is None else num_replicas
            rank = world_rank if rank is None else rank
        if rank >= num_replicas or rank < 0:
            raise ValueError(
                f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]"
            )
        self.dataset = dataset
        self.num_replicas = int(num_replicas)
        self.rank = int(rank)
        self.epoch = 0
        self.drop_last = drop_last
        self.shuffle = shuffle
        self.seed = seed
        n, R = len(dataset), self.num_replicas
        self.num_samples = n // R if drop_last else math.ceil(n / R)
        self.total_size = self.num_samples * R

    def _order(self) -> np.ndarray:
        n = len(self.dataset)
        if self.shuffle:
            indices = np.random.default_rng(self.seed + self.epoch).permutation(n)
        else:
            indices = np.arange(n, dtype=np.int64)
        indices = np.resize(indices, self.total_size)  # cut, or pad by repeating cyclically
        return indices[self.rank :: self.num_replicas].astype(np.int64, copy=False)

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch, so that the next shuffle differs from the last one (the same on
        every rank that sets the same epoch)."""
        self.epoch = epoch
