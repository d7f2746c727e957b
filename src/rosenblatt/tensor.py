"""Tensor: a NumPy array, its gradient and the graph node that produced it.

``Tensor`` speaks PyTorch: ``x.grad``, ``x.backward()``, ``x.detach()``, ``x.sum(axis=...)``
(``dim=``/``keepdim=`` are accepted as well), ``x.transpose(0, 1)``, ``x.permute(1, 0)``.
Floating tensors are float32 unless asked otherwise; operations keep the dtype (a Python
number never promotes a float32 tensor to float64).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import autograd as _autograd
from . import random as _random
from .autograd import Function, backward

DTypeLike = Any
_counter = itertools.count()  # creation order of tensors: a topological order of the graph
_DEFAULT_FLOAT = np.dtype(np.float32)


def _as_dtype(dtype: DTypeLike | None) -> np.dtype | None:
    if dtype is None:
        return None
    if hasattr(dtype, "is_floating_point") and not isinstance(dtype, type):  # torch.dtype
        dtype = str(dtype).replace("torch.", "")
    try:
        return np.dtype(dtype)
    except TypeError as e:
        raise TypeError(f"unknown dtype {dtype!r}; use a NumPy dtype or its name") from e


def _to_array(data: Any, dtype: np.dtype | None) -> np.ndarray:
    if isinstance(data, Tensor):
        data = data.data
    elif hasattr(data, "detach") and hasattr(data, "numpy"):  # a torch.Tensor
        data = data.detach().cpu().numpy()
    if isinstance(data, np.ndarray):
        return data if dtype is None or data.dtype == dtype else data.astype(dtype)
    arr = np.asarray(data)
    if dtype is not None:
        return arr.astype(dtype, copy=False)
    if arr.dtype.kind == "f":  # Python floats: float32 by default, as in PyTorch
        return arr.astype(_DEFAULT_FLOAT)
    return arr


class Tensor:
    """An n-dimensional array that records the operations applied to it.

    Parameters
    ----------
    data : array_like
        Python numbers, nested lists or an ``np.ndarray`` (kept without copy when the dtype
        matches). Python floats become float32.
    requires_grad : bool
        Record operations on this tensor so that ``backward`` fills ``.grad``.
    dtype : NumPy dtype or name, optional
    """

    __slots__ = ("data", "grad", "requires_grad", "_ctx", "_retain", "_seq", "__weakref__")
    __array_priority__ = 100  # ndarray (op) Tensor -> Tensor's reflected operator

    def __init__(self, data: Any, requires_grad: bool = False, dtype: DTypeLike = None) -> None:
        self.data = _to_array(data, _as_dtype(dtype))
        if requires_grad and self.data.dtype.kind not in "fc":
            raise RuntimeError(
                f"only floating point tensors can require gradients, got dtype {self.data.dtype}"
            )
        self.grad: np.ndarray | None = None
        self.requires_grad = bool(requires_grad)
        self._ctx: Function | None = None
        self._retain = False
        self._seq = next(_counter)

    @classmethod
    def _make(cls, data: np.ndarray, ctx: Function | None) -> Tensor:
        """Fast constructor used by ops: no checks, no copies."""
        t = object.__new__(Tensor)
        t.data = data if type(data) is np.ndarray else np.asarray(data)
        t.grad = None
        t.requires_grad = ctx is not None
        t._ctx = ctx
        t._retain = False
        t._seq = next(_counter)
        return t

    # ------------------------------------------------------------------ properties
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size_(self) -> int:
        return self.data.size

    def size(self, dim: int | None = None) -> Any:
        """Shape (or the length of one dimension), as ``torch.Tensor.size``."""
        return self.data.shape if dim is None else self.data.shape[dim]

    def numel(self) -> int:
        return int(self.data.size)

    def dim(self) -> int:
        return self.data.ndim

    @property
    def is_leaf(self) -> bool:
        return self._ctx is None

    @property
    def grad_fn(self) -> Function | None:
        return self._ctx

    @property
    def T(self) -> Tensor:
        return _ops.permute(self, tuple(reversed(range(self.data.ndim))))

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="tensor(")
        extra = ""
        if self.data.dtype != _DEFAULT_FLOAT and self.data.dtype.kind == "f":
            extra += f", dtype={self.data.dtype}"
        if self._ctx is not None:
            extra += f", grad_fn=<{type(self._ctx).__name__}>"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    def __hash__(self) -> int:
        return id(self)

    def __bool__(self) -> bool:
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.data.item())  # one element of any shape, as torch

    def __int__(self) -> int:
        return int(self.data.item())

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.data if dtype is None else self.data.astype(dtype)

    # ------------------------------------------------------------------ autograd
    def backward(
        self,
        gradient: Any = None,
        retain_graph: bool = False,
        inputs: Sequence[Tensor] | None = None,
    ) -> None:
        """Accumulate d(self)/d(leaf) into ``.grad`` of every leaf (see ``autograd.backward``)."""
        g = gradient.data if isinstance(gradient, Tensor) else gradient
        backward(self, g, retain_graph=retain_graph, inputs=inputs)

    def detach(self) -> Tensor:
        """The same data, cut from the graph (shares memory, as in PyTorch)."""
        return Tensor._make(self.data, None)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if requires_grad and self.data.dtype.kind not in "fc":
            raise RuntimeError("only floating point tensors can require gradients")
        self.requires_grad = requires_grad
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward (to look inside a network)."""
        self._retain = True

    def zero_(self) -> Tensor:
        self.data[...] = 0
        return self

    # ------------------------------------------------------------------ conversion
    def numpy(self) -> np.ndarray:
        return self.data

    def item(self) -> Any:
        return self.data.item()

    def tolist(self) -> Any:
        return self.data.tolist()

    def astype(self, dtype: DTypeLike) -> Tensor:
        return _ops.cast(self, _as_dtype(dtype))

    to = astype

    def float(self) -> Tensor:
        return self.astype(np.float32)

    def double(self) -> Tensor:
        return self.astype(np.float64)

    def long(self) -> Tensor:
        return Tensor._make(self.data.astype(np.int64), None)

    def clone(self) -> Tensor:
        return _ops.cast(self, self.data.dtype, copy=True)

    def copy_(self, other: Any) -> Tensor:
        self.data[...] = _to_array(other, self.data.dtype)
        return self

    # ------------------------------------------------------------------ arithmetic
    def __add__(self, o: Any) -> Tensor:
        return _ops.add(self, o)

    def __radd__(self, o: Any) -> Tensor:
        return _ops.add(o, self)

    def __sub__(self, o: Any) -> Tensor:
        return _ops.sub(self, o)

    def __rsub__(self, o: Any) -> Tensor:
        return _ops.sub(o, self)

    def __mul__(self, o: Any) -> Tensor:
        return _ops.mul(self, o)

    def __rmul__(self, o: Any) -> Tensor:
        return _ops.mul(o, self)

    def __truediv__(self, o: Any) -> Tensor:
        return _ops.div(self, o)

    def __rtruediv__(self, o: Any) -> Tensor:
        return _ops.div(o, self)

    def __pow__(self, o: Any) -> Tensor:
        return _ops.pow(self, o)

    def __rpow__(self, o: Any) -> Tensor:
        return _ops.pow(o, self)

    def __matmul__(self, o: Any) -> Tensor:
        return _ops.matmul(self, o)

    def __rmatmul__(self, o: Any) -> Tensor:
        return _ops.matmul(o, self)

    def __neg__(self) -> Tensor:
        return _ops.neg(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return _ops.abs(self)

    def __getitem__(self, index: Any) -> Tensor:
        return _ops.getitem(self, index)

    def __setitem__(self, index: Any, value: Any) -> None:
        if self.requires_grad and self._ctx is None:
            raise RuntimeError("a leaf tensor that requires grad cannot be modified in place")
        idx = index.data if isinstance(index, Tensor) else index
        self.data[idx] = value.data if isinstance(value, Tensor) else value

    # comparisons give boolean tensors outside the graph
    def _cmp(self, o: Any, op: Any) -> Tensor:
        return Tensor._make(op(self.data, o.data if isinstance(o, Tensor) else o), None)

    def __lt__(self, o: Any) -> Tensor:
        return self._cmp(o, np.less)

    def __le__(self, o: Any) -> Tensor:
        return self._cmp(o, np.less_equal)

    def __gt__(self, o: Any) -> Tensor:
        return self._cmp(o, np.greater)

    def __ge__(self, o: Any) -> Tensor:
        return self._cmp(o, np.greater_equal)

    def __eq__(self, o: Any) -> Tensor:  # type: ignore[override]
        return self._cmp(o, np.equal)

    def __ne__(self, o: Any) -> Tensor:  # type: ignore[override]
        return self._cmp(o, np.not_equal)

    # ------------------------------------------------------------------ methods
    def sum(
        self, axis: Any = None, keepdims: bool = False, *, dim: Any = None, keepdim: Any = None
    ) -> Tensor:
        return _ops.sum(self, _axis(axis, dim), keepdims or bool(keepdim))

    def mean(
        self, axis: Any = None, keepdims: bool = False, *, dim: Any = None, keepdim: Any = None
    ) -> Tensor:
        return _ops.mean(self, _axis(axis, dim), keepdims or bool(keepdim))

    def var(
        self,
        axis: Any = None,
        keepdims: bool = False,
        *,
        dim: Any = None,
        keepdim: Any = None,
        correction: int = 1,
        unbiased: bool | None = None,
    ) -> Tensor:
        if unbiased is not None:
            correction = int(unbiased)
        return _ops.var(self, _axis(axis, dim), keepdims or bool(keepdim), correction)

    def std(
        self,
        axis: Any = None,
        keepdims: bool = False,
        *,
        dim: Any = None,
        keepdim: Any = None,
        correction: int = 1,
        unbiased: bool | None = None,
    ) -> Tensor:
        return self.var(
            axis, keepdims, dim=dim, keepdim=keepdim, correction=correction, unbiased=unbiased
        ).sqrt()

    def max(
        self, axis: Any = None, keepdims: bool = False, *, dim: Any = None, keepdim: Any = None
    ) -> Tensor:
        return _ops.amax(self, _axis(axis, dim), keepdims or bool(keepdim))

    def min(
        self, axis: Any = None, keepdims: bool = False, *, dim: Any = None, keepdim: Any = None
    ) -> Tensor:
        return _ops.amin(self, _axis(axis, dim), keepdims or bool(keepdim))

    def argmax(self, axis: Any = None, keepdims: bool = False, *, dim: Any = None) -> Tensor:
        a = _axis(axis, dim)
        return Tensor._make(np.argmax(self.data, axis=a, keepdims=keepdims), None)

    def argmin(self, axis: Any = None, keepdims: bool = False, *, dim: Any = None) -> Tensor:
        a = _axis(axis, dim)
        return Tensor._make(np.argmin(self.data, axis=a, keepdims=keepdims), None)

    def exp(self) -> Tensor:
        return _ops.exp(self)

    def log(self) -> Tensor:
        return _ops.log(self)

    def sqrt(self) -> Tensor:
        return _ops.sqrt(self)

    def abs(self) -> Tensor:
        return _ops.abs(self)

    def tanh(self) -> Tensor:
        return _ops.tanh(self)

    def sigmoid(self) -> Tensor:
        return _ops.sigmoid(self)

    def relu(self) -> Tensor:
        return _ops.relu(self)

    def clip(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        return _ops.clip(self, min, max)

    clamp = clip

    def maximum(self, o: Any) -> Tensor:
        return _ops.maximum(self, o)

    def minimum(self, o: Any) -> Tensor:
        return _ops.minimum(self, o)

    def pow(self, o: Any) -> Tensor:
        return _ops.pow(self, o)

    def reshape(self, *shape: Any) -> Tensor:
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return _ops.reshape(self, shape)

    view = reshape

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        s = self.data.shape
        end = end_dim % len(s) if s else 0
        new = s[:start_dim] + (int(np.prod(s[start_dim : end + 1])),) + s[end + 1 :]
        return _ops.reshape(self, new)

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        """Swap two dimensions (PyTorch's meaning, not NumPy's)."""
        perm = list(range(self.data.ndim))
        perm[dim0], perm[dim1] = perm[dim1], perm[dim0]
        return _ops.permute(self, tuple(perm))

    def permute(self, *dims: Any) -> Tensor:
        if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
            dims = tuple(dims[0])
        return _ops.permute(self, tuple(dims))

    def squeeze(self, dim: int | None = None) -> Tensor:
        s = self.data.shape
        if dim is None:
            new = tuple(n for n in s if n != 1)
        else:
            d = dim % len(s)
            new = s[:d] + s[d + 1 :] if s[d] == 1 else s
        return _ops.reshape(self, new)

    def unsqueeze(self, dim: int) -> Tensor:
        s = self.data.shape
        d = dim % (len(s) + 1)
        return _ops.reshape(self, s[:d] + (1,) + s[d:])

    def expand(self, *shape: Any) -> Tensor:
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        shape = tuple(
            o if n == -1 else n for n, o in zip(shape, (1,) * (len(shape) - self.ndim) + self.shape)
        )
        return _ops.broadcast_to(self, shape)


def _axis(axis: Any, dim: Any) -> Any:
    a = dim if axis is None else axis
    return tuple(a) if isinstance(a, list) else a


# ---------------------------------------------------------------------- factories
def tensor(data: Any, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    """Create a tensor (copies ``data``), float32 for Python floats, like ``torch.tensor``."""
    arr = _to_array(data, _as_dtype(dtype))
    return Tensor(np.array(arr, copy=True), requires_grad=requires_grad)


def _shape(shape: Sequence[Any]) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def _float(dtype: DTypeLike) -> np.dtype:
    return _as_dtype(dtype) or _DEFAULT_FLOAT


def zeros(*shape: Any, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    return Tensor(np.zeros(_shape(shape), _float(dtype)), requires_grad)


def ones(*shape: Any, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    return Tensor(np.ones(_shape(shape), _float(dtype)), requires_grad)


def full(
    shape: Sequence[int], fill_value: float, dtype: DTypeLike = None, requires_grad: bool = False
) -> Tensor:
    return Tensor(np.full(tuple(shape), fill_value, _float(dtype)), requires_grad)


def zeros_like(t: Tensor, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    return Tensor(np.zeros_like(t.data, dtype=_as_dtype(dtype)), requires_grad)


def ones_like(t: Tensor, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    return Tensor(np.ones_like(t.data, dtype=_as_dtype(dtype)), requires_grad)


def randn(*shape: Any, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples from rosenblatt's seeded generator."""
    data = _random.get_rng().standard_normal(_shape(shape)).astype(_float(dtype))
    return Tensor(data, requires_grad)


def rand(*shape: Any, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    """Uniform samples on [0, 1) from rosenblatt's seeded generator."""
    data = _random.get_rng().random(_shape(shape)).astype(_float(dtype))
    return Tensor(data, requires_grad)


def randint(low: int, high: int, size: Sequence[int], dtype: DTypeLike = np.int64) -> Tensor:
    return Tensor(_random.get_rng().integers(low, high, size=tuple(size)).astype(_as_dtype(dtype)))


def arange(
    start: float, end: float | None = None, step: float = 1, dtype: DTypeLike = None
) -> Tensor:
    """``np.arange``; int64 for integer arguments, float32 otherwise (as PyTorch)."""
    if end is None:
        start, end = 0, start
    dt = _as_dtype(dtype)
    if dt is None:
        ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dt = np.dtype(np.int64) if ints else _DEFAULT_FLOAT
    return Tensor(np.arange(start, end, step, dtype=dt))


def linspace(start: float, end: float, steps: int, dtype: DTypeLike = None) -> Tensor:
    return Tensor(np.linspace(start, end, steps, dtype=_float(dtype)))


def eye(n: int, m: int | None = None, dtype: DTypeLike = None) -> Tensor:
    return Tensor(np.eye(n, m, dtype=_float(dtype)))


_autograd._make = Tensor._make

from . import ops as _ops  # noqa: E402  (ops need Tensor defined first)
