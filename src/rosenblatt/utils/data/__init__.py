"""``rosenblatt.utils.data``: PyTorch's ``torch.utils.data`` -- data sets, samplers, loaders.

``import rosenblatt as torch`` keeps a PyTorch input pipeline working as written::

    from rosenblatt.utils.data import DataLoader, TensorDataset, random_split

    ds = TensorDataset(X, y)                          # arrays, rb or torch Tensors
    train, val = random_split(ds, [0.8, 0.2])         # rb.manual_seed makes it repeat
    for xb, yb in DataLoader(train, batch_size=32, shuffle=True):
        ...                                           # xb, yb: rosenblatt Tensors

Data sets: Dataset, IterableDataset, TensorDataset, ConcatDataset (``ds1 + ds2``),
ChainDataset, Subset, random_split. Samplers: Sampler, SequentialSampler, RandomSampler,
SubsetRandomSampler, WeightedRandomSampler, BatchSampler, DistributedSampler. Batching:
DataLoader, default_collate, default_convert, get_worker_info.

What differs from PyTorch: randomness comes from NumPy (``rosenblatt.random.get_rng()``
or a ``numpy.random.Generator`` passed as ``generator=``), so shuffled orders repeat
under ``rb.manual_seed`` but are not PyTorch's orders; data is always loaded in the
calling process (``num_workers`` is accepted and has no effect); bad arguments that
PyTorch rejects with AssertionError raise ValueError.
"""

from .collate import default_collate, default_convert
from .dataloader import DataLoader, get_worker_info
from .dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
    random_split,
)
from .distributed import DistributedSampler
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = [
    "BatchSampler",
    "ChainDataset",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "DistributedSampler",
    "IterableDataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "WeightedRandomSampler",
    "default_collate",
    "default_convert",
    "get_worker_info",
    "random_split",
]
