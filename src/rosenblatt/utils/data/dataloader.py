"""DataLoader: a data set in batches, with PyTorch's semantics (torch.utils.data.DataLoader).

Each epoch (each ``iter(loader)``) the sampler gives the order of the samples --
0, 1, ... by default, a new permutation with ``shuffle=True`` drawn from
``rosenblatt.random.get_rng()`` (or the ``generator`` given), so ``rb.manual_seed(s)``
reproduces it -- the batch sampler cuts that order into batches of ``batch_size``, and
``collate_fn`` stacks each batch's samples into Tensors that record no graph:

>>> import numpy as np
>>> from rosenblatt.utils.data import DataLoader, TensorDataset
>>> ds = TensorDataset(np.arange(10.0).reshape(5, 2), np.arange(5))
>>> [tuple(xb.shape) for xb, yb in DataLoader(ds, batch_size=2)]
[(2, 2), (2, 2), (1, 2)]

For a ``TensorDataset`` (and Subsets of one, e.g. from ``random_split``) with the default
collation a batch is one fancy index into each array -- no per-sample Python loop -- and
equals what sample-by-sample collation gives.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from ...tensor import Tensor
from .collate import default_collate, default_convert
from .dataset import IterableDataset, gatherable
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler, check_generator

__all__ = ["DataLoader", "get_worker_info"]

_FIXED_AFTER_INIT = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset")


def get_worker_info() -> None:
    """None: rosenblatt loads data in the calling process (there are no worker processes)."""
    return None


class DataLoader:
    """Iterate over a data set in batches: ceil(n / batch_size) batches per epoch
    (floor(n / batch_size) with ``drop_last``).

    Parameters
    ----------
    dataset : Dataset or IterableDataset
        Map-style (``__getitem__``, and ``__len__`` for the default samplers) or a stream.
    batch_size : int or None, default 1
        Samples per batch. None turns batching off: each sample is yielded as it is, its
        NumPy arrays made Tensors (``default_convert``), without a batch dimension.
    shuffle : bool, default False
        Visit the samples in a new random permutation every epoch (``RandomSampler``).
    sampler : Sampler or iterable of indices, optional
        The order of the samples (excludes ``shuffle``), e.g. a ``DistributedSampler``.
    batch_sampler : Sampler or iterable of lists of indices, optional
        The batches themselves (excludes ``batch_size``, ``shuffle``, ``sampler`` and
        ``drop_last``).
    num_workers : int, default 0
        Accepted for PyTorch programs; whatever the value, batches are loaded in the
        calling process, one after the other (there are no worker processes, so
        ``worker_init_fn`` is not called and ``get_worker_info()`` is None).
    collate_fn : callable, optional
        List of samples -> batch; default ``default_collate`` (``default_convert`` when
        batching is off).
    pin_memory : bool, default False
        Accepted; no effect (there is no GPU memory to pin for).
    drop_last : bool, default False
        Drop the last batch when it has fewer than ``batch_size`` samples.
    timeout, worker_init_fn, multiprocessing_context, prefetch_factor, persistent_workers,
    pin_memory_device, in_order
        Accepted for PyTorch programs and checked as PyTorch checks them; no effect.
    generator : numpy.random.Generator, optional
        Source of the permutations with ``shuffle=True``; default
        ``rosenblatt.random.get_rng()`` looked up at the start of each epoch (so
        ``rb.manual_seed`` made after building the loader counts).

    Raises
    ------
    ValueError
        Options that exclude each other (as PyTorch: ``sampler`` with ``shuffle``,
        ``batch_sampler`` with ``batch_size``/``shuffle``/``sampler``/``drop_last``,
        ``batch_size=None`` with ``drop_last``, a sampler or shuffling for an
        IterableDataset), a ``batch_size`` that is not a positive int, ``num_workers < 0``.
    TypeError
        A data set that is neither map-style nor iterable; ``generator`` not a NumPy
        Generator.

    Yields
    ------
    The collated batch: for samples that are tuples, a LIST of Tensors (one per field), as
    PyTorch; for dicts, a dict of Tensors.
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Sampler[Any] | Iterable[Any] | None = None,
        batch_sampler: Sampler[list[Any]] | Iterable[list[Any]] | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        generator: np.random.Generator | None = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
    ) -> None:
        self._initialized = False
        _check_worker_options(num_workers, timeout, prefetch_factor, persistent_workers,
                              multiprocessing_context)  # fmt: skip
        check_generator(generator, "DataLoader")
        iterable = isinstance(dataset, IterableDataset)
        if iterable:
            for name, value in (("shuffle", shuffle), ("sampler", sampler),
                                ("batch_sampler", batch_sampler)):  # fmt: skip
                if value is not None and value is not False:
                    raise ValueError(
                        f"DataLoader with IterableDataset: expected unspecified {name} option, "
                        f"but got {name}={value}"
                    )
        elif not hasattr(dataset, "__getitem__"):
            raise TypeError(
                "DataLoader: dataset must be map-style (__getitem__ and __len__) or an "
                f"IterableDataset, got {type(dataset).__name__}"
            )
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "batch_sampler option is mutually exclusive with batch_size, shuffle, "
                    "sampler, and drop_last"
                )
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError(
                "batch_size=None option disables auto-batching and is mutually exclusive "
                "with drop_last"
            )
        if sampler is None and not iterable:
            sampler = (
                RandomSampler(dataset, generator=generator)
                if shuffle
                else SequentialSampler(dataset)
            )
        if batch_size is not None and batch_sampler is None and not iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)  # type: ignore[arg-type]
        elif batch_size is not None:  # an IterableDataset: check it as BatchSampler would
            BatchSampler([], batch_size, drop_last)
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.pin_memory_device = pin_memory_device
        self.in_order = in_order
        batching = batch_sampler is not None or (iterable and batch_size is not None)
        self.collate_fn = collate_fn or (default_collate if batching else default_convert)
        self._initialized = True

    def __setattr__(self, name: str, value: Any) -> None:
        if getattr(self, "_initialized", False) and name in _FIXED_AFTER_INIT:
            raise ValueError(
                f"{name} attribute should not be set after {type(self).__name__} is initialized"
            )
        super().__setattr__(name, value)

    def __len__(self) -> int:
        """Batches per epoch: len(batch_sampler); for an IterableDataset ceil(len(dataset) /
        batch_size), or floor with ``drop_last`` (a TypeError if the stream has no length)."""
        if isinstance(self.dataset, IterableDataset):
            n = len(self.dataset)  # type: ignore[arg-type]
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[Any]:
        if isinstance(self.dataset, IterableDataset):
            return self._stream()
        if self.batch_sampler is None:
            return (self.collate_fn(self.dataset[i]) for i in self.sampler)  # type: ignore[union-attr]
        return self._batches()

    def _batches(self) -> Iterator[Any]:
        """Map-style batches: one fancy index per array when the data set allows it (see
        ``gatherable``), else the samples fetched one by one and collated."""
        dataset, collate = self.dataset, self.collate_fn
        fast = collate is default_collate and gatherable(dataset)
        for batch in _index_batches(self.batch_sampler):
            if fast:
                yield [Tensor._make(a, None) for a in dataset._gather(np.asarray(batch))]
                continue
            indices = batch.tolist() if isinstance(batch, np.ndarray) else list(batch)
            getitems = getattr(dataset, "__getitems__", None)
            samples = getitems(indices) if callable(getitems) else [dataset[i] for i in indices]
            yield collate(samples)

    def _stream(self) -> Iterator[Any]:
        """An IterableDataset: samples in the order the stream gives them, ``batch_size`` at
        a time (the short last batch dropped with ``drop_last``)."""
        if self.batch_size is None:
            for sample in self.dataset:
                yield self.collate_fn(sample)
            return
        batch: list[Any] = []
        for sample in self.dataset:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)


