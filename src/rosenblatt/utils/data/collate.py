"""Collation: a list of samples becomes one batch (torch.utils.data's default_collate).

The rule is applied recursively to the structure of the first sample:

================================  =====================================================
each sample is                    the batch is
================================  =====================================================
Tensor / NumPy array, shape S     Tensor of shape (B, *S), same dtype (stacked)
NumPy scalar (np.float32, ...)    Tensor of shape (B,), that dtype
Python float                      float64 Tensor (B,) -- PyTorch's rule, not float32
Python int / bool                 int64 / bool Tensor (B,) (float32 if the batch mixes
                                  in floats, as ``torch.tensor`` infers)
str / bytes                       the list of them, unchanged
dict                              a dict of batches, key by key
namedtuple                        the same namedtuple of batches, field by field
tuple / list of fields            a LIST of batches, field by field (PyTorch gives a list
                                  for tuples too)
================================  =====================================================

>>> import numpy as np
>>> batch = default_collate([(np.ones(2, np.float32), 1), (np.zeros(2, np.float32), 0)])
>>> [tuple(t.shape) for t in batch], batch[1].dtype
([(2, 2), (2,)], dtype('int64'))
>>> default_collate([0.5, 1.5]).dtype
dtype('float64')

``default_convert`` (used when batching is off, ``batch_size=None``) only turns NumPy
arrays and scalars into Tensors, keeping Python numbers and the structure (tuples become
lists).
"""

from __future__ import annotations

import collections.abc
import copy
from typing import Any

import numpy as np

from ...tensor import Tensor

__all__ = ["default_collate", "default_convert"]

_ERROR = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
)


def _tensor(a: np.ndarray) -> Tensor:
    """A Tensor around ``a`` (no copy) that records no graph."""
    return Tensor._make(a, None)


def _is_torch_tensor(x: Any) -> bool:
    return not isinstance(x, Tensor) and hasattr(x, "detach") and hasattr(x, "numpy")


def _array(x: Any) -> np.ndarray:
    """The array of a rosenblatt Tensor, a torch.Tensor or a NumPy array (no copy)."""
    if _is_torch_tensor(x):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def _is_text_array(a: np.ndarray) -> bool:
    return a.dtype.kind in "SaUO"  # bytes, str, object: PyTorch refuses them too


def _python_numbers(batch: list[Any]) -> np.ndarray:
    """Ints and bools as ``torch.tensor`` infers them: all bool -> bool, ints -> int64, and
    float32 if a float is mixed in."""
    a = np.asarray(batch)
    if a.dtype.kind == "f":
        return a.astype(np.float32)
    return a if a.dtype == np.bool_ else a.astype(np.int64)


def _like_mapping(like: Any, items: dict[Any, Any]) -> Any:
    """``items`` in the mapping type of ``like`` where it can be rebuilt, else a dict."""
    try:
        if isinstance(like, collections.abc.MutableMapping):
            clone = copy.copy(like)
            clone.update(items)
            return clone
        return type(like)(items)
    except TypeError:
        return items


def _like_sequence(like: Any, items: list[Any]) -> Any:
    """``items`` in the sequence type of ``like`` where it can be rebuilt, else a list."""
    try:
        if isinstance(like, collections.abc.MutableSequence):
            clone = copy.copy(like)
            for i, item in enumerate(items):
                clone[i] = item
            return clone
        return type(like)(items)
    except TypeError:
        return items


def default_collate(batch: list[Any]) -> Any:
    """Stack a list of samples into one batch (see the table in the module docstring).

    Parameters
    ----------
    batch : list
        Samples of the same structure.

    Returns
    -------
    Tensor, or the samples' structure (dict, namedtuple, list) with Tensors inside.

    Raises
    ------
    TypeError
        A sample holds something that cannot be batched (an object, an object array).
    RuntimeError
        Sequences of different lengths in one batch.
    """
    elem = batch[0]
    if isinstance(elem, Tensor) or _is_torch_tensor(elem):
        return _tensor(np.stack([_array(b) for b in batch]))
    if isinstance(elem, np.ndarray):
        if _is_text_array(elem):
            raise TypeError(_ERROR.format(elem.dtype))
        return _tensor(np.stack([np.asarray(b) for b in batch]))
    if isinstance(elem, (np.bool_, np.number)):
        return _tensor(np.asarray(batch))
    if isinstance(elem, float):
        return _tensor(np.asarray(batch, dtype=np.float64))
    if isinstance(elem, int):  # bool included
        return _tensor(_python_numbers(batch))
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        return _like_mapping(elem, {key: default_collate([d[key] for d in batch]) for key in elem})
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(list(column)) for column in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if any(len(sample) != len(elem) for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        fields = [default_collate(list(column)) for column in zip(*batch)]
        # PyTorch returns a list for tuples (backwards compatibility)
        return fields if isinstance(elem, tuple) else _like_sequence(elem, fields)
    raise TypeError(_ERROR.format(type(elem)))


def default_convert(data: Any) -> Any:
    """Turn the NumPy arrays and scalars inside one sample into Tensors (no batching).

    Tensors, Python numbers and strings are returned as they are; dicts, namedtuples and
    lists keep their type, tuples become lists (as in PyTorch).
    """
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray):
        return data if _is_text_array(data) else _tensor(data)
    if isinstance(data, (np.bool_, np.number)):
        return _tensor(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        return _like_mapping(data, {key: default_convert(data[key]) for key in data})
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # namedtuple
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _like_sequence(data, [default_convert(d) for d in data])
    return data
