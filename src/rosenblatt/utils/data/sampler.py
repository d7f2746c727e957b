"""Samplers: the order in which a DataLoader visits the samples (torch.utils.data.sampler).

A sampler yields sample indices; a ``BatchSampler`` groups them into lists of
``batch_size``. Every random sampler draws its whole epoch at once, when iteration starts,
from the ``generator`` it was given (a ``numpy.random.Generator``) or else from
rosenblatt's one seeded generator ``rosenblatt.random.get_rng()`` -- looked up at that
moment, so ``rb.manual_seed(s)`` made after building the sampler counts:

>>> import rosenblatt as rb
>>> _ = rb.manual_seed(0)
>>> list(BatchSampler(SequentialSampler(range(7)), batch_size=3, drop_last=False))
[[0, 1, 2], [3, 4, 5], [6]]
>>> sorted(RandomSampler(range(5)))
[0, 1, 2, 3, 4]

The orders are PyTorch's rules drawn from NumPy's generator: the same seed gives the same
order in rosenblatt, but not the same order as in PyTorch.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import Any, Generic, TypeVar

import numpy as np

from ... import random as _random

__all__ = [
    "BatchSampler",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "SubsetRandomSampler",
    "WeightedRandomSampler",
]

T_co = TypeVar("T_co", covariant=True)


def check_generator(generator: Any, where: str) -> None:
    """Raise TypeError unless ``generator`` is None or a ``numpy.random.Generator``."""
    if generator is not None and not isinstance(generator, np.random.Generator):
        raise TypeError(
            f"{where}: generator must be a numpy.random.Generator or None (rosenblatt's "
            f"seeded generator), got {type(generator).__name__}"
        )


def rng_of(generator: np.random.Generator | None) -> np.random.Generator:
    """The generator to draw from: the one given, else rosenblatt's global one (now)."""
    return _random.get_rng() if generator is None else generator


class Sampler(Generic[T_co]):
    """Base class of samplers: ``__iter__`` yields indices (or lists of indices) of a data set.

    Subclasses implement ``__iter__`` and, when the number of indices is known,
    ``__len__``. ``data_source`` is accepted for old code and ignored, as in PyTorch.
    """

    def __init__(self, data_source: Sized | None = None) -> None:
        pass

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError(f"{type(self).__name__} has no __iter__")


class _OrderSampler(Sampler[int]):
    """A sampler whose epoch is one array ``_order()``; iterating yields its Python ints."""

    def _order(self) -> np.ndarray:
        raise NotImplementedError

    def __iter__(self) -> Iterator[int]:
        return iter(self._order().tolist())


