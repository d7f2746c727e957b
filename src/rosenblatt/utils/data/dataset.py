"""Data sets (torch.utils.data.dataset): what a DataLoader draws its samples from.

A map-style data set has ``len(ds)`` samples and ``ds[i]`` the i-th; an iterable one is
read by ``iter(ds)`` (a stream). ``ds1 + ds2`` chains two data sets:

>>> import numpy as np
>>> ds = TensorDataset(np.arange(10.0).reshape(5, 2), np.arange(5))
>>> x, y = ds[1]                      # a tuple of Tensors, as in PyTorch
>>> x.shape, int(y)
((2,), 1)
>>> train, test = random_split(ds, [0.6, 0.4])
>>> len(train), len(test), len(ds + ds)
(3, 2, 10)

Where PyTorch raises AssertionError on a bad argument (sizes that differ, an empty list of
data sets), rosenblatt raises ValueError with the sizes in the message.
"""

from __future__ import annotations

import bisect
import itertools
import math
import warnings
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Generic, TypeVar

import numpy as np

from ...tensor import Tensor
from .sampler import check_generator, rng_of

__all__ = [
    "ChainDataset",
    "ConcatDataset",
    "Dataset",
    "IterableDataset",
    "Subset",
    "TensorDataset",
    "random_split",
]

T_co = TypeVar("T_co", covariant=True)


class Dataset(Generic[T_co]):
    """Base class of map-style data sets: subclasses define ``__getitem__`` and ``__len__``.

    ``ds + other`` is ``ConcatDataset([ds, other])``. There is deliberately no default
    ``__len__`` (as in PyTorch): ``len(ds)`` of a data set without one is a TypeError.
    """

    def __getitem__(self, index: Any) -> T_co:
        raise NotImplementedError(f"{type(self).__name__} has no __getitem__")

    def __add__(self, other: Dataset[T_co]) -> ConcatDataset[T_co]:
        return ConcatDataset([self, other])


class IterableDataset(Dataset[T_co], Iterable[T_co]):
    """Base class of data sets read as a stream: subclasses define ``__iter__``.

    A DataLoader takes ``batch_size`` consecutive samples of the stream per batch (it
    cannot shuffle or sample them). ``ds + other`` is ``ChainDataset([ds, other])``.
    """

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError(f"{type(self).__name__} has no __iter__")

    def __add__(self, other: Dataset[T_co]) -> ChainDataset:  # type: ignore[override]
        return ChainDataset([self, other])


def _as_tensor(t: Any) -> Tensor:
    """A rosenblatt Tensor as it is; an array, a torch.Tensor or a list wrapped (no copy)."""
    if isinstance(t, Tensor):
        return t
    if hasattr(t, "detach") and hasattr(t, "numpy"):  # torch.Tensor
        t = t.detach().cpu().numpy()
    return Tensor._make(np.asarray(t), None)


class TensorDataset(Dataset[tuple[Tensor, ...]]):
    """Samples are rows of tensors that share their first dimension: ds[i] = (a[i], b[i], ...).

    Parameters
    ----------
    *tensors : rosenblatt Tensors, NumPy arrays, torch Tensors or array_like
        All with the same first dimension (the number of samples); kept in ``.tensors`` as
        rosenblatt Tensors sharing their memory (no copy).
    check_finite : bool, default True
        Raise ValueError if a floating array holds NaN or inf (saying how many and where).

    Raises
    ------
    ValueError
        No arrays, a 0-d array, or first dimensions that differ (all shapes are listed).

    Notes
    -----
    A DataLoader gathers a batch of a TensorDataset with one fancy index per tensor
    (``a[indices]``), not sample by sample; the batch is the same as PyTorch's.
    """

    def __init__(self, *tensors: Any, check_finite: bool = True) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one array")
        self.tensors = tuple(_as_tensor(t) for t in tensors)
        arrays = [np.asarray(t) for t in self.tensors]
        for i, a in enumerate(arrays):
            if a.ndim == 0:
                raise ValueError(f"TensorDataset: array {i} is 0-d; it needs a sample dimension")
        if len({a.shape[0] for a in arrays}) != 1:
            shapes = ", ".join(f"array {i}: {a.shape}" for i, a in enumerate(arrays))
            raise ValueError(
                f"TensorDataset: all arrays must have the same first dimension (number of "
                f"samples), got {shapes}"
            )
        if check_finite:
            # imported here: rosenblatt.data re-exports this module, so it cannot be loaded first
            from ...data.validation import check_finite as _check_finite

            for i, a in enumerate(arrays):
                _check_finite(a, f"TensorDataset array {i}")

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return len(self.tensors[0])

    def _gather(self, indices: np.ndarray) -> list[np.ndarray]:
        """The batch ``[a[indices] for each tensor a]``: one fancy index per array."""
        return [np.asarray(t)[indices] for t in self.tensors]


class ConcatDataset(Dataset[T_co]):
    """Data sets one after the other: sample i of the concatenation is sample
    i - cumulative_sizes[k-1] of data set k, the first k with i < cumulative_sizes[k].

    Parameters
    ----------
    datasets : iterable of map-style Dataset

    Raises
    ------
    ValueError
        No data sets, or an IterableDataset among them.
    """

    def __init__(self, datasets: Iterable[Dataset[Any]]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise ValueError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))  # type: ignore[arg-type]

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx: int) -> T_co:
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        k = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[k - 1] if k > 0 else 0
        return self.datasets[k][idx - start]


