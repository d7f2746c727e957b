"""Dataset, TensorDataset and DataLoader with PyTorch's semantics.

A ``DataLoader`` splits a data set into batches of ``batch_size`` samples; with
``shuffle=True`` each epoch (each ``iter(loader)``) visits the samples in a new random
order drawn from ``rosenblatt.random.get_rng()`` (or the ``generator`` given), so
``rb.manual_seed(s)`` reproduces the batch order. Batches are rosenblatt Tensors that
record no graph:

>>> import numpy as np, rosenblatt as rb
>>> ds = TensorDataset(np.arange(10.0).reshape(5, 2), np.arange(5))
>>> [tuple(xb.shape) for xb, yb in DataLoader(ds, batch_size=2)]
[(2, 2), (2, 2), (1, 2)]

For a ``TensorDataset`` a batch is one fancy index into each array (no per-sample Python
loop); any other ``Dataset`` (``__len__`` and ``__getitem__`` returning a sample or a tuple
of fields) is collated by stacking its samples with ``np.stack``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from .. import random as _random
from ..tensor import Tensor
from .validation import check_finite as _check_finite

__all__ = ["DataLoader", "Dataset", "TensorDataset"]


class Dataset:
    """Base class of map-style data sets: ``len(ds)`` samples, ``ds[i]`` the i-th."""

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} has no __len__")

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} has no __getitem__")


def _as_array(t: Any) -> np.ndarray:
    if isinstance(t, Tensor):
        return t.data
    if hasattr(t, "detach") and hasattr(t, "numpy"):  # torch.Tensor
        return t.detach().cpu().numpy()
    return np.asarray(t)


class TensorDataset(Dataset):
    """Samples are rows of arrays that share their first dimension: ds[i] = (a[i], b[i], ...).

    Parameters
    ----------
    *tensors : rosenblatt Tensors, NumPy arrays or array_like
        All with the same first dimension (the number of samples). Kept without copying.
    check_finite : bool, default True
        Raise ValueError if a floating array holds NaN or inf (saying how many and where).

    Raises
    ------
    ValueError
        No arrays, a 0-d array, or first dimensions that differ (all sizes are listed).
    """

    def __init__(self, *tensors: Any, check_finite: bool = True) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one array")
        arrays = tuple(_as_array(t) for t in tensors)
        for i, a in enumerate(arrays):
            if a.ndim == 0:
                raise ValueError(f"TensorDataset: array {i} is 0-d; it needs a sample dimension")
        sizes = [a.shape[0] for a in arrays]
        if len(set(sizes)) != 1:
            shapes = ", ".join(f"array {i}: {a.shape}" for i, a in enumerate(arrays))
            raise ValueError(
                f"TensorDataset: all arrays must have the same first dimension (number of "
                f"samples), got {shapes}"
            )
        if check_finite:
            for i, a in enumerate(arrays):
                _check_finite(a, f"TensorDataset array {i}")
        self.tensors = arrays

    def __len__(self) -> int:
        return self.tensors[0].shape[0]

    def __getitem__(self, index: Any) -> tuple[np.ndarray, ...]:
        return tuple(a[index] for a in self.tensors)


class DataLoader:
    """Iterate over a data set in batches: ceil(n / batch_size) batches per epoch.

    Parameters
    ----------
    dataset : Dataset
        A ``TensorDataset`` (fast path) or any object with ``__len__`` and ``__getitem__``.
    batch_size : int or None, default 1
        Samples per batch. None (PyTorch's meaning) yields single samples, without a batch
        dimension.
    shuffle : bool, default False
        Visit the samples in a new random permutation every epoch.
    drop_last : bool, default False
        Drop the last batch if it has fewer than ``batch_size`` samples; then there are
        floor(n / batch_size) batches.
    generator : numpy.random.Generator, optional
        Source of the permutations; default ``rosenblatt.random.get_rng()`` looked up at the
        start of each epoch (so ``rb.manual_seed`` made after building the loader counts).

    Yields
    ------
    tuple of Tensor
        One Tensor per field of the samples (a single Tensor if samples are not tuples).
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int | None = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        generator: np.random.Generator | None = None,
    ) -> None:
        if not hasattr(dataset, "__len__") or not hasattr(dataset, "__getitem__"):
            raise TypeError(
                "DataLoader: dataset must have __len__ and __getitem__, got "
                f"{type(dataset).__name__}"
            )
        if batch_size is not None:
            if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
                raise TypeError(f"DataLoader: batch_size must be int or None, got {batch_size!r}")
            if batch_size <= 0:
                raise ValueError(f"DataLoader: batch_size must be positive, got {batch_size}")
            batch_size = int(batch_size)
        if generator is not None and not isinstance(generator, np.random.Generator):
            raise TypeError(
                "DataLoader: generator must be a numpy.random.Generator, got "
                f"{type(generator).__name__}"
            )
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.generator = generator

    def __len__(self) -> int:
        n = len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _order(self) -> np.ndarray:
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        rng = self.generator if self.generator is not None else _random.get_rng()
        return rng.permutation(n)

    def __iter__(self) -> Iterator[Any]:
        order = self._order()
        if self.batch_size is None:
            for i in order:
                yield _wrap(self.dataset[int(i)])
            return
        bs = len(self) * self.batch_size if self.drop_last else len(order)
        fast = isinstance(self.dataset, TensorDataset)
        for start in range(0, min(bs, len(order)), self.batch_size):
            idx = order[start : start + self.batch_size]
            if fast:
                batch = tuple(a[idx] for a in self.dataset.tensors)
            else:
                batch = _collate([self.dataset[int(i)] for i in idx])
            yield _wrap(batch)


def _collate(samples: list[Any]) -> Any:
    """Stack a list of samples (each a value or a tuple of fields) along a new axis 0."""
    first = samples[0]
    if isinstance(first, (tuple, list)):
        return tuple(np.stack([_as_array(s[j]) for s in samples]) for j in range(len(first)))
    return np.stack([_as_array(s) for s in samples])


def _wrap(batch: Any) -> Any:
    if isinstance(batch, (tuple, list)):
        return tuple(_wrap_one(b) for b in batch)
    return _wrap_one(batch)


def _wrap_one(a: Any) -> Tensor:
    return a if isinstance(a, Tensor) else Tensor._make(np.asarray(a), None)
