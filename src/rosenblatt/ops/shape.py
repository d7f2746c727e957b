"""Shape and indexing primitives: the gradient puts each element back where it came from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..autograd import Function
from ..tensor import Tensor


class Reshape(Function):
    """reshape: y = x viewed with a new shape; dL/dx = dL/dy reshaped back"""

    def forward(self, x, shape=()):
        self.shape = x.shape
        return x.reshape(shape)

    def backward(self, g):
        return g.reshape(self.shape)


class Permute(Function):
    """permute: y = x with axes reordered by ``dims``; dL/dx = dL/dy permuted by the inverse"""

    def forward(self, x, dims=()):
        self.inverse = tuple(np.argsort(dims))
        return x.transpose(dims)

    def backward(self, g):
        return g.transpose(self.inverse)


class BroadcastTo(Function):
    """broadcast_to: y = x repeated along new or size-1 dims; dL/dx = sum over the copies"""

    def forward(self, x, shape=()):
        return np.broadcast_to(x, shape)

    def backward(self, g):
        return g  # the engine sums over the broadcast dimensions


def _plain_index(index: Any) -> Any:
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    return index


def _is_basic(index: Any) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return all(i is None or i is Ellipsis or isinstance(i, (int, slice, np.integer)) for i in items)


class GetItem(Function):
    """getitem: y = x[index]; dL/dx = zeros with dL/dy scattered (added) back at ``index``"""

    def forward(self, x, index=None):
        self.shape, self.dtype, self.index = x.shape, x.dtype, index
        return x[index]

    def backward(self, g):
        gx = np.zeros(self.shape, dtype=g.dtype)
        if _is_basic(self.index):
            gx[self.index] = g
        else:  # fancy indices may repeat: accumulate
            np.add.at(gx, self.index, g)
        return gx


class Concatenate(Function):
    """cat: y = [x_1, ..., x_k] along ``axis``; dL/dx_i = the matching slice of dL/dy"""

    def forward(self, *xs, axis=0):
        self.axis = axis
        self.splits = np.cumsum([x.shape[axis] for x in xs])[:-1]
        return np.concatenate(xs, axis=axis)

    def backward(self, g):
        return tuple(np.split(g, self.splits, axis=self.axis))


class Stack(Function):
    """stack: y = [x_1, ..., x_k] along a new ``axis``; dL/dx_i = dL/dy taken at i"""

    def forward(self, *xs, axis=0):
        self.axis = axis
        return np.stack(xs, axis=axis)

    def backward(self, g):
        return tuple(np.moveaxis(g, self.axis, 0))


def reshape(x: Tensor, shape: Sequence[int]) -> Tensor:
    return Reshape.apply(x, shape=tuple(shape))


def permute(x: Tensor, dims: Sequence[int]) -> Tensor:
    if len(dims) != x.data.ndim:
        raise ValueError(f"permute: got {len(dims)} dims for a tensor with {x.data.ndim}")
    return Permute.apply(x, dims=tuple(int(d) % max(x.data.ndim, 1) for d in dims))


def transpose(x: Tensor, dim0: int = 0, dim1: int = 1) -> Tensor:
    """Swap dimensions ``dim0`` and ``dim1`` (PyTorch's meaning)."""
    return x.transpose(dim0, dim1)


def broadcast_to(x: Tensor, shape: Sequence[int]) -> Tensor:
    return BroadcastTo.apply(x, shape=tuple(shape))


def getitem(x: Tensor, index: Any) -> Tensor:
    return GetItem.apply(x, index=_plain_index(index))


def cat(tensors: Sequence[Tensor], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Concatenate along an existing axis (``torch.cat``); ``dim`` is an alias of ``axis``."""
    from .elementwise import as_tensor

    return Concatenate.apply(*[as_tensor(t) for t in tensors], axis=axis if dim is None else dim)


concatenate = cat


def stack(tensors: Sequence[Tensor], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Stack along a new axis (``torch.stack``); ``dim`` is an alias of ``axis``."""
    from .elementwise import as_tensor

    return Stack.apply(*[as_tensor(t) for t in tensors], axis=axis if dim is None else dim)
