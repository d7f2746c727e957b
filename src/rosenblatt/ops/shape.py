"""Shape and indexing primitives: the gradient puts each element back where it came from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..autograd import Function
from ..tensor import Tensor


class Reshape(Function):
    """reshape: y = x viewed with a new shape; dL/dx = dL/dy reshaped back"""

    saves_inputs = False

    is_view = differentiable_backward = True

    def forward(self, x, shape=()):
        self.shape = x.shape
        return x.reshape(shape)

    def backward(self, g):
        return g.reshape(self.shape)


class Permute(Function):
    """permute: y = x with axes reordered by ``dims``; dL/dx = dL/dy permuted by the inverse"""

    saves_inputs = False

    is_view = differentiable_backward = True

    def forward(self, x, dims=()):
        self.inverse = tuple(np.argsort(dims))
        return x.transpose(dims)

    def backward(self, g):
        return np.transpose(g, self.inverse)


class BroadcastTo(Function):
    """broadcast_to: y = x repeated along new or size-1 dims; dL/dx = sum over the copies"""

    saves_inputs = False

    is_view = differentiable_backward = True

    def forward(self, x, shape=()):
        return np.broadcast_to(x, shape)

    def backward(self, g):
        return g  # the engine sums over the broadcast dimensions


def plain_index(index: Any) -> Any:
    """An index with tensors replaced by their arrays (a list of tensors too)."""
    if isinstance(index, Tensor):
        return index._data
    if isinstance(index, tuple):
        return tuple(plain_index(i) for i in index)
    if isinstance(index, list) and any(isinstance(i, Tensor) for i in index):
        return [plain_index(i) for i in index]
    return index


def _is_basic(index: Any) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return all(i is None or i is Ellipsis or isinstance(i, (int, slice, np.integer)) for i in items)


class GetItem(Function):
    """getitem: y = x[index]; dL/dx = zeros with dL/dy scattered (added) back at ``index``"""

    saves_inputs = False

    is_view = differentiable_backward = True

    def forward(self, x, index=None):
        self.shape, self.dtype, self.index = x.shape, x.dtype, index
        return x[index]

    def backward(self, g):
        if isinstance(g, Tensor):  # create_graph: the scatter as a recorded op
            return ScatterAdd.apply(g, shape=self.shape, index=self.index)
        return ScatterAdd().forward(g, shape=self.shape, index=self.index)


class ScatterAdd(Function):
    """scatter_add: y = zeros(shape) with y[index] += x; dL/dx = dL/dy[index]"""

    saves_inputs = False

    differentiable_backward = True

    def forward(self, x, shape=(), index=None):
        self.index = index
        y = np.zeros(shape, dtype=x.dtype)
        if _is_basic(index):
            y[index] = x
        else:  # fancy indices may repeat: accumulate
            np.add.at(y, index, x)
        return y

    def backward(self, g):
        return g[self.index]


class SetItem(Function):
    """setitem: y = x with y[index] = v; dy/dx = 1 outside ``index`` and 0 inside,
    dy/dv = 1 at ``index`` (summed over the places v was broadcast to)"""

    saves_inputs = False

    def forward(self, x, v, index=None):
        self.index = index
        y = x.copy()
        y[index] = v
        return y

    def backward(self, g):
        gx = gv = None
        if self.needs_input_grad[0]:
            gx = g.copy()
            gx[self.index] = 0
        if self.needs_input_grad[1]:
            gv = g[self.index]
        return gx, gv


class Gather(Function):
    """gather: y[i][j] = x[i][index[i][j]] along ``dim`` (torch.gather);
    dL/dx = zeros with dL/dy added at the gathered places"""

    saves_inputs = False

    def forward(self, x, dim=0, index=None):
        self.shape, self.dim, self.index = x.shape, dim, index
        return np.take_along_axis(x, index, axis=dim)

    def backward(self, g):
        where = list(np.indices(self.index.shape, sparse=True))
        where[self.dim] = self.index
        gx = np.zeros(self.shape, dtype=g.dtype)
        np.add.at(gx, tuple(where), g)
        return gx


class Repeat(Function):
    """repeat: y = x tiled ``sizes[i]`` times along dimension i;
    dL/dx = the sum of dL/dy over the copies"""

    saves_inputs = False

    def forward(self, x, sizes=()):
        self.shape = x.shape
        lead = (1,) * (len(sizes) - x.ndim)
        self.inner = lead + x.shape
        return np.tile(x.reshape(self.inner), sizes)

    def backward(self, g):
        split = []
        for r, n in zip(g.shape[: len(self.inner)], self.inner):
            split += [r // n, n]
        return g.reshape(split).sum(axis=tuple(range(0, len(split), 2))).reshape(self.shape)


class Concatenate(Function):
    """cat: y = [x_1, ..., x_k] along ``axis``; dL/dx_i = the matching slice of dL/dy"""

    differentiable_backward = True

    saves_inputs = False

    def forward(self, *xs, axis=0):
        self.axis = axis
        self.splits = np.cumsum([x.shape[axis] for x in xs])[:-1]
        return np.concatenate(xs, axis=axis)

    def backward(self, g):
        return tuple(np.split(g, self.splits, axis=self.axis))


class Stack(Function):
    """stack: y = [x_1, ..., x_k] along a new ``axis``; dL/dx_i = dL/dy taken at i"""

    differentiable_backward = True

    saves_inputs = False

    def forward(self, *xs, axis=0):
        self.axis = axis
        return np.stack(xs, axis=axis)

    def backward(self, g):
        return tuple(np.moveaxis(g, self.axis, 0))


def reshape(x: Tensor, shape: Sequence[int]) -> Tensor:
    return Reshape.apply(x, shape=tuple(shape))


def permute(x: Tensor, dims: Sequence[int]) -> Tensor:
    if len(dims) != x._data.ndim:
        raise ValueError(f"permute: got {len(dims)} dims for a tensor with {x._data.ndim}")
    return Permute.apply(x, dims=tuple(int(d) % max(x._data.ndim, 1) for d in dims))


def transpose(x: Tensor, dim0: int = 0, dim1: int = 1) -> Tensor:
    """Swap dimensions ``dim0`` and ``dim1`` (PyTorch's meaning)."""
    return x.transpose(dim0, dim1)


def broadcast_to(x: Tensor, shape: Sequence[int]) -> Tensor:
    return BroadcastTo.apply(x, shape=tuple(shape))


def getitem(x: Tensor, index: Any) -> Tensor:
    return GetItem.apply(x, index=plain_index(index))


def setitem(x: Tensor, index: Any, value: Any) -> Tensor:
    """x with x[index] = value, out of place (``x[index] = value`` uses it in the graph)."""
    from .elementwise import as_tensor

    return SetItem.apply(x, as_tensor(value, x), index=plain_index(index))


def gather(x: Tensor, dim: int, index: Any) -> Tensor:
    """y[i][j] = x[i][index[i][j]] for dim=1 (any dim, as ``torch.gather``)."""
    idx = np.asarray(index._data if isinstance(index, Tensor) else index)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"gather(): Expected dtype int64 for index, got {idx.dtype}")
    return Gather.apply(x, dim=dim % max(x.ndim, 1), index=idx)


def repeat(x: Tensor, sizes: Sequence[int]) -> Tensor:
    if len(sizes) < x.ndim:
        raise RuntimeError(
            "Number of dimensions of repeat dims can not be smaller than number of dimensions "
            "of tensor"
        )
    return Repeat.apply(x, sizes=tuple(int(s) for s in sizes))


def cat(tensors: Sequence[Tensor], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Concatenate along an existing axis (``torch.cat``); ``dim`` is an alias of ``axis``."""
    from .elementwise import as_tensor

    return Concatenate.apply(*[as_tensor(t) for t in tensors], axis=axis if dim is None else dim)


concatenate = cat


def stack(tensors: Sequence[Tensor], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Stack along a new axis (``torch.stack``); ``dim`` is an alias of ``axis``."""
    from .elementwise import as_tensor

    return Stack.apply(*[as_tensor(t) for t in tensors], axis=axis if dim is None else dim)