def _index_batches(batch_sampler: Any) -> Iterator[Any]:
    """The batch sampler's batches: int64 arrays from rosenblatt's BatchSampler (no list of
    Python ints in between), the lists it yields otherwise."""
    if isinstance(batch_sampler, BatchSampler):
        return batch_sampler._batches()
    return iter(batch_sampler)


def _check_worker_options(
    num_workers: int,
    timeout: float,
    prefetch_factor: int | None,
    persistent_workers: bool,
    multiprocessing_context: Any,
) -> None:
    """The checks PyTorch makes on the worker options, although rosenblatt has no workers."""
    if num_workers < 0:
        raise ValueError(
            "num_workers option should be non-negative; use num_workers=0 to disable "
            "multiprocessing."
        )
    if timeout < 0:
        raise ValueError("timeout option should be non-negative")
    if num_workers == 0 and prefetch_factor is not None:
        raise ValueError(
            "prefetch_factor option could only be specified in multiprocessing. Let "
            "num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None."
        )
    if prefetch_factor is not None and prefetch_factor < 0:
        raise ValueError("prefetch_factor option should be non-negative")
    if persistent_workers and num_workers == 0:
        raise ValueError("persistent_workers option needs num_workers > 0")
    if multiprocessing_context is not None and num_workers == 0:
        raise ValueError(
            "multiprocessing_context can only be used with multi-process loading "
            f"(num_workers > 0), but got num_workers={num_workers}"
        )