class ChainDataset(IterableDataset[Any]):
    """Iterable data sets read one after the other.

    Parameters
    ----------
    datasets : iterable of IterableDataset
    """

    def __init__(self, datasets: Iterable[Dataset[Any]]) -> None:
        self.datasets = datasets

    def _each(self) -> Iterator[Any]:
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise ValueError("ChainDataset only supports IterableDataset")
            yield d

    def __iter__(self) -> Iterator[Any]:
        for d in self._each():
            yield from d

    def __len__(self) -> int:
        return sum(len(d) for d in self._each())  # type: ignore[arg-type]


class Subset(Dataset[T_co]):
    """The samples of ``dataset`` at ``indices``: subset[i] = dataset[indices[i]].

    Parameters
    ----------
    dataset : Dataset
    indices : sequence of int
    """

    def __init__(self, dataset: Dataset[T_co], indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices
        self._index_array: tuple[Any, np.ndarray] | None = None

    def __getitem__(self, idx: Any) -> Any:
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]  # type: ignore[index]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices: list[int]) -> list[Any]:
        """The samples at ``indices`` (of the subset), fetched as a list for collation."""
        inner = getattr(self.dataset, "__getitems__", None)
        if callable(inner):
            return inner([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self) -> int:
        return len(self.indices)

    def _gather(self, indices: np.ndarray) -> list[np.ndarray]:
        """Map the batch's indices through ``self.indices`` (kept as an array, rebuilt only
        when ``indices`` is replaced) and gather from the underlying data set."""
        if self._index_array is None or self._index_array[0] is not self.indices:
            self._index_array = (self.indices, np.asarray(self.indices, dtype=np.int64))
        return self.dataset._gather(self._index_array[1][indices])  # type: ignore[attr-defined]


def gatherable(dataset: Any) -> bool:
    """Whether a batch of ``dataset`` is one fancy index per array (``_gather``): a
    TensorDataset, or Subsets of one, whose ``__getitem__``/``__getitems__`` are PyTorch's
    (a subclass that overrides them gets them called, sample by sample)."""

    def same(name: str, cls: type) -> bool:
        return getattr(type(dataset), name, None) is getattr(cls, name, None)

    while same("__getitem__", Subset) and same("__getitems__", Subset):
        dataset = dataset.dataset
    return same("__getitem__", TensorDataset) and same("__getitems__", TensorDataset)


def _split_lengths(n: int, lengths: Sequence[int | float]) -> list[int]:
    """Fractions that sum to 1 become counts: floor(n * f_i) each, then the remaining
    n - sum floor(n * f_i) samples are added one at a time to the splits in order (round
    robin). Counts are returned as they are."""
    total = sum(lengths)
    if not (math.isclose(total, 1) and total <= 1):
        return [int(k) for k in lengths]
    counts = []
    for i, frac in enumerate(lengths):
        if frac < 0 or frac > 1:
            raise ValueError(f"Fraction at index {i} is not between 0 and 1")
        counts.append(math.floor(n * frac))
    for i in range(n - sum(counts)):
        counts[i % len(counts)] += 1
    for i, k in enumerate(counts):
        if k == 0:
            warnings.warn(
                f"Length of split at index {i} is 0. This might result in an empty dataset.",
                stacklevel=3,
            )
    return counts


def random_split(
    dataset: Dataset[Any],
    lengths: Sequence[int | float],
    generator: np.random.Generator | None = None,
) -> list[Subset[Any]]:
    """Split ``dataset`` into non-overlapping random Subsets of the given lengths.

    One permutation p of 0..n-1 is drawn and cut in order: the first split gets
    p[0:k0], the next p[k0:k0+k1], and so on.

    Parameters
    ----------
    dataset : Dataset
        n = len(dataset) samples.
    lengths : sequence of int or float
        Counts that sum to n, or fractions that sum to 1: split i then has floor(n f_i)
        samples, and the remainder is dealt out one by one to the splits in order, as in
        PyTorch (a warning is issued for a split left empty).
    generator : numpy.random.Generator, optional
        Default: rosenblatt's seeded generator ``rosenblatt.random.get_rng()``.

    Returns
    -------
    list of Subset

    Raises
    ------
    ValueError
        A fraction outside [0, 1], or counts that do not sum to n.

    Examples
    --------
    >>> import rosenblatt as rb
    >>> _ = rb.manual_seed(0)
    >>> [len(s) for s in random_split(range(10), [0.5, 0.3, 0.2])]
    [5, 3, 2]
    """
    check_generator(generator, "random_split")
    counts = _split_lengths(len(dataset), lengths)  # type: ignore[arg-type]
    if sum(counts) != len(dataset):  # type: ignore[arg-type]
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    order = rng_of(generator).permutation(sum(counts)).tolist()
    ends = list(itertools.accumulate(counts))
    return [Subset(dataset, order[end - k : end]) for end, k in zip(ends, counts)]