class SequentialSampler(_OrderSampler):
    """Indices 0, 1, ..., len(data_source) - 1, in order.

    Parameters
    ----------
    data_source : Sized
        The data set (only its length is used).
    """

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def _order(self) -> np.ndarray:
        return np.arange(len(self.data_source), dtype=np.int64)

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(_OrderSampler):
    """Indices in random order: a permutation per epoch, or draws with replacement.

    Without replacement the epoch is ``num_samples`` indices taken from as many fresh
    permutations of 0..n-1 as needed (one when ``num_samples <= n``: then it is the first
    ``num_samples`` of one permutation). With replacement each of the ``num_samples``
    indices is drawn uniformly from 0..n-1.

    Parameters
    ----------
    data_source : Sized
        The data set (only its length n is used, read at every epoch).
    replacement : bool, default False
    num_samples : int, optional
        Indices per epoch; default n.
    generator : numpy.random.Generator, optional
        Default: ``rosenblatt.random.get_rng()`` at the start of each epoch.

    Raises
    ------
    TypeError
        ``replacement`` is not a bool, or ``generator`` not a NumPy Generator.
    ValueError
        ``num_samples`` (or n, when it is not given) is not a positive int.
    """

    def __init__(
        self,
        data_source: Sized,
        replacement: bool = False,
        num_samples: int | None = None,
        generator: np.random.Generator | None = None,
    ) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(replacement, bool):
            raise TypeError(
                f"replacement should be a boolean value, but got replacement={replacement}"
            )
        k = self.num_samples
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k <= 0:
            raise ValueError(
                f"num_samples should be a positive integer value, but got num_samples={k}"
            )
        check_generator(generator, "RandomSampler")

    @property
    def num_samples(self) -> int:
        """Indices per epoch: the ``num_samples`` given, else the length of the data set."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def _order(self) -> np.ndarray:
        n, k, rng = len(self.data_source), int(self.num_samples), rng_of(self.generator)
        if self.replacement:
            return rng.integers(0, n, size=k, dtype=np.int64)
        perms = [rng.permutation(n) for _ in range(math.ceil(k / n))]
        return np.concatenate(perms)[:k].astype(np.int64, copy=False)

    def __len__(self) -> int:
        return int(self.num_samples)


class SubsetRandomSampler(_OrderSampler):
    """The given indices, in a new random order every epoch: indices[p] for a permutation p.

    Parameters
    ----------
    indices : sequence of int
    generator : numpy.random.Generator, optional
        Default: ``rosenblatt.random.get_rng()`` at the start of each epoch.
    """

    def __init__(
        self, indices: Sequence[int], generator: np.random.Generator | None = None
    ) -> None:
        check_generator(generator, "SubsetRandomSampler")
        self.indices = indices
        self.generator = generator

    def _order(self) -> np.ndarray:
        idx = np.asarray(self.indices, dtype=np.int64).reshape(-1)
        return idx[rng_of(self.generator).permutation(len(idx))]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(_OrderSampler):
    """``num_samples`` indices drawn with probabilities p_i = w_i / sum_j w_j.

    As ``torch.multinomial``: with replacement every draw is independent. Without
    replacement an index is drawn at most once, each next draw from the remaining weights
    renormalised; this is done in one step by giving index i the key w_i / E_i, with E_i
    drawn from Exp(1), and taking the ``num_samples`` largest keys in decreasing order
    (Efraimidis and Spirakis), so zero-weight indices come only after all the others.

    Parameters
    ----------
    weights : sequence of float
        One non-negative weight per sample (need not sum to 1).
    num_samples : int
    replacement : bool, default True
    generator : numpy.random.Generator, optional
        Default: ``rosenblatt.random.get_rng()`` at the start of each epoch.

    Raises
    ------
    ValueError
        ``num_samples`` not a positive int, ``replacement`` not a bool, weights not 1-D.
    RuntimeError
        When drawing: a negative or non-finite weight, all weights zero, or (without
        replacement) more samples than weights -- as torch.multinomial.
    """

    def __init__(
        self,
        weights: Sequence[float],
        num_samples: int,
        replacement: bool = True,
        generator: np.random.Generator | None = None,
    ) -> None:
        if (
            isinstance(num_samples, bool)
            or not isinstance(num_samples, (int, np.integer))
            or num_samples <= 0
        ):
            raise ValueError(
                f"num_samples should be a positive integer value, but got num_samples={num_samples}"
            )
        if not isinstance(replacement, bool):
            raise ValueError(
                f"replacement should be a boolean value, but got replacement={replacement}"
            )
        w = np.asarray(weights, dtype=np.float64)
        if w.ndim != 1:
            raise ValueError(
                f"weights should be a 1d sequence but given weights have shape {w.shape}"
            )
        check_generator(generator, "WeightedRandomSampler")
        self.weights = w
        self.num_samples = int(num_samples)
        self.replacement = replacement
        self.generator = generator

    def _order(self) -> np.ndarray:
        w, k = self.weights, self.num_samples
        if (w < 0).any() or not np.isfinite(w).all():
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        if w.sum() <= 0:
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        if not self.replacement and k > len(w):
            raise RuntimeError(
                "cannot sample n_sample > prob_dist.size(-1) samples without replacement"
            )
        rng = rng_of(self.generator)
        if self.replacement:
            return rng.choice(len(w), size=k, p=w / w.sum()).astype(np.int64)
        with np.errstate(divide="ignore"):
            keys = w / rng.exponential(size=len(w))
        return np.argsort(-keys, kind="stable")[:k].astype(np.int64)

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler[list[int]]):
    """Group the indices of ``sampler`` into lists of ``batch_size``.

    There are ceil(n / batch_size) batches, the last one shorter when batch_size does not
    divide n; with ``drop_last`` the short one is dropped and there are floor(n / batch_size).

    >>> list(BatchSampler(range(10), batch_size=4, drop_last=True))
    [[0, 1, 2, 3], [4, 5, 6, 7]]

    Parameters
    ----------
    sampler : Sampler or iterable of int
    batch_size : int
    drop_last : bool

    Raises
    ------
    ValueError
        ``batch_size`` not a positive int, or ``drop_last`` not a bool.
    """

    def __init__(
        self, sampler: Sampler[int] | Iterable[int], batch_size: int, drop_last: bool
    ) -> None:
        if (
            isinstance(batch_size, bool)
            or not isinstance(batch_size, (int, np.integer))
            or batch_size <= 0
        ):
            raise ValueError(
                f"batch_size should be a positive integer value, but got batch_size={batch_size}"
            )
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.drop_last = drop_last

    def _batches(self) -> Iterator[np.ndarray | list[Any]]:
        """The batches: slices of one int64 epoch array for rosenblatt's samplers (so a
        DataLoader over a TensorDataset gathers a batch with one fancy index), lists for any
        other iterable of indices (streamed, as PyTorch does)."""
        bs, order = self.batch_size, getattr(self.sampler, "_order", None)
        if order is not None:
            epoch = order()
            stop = len(epoch) - len(epoch) % bs if self.drop_last else len(epoch)
            for start in range(0, stop, bs):
                yield epoch[start : start + bs]
            return
        it = iter(self.sampler)
        batch = list(itertools.islice(it, bs))
        while batch and not (self.drop_last and len(batch) < bs):
            yield batch
            batch = list(itertools.islice(it, bs))

    def __iter__(self) -> Iterator[list[int]]:
        for batch in self._batches():
            yield batch.tolist() if isinstance(batch, np.ndarray) else batch

    def __len__(self) -> int:
        n = len(self.sampler)  # type: ignore[arg-type]
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
