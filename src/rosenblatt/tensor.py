"""Tensor: a NumPy array, its gradient and the graph node that produced it.

``Tensor`` speaks PyTorch 2.13: ``x.data`` is a detached Tensor sharing memory, ``x.grad`` a
Tensor or None, ``x.sum(dim=, keepdim=)`` (NumPy's ``axis=``/``keepdims=`` accepted too),
``x.max(1)`` returns ``(values, indices)``, in-place ops (``+=``, ``add_``, ``zero_`` ...)
follow torch's rules, and ``np.asarray(x)`` / ``x.numpy()`` give the array without a copy.
Floating tensors are float32 unless asked otherwise; operations keep the dtype (a Python
number never promotes a float32 tensor to float64).

In-place rules (as torch): a leaf that requires grad cannot be changed in place while grad
mode is on (use ``with rb.no_grad():``); every in-place change bumps the tensor's version
counter, and backward refuses a node whose saved inputs changed since they were saved.
"""

from __future__ import annotations

import itertools
from collections import namedtuple
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import autograd as _autograd
from . import random as _random
from .autograd import Function, backward
from .device import device as _device
from .device import to_device as _to_device

DTypeLike = Any
_counter = itertools.count()  # creation order of tensors: a topological order of the graph
_DEFAULT_FLOAT = np.dtype(np.float32)

#: ``x.max(dim)`` / ``x.min(dim)`` return this named tuple, as ``torch.return_types.max``.
ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])


def _as_dtype(dtype: DTypeLike | None) -> np.dtype | None:
    if dtype is None:
        return None
    if isinstance(dtype, type) and issubclass(dtype, _LegacyTensor):
        return dtype.dtype
    if hasattr(dtype, "is_floating_point") and not isinstance(dtype, type):  # torch.dtype
        dtype = str(dtype).replace("torch.", "")
    if dtype is float:  # torch.tensor(..., dtype=float) is float64 as well
        return np.dtype(np.float64)
    try:
        return np.dtype(dtype)
    except TypeError as e:
        raise TypeError(f"unknown dtype {dtype!r}; use a NumPy dtype or its name") from e


def _to_array(data: Any, dtype: np.dtype | None) -> np.ndarray:
    if isinstance(data, Tensor):
        data = data._data
    elif hasattr(data, "detach") and hasattr(data, "numpy"):  # a torch.Tensor
        data = data.detach().cpu().numpy()
    elif isinstance(data, (list, tuple)) and any(isinstance(v, Tensor) for v in data):
        data = [_to_array(v, None) for v in data]  # a list of 0-d tensors, as torch takes
    if isinstance(data, np.ndarray):
        return data if dtype is None or data.dtype == dtype else data.astype(dtype)
    arr = np.asarray(data)
    if dtype is not None:
        return arr.astype(dtype, copy=False)
    if arr.dtype.kind == "f":  # Python floats: float32 by default, as in PyTorch
        return arr.astype(_DEFAULT_FLOAT)
    return arr


def _arr(x: Any) -> Any:
    """The array inside a tensor; anything else unchanged."""
    return x._data if isinstance(x, Tensor) else x


class Tensor:
    """An n-dimensional array that records the operations applied to it.

    ``Tensor(data)`` behaves as ``torch.Tensor(data)``: a float32 tensor (``Tensor(2, 3)``
    is a zero-filled 2x3 tensor). Use :func:`rosenblatt.tensor` to keep the data's dtype.

    Parameters
    ----------
    *data : array_like or ints
        Python numbers, nested lists or an ``np.ndarray``; or the sizes of a new tensor.
    requires_grad : bool
        Record operations on this tensor so that ``backward`` fills ``.grad``.
    dtype : NumPy dtype or name, optional
        Default float32.
    """

    __slots__ = (
        "_data",
        "_grad",
        "requires_grad",
        "_ctx",
        "_retain",
        "_seq",
        "_version",
        "_hooks",
        "_prev",  # the value before an in-place change recorded in the graph (see _inplace)
        "__weakref__",
    )
    __array_priority__ = 100  # ndarray (op) Tensor -> Tensor's reflected operator

    def __init__(self, *data: Any, requires_grad: bool = False, dtype: DTypeLike = None) -> None:
        dt = _as_dtype(dtype) or _DEFAULT_FLOAT
        if len(data) == 1 and not isinstance(data[0], (int, np.integer)):
            arr = _to_array(data[0], dt)
        elif all(isinstance(n, (int, np.integer)) for n in data):
            arr = np.zeros(tuple(int(n) for n in data), dt)  # torch.Tensor(2, 3)
        else:
            raise TypeError(f"Tensor(): expected data or sizes, got {data!r}")
        _init(self, arr, None)
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _make(cls, data: np.ndarray, ctx: Function | None) -> Tensor:
        """Fast constructor used by ops: no checks, no copies, the array's dtype kept."""
        t = object.__new__(Tensor)
        t._data = data if type(data) is np.ndarray else np.asarray(data)
        t._grad = None
        t.requires_grad = ctx is not None
        t._ctx = ctx
        t._retain = False
        t._seq = next(_counter)
        t._version = [0]
        t._hooks = None
        return t

    # ------------------------------------------------------------------ data and grad
    @property
    def data(self) -> Tensor:
        """The same array as a Tensor outside the graph (changes to it are not tracked)."""
        return Tensor._make(self._data, None)

    @data.setter
    def data(self, value: Any) -> None:
        self._data = _to_array(value, None)

    @property
    def grad(self) -> Tensor | None:
        """d(loss)/d(self) accumulated by ``backward``: a Tensor of this shape, or None."""
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"assigned grad expected to be a Tensor or None but got grad of type "
                    f"{type(value).__name__}"
                )
            if value._data.shape != self._data.shape:
                raise RuntimeError(
                    f"assigned grad has data of a different size: {value._data.shape} "
                    f"vs the tensor's {self._data.shape}"
                )
        self._grad = value

    # ------------------------------------------------------------------ properties
    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    @property
    def device(self) -> _device:
        return _device("cpu")

    @property
    def is_cuda(self) -> bool:
        return False

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def size(self, dim: int | None = None) -> Any:
        """Shape (or the length of one dimension), as ``torch.Tensor.size``."""
        return self._data.shape if dim is None else self._data.shape[dim]

    def numel(self) -> int:
        return int(self._data.size)

    nelement = numel

    def dim(self) -> int:
        return self._data.ndim

    def element_size(self) -> int:
        return self._data.itemsize

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def is_contiguous(self) -> bool:
        return bool(self._data.flags.c_contiguous)

    @property
    def is_leaf(self) -> bool:
        return self._ctx is None

    @property
    def grad_fn(self) -> Function | None:
        return self._ctx

    @property
    def _version_count(self) -> int:
        return self._version[0]

    @property
    def T(self) -> Tensor:
        return _ops.permute(self, tuple(reversed(range(self._data.ndim))))

    @property
    def mT(self) -> Tensor:
        return self.transpose(-2, -1)

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self._data)

    def __iter__(self) -> Any:
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self._data)))

    def __repr__(self) -> str:
        body = np.array2string(
            self._data, separator=", ", prefix="tensor(", formatter=_torch_format(self._data)
        )
        extra = ""
        if self._data.dtype != _DEFAULT_FLOAT and self._data.dtype.kind in "fc":
            extra += f", dtype={self._data.dtype}"
        if self._ctx is not None:
            extra += f", grad_fn=<{self._ctx.name()}>"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    __hash__ = object.__hash__  # by identity, as torch (elementwise __eq__ would unset it)

    def __bool__(self) -> bool:
        return bool(self._data)

    def __float__(self) -> float:
        return float(self._data.item())  # one element of any shape, as torch

    def __int__(self) -> int:
        return int(self._data.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be used as an index")
        return int(self._data.item())

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:
            return format(self._data.item(), spec)
        return format(repr(self), spec)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        a = self._data if dtype is None else self._data.astype(dtype, copy=False)
        return a.copy() if copy else a

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """NumPy ufuncs on tensors give tensors (as torch); the ones rosenblatt differentiates
        (``np.exp``, ``np.multiply`` ...) are recorded in the graph like the operator."""
        name = _UFUNC_OPS.get(ufunc.__name__) if method == "__call__" and not kwargs else None
        if name is not None:
            return getattr(_ops, name)(*inputs)
        arrays = [_arr(x) for x in inputs]
        if "out" in kwargs:
            kwargs["out"] = tuple(_arr(o) for o in kwargs["out"])
        result = getattr(ufunc, method)(*arrays, **kwargs)
        if isinstance(result, tuple):
            return tuple(Tensor._make(r, None) for r in result)
        return Tensor._make(result, None) if isinstance(result, np.ndarray | np.generic) else result

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        """NumPy's shape functions on tensors are recorded ops (so an op's backward written
        with them runs on Tensors for double backward); any other NumPy function sees the
        arrays."""
        impl = _ARRAY_FUNCTIONS.get(func.__name__)
        if impl is not None:
            return impl(*args, **kwargs)
        return func(*_unwrap(args), **_unwrap(kwargs))

    # ------------------------------------------------------------------ autograd
    def backward(
        self,
        gradient: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Sequence[Tensor] | None = None,
    ) -> None:
        """Accumulate d(self)/d(leaf) into ``.grad`` of every leaf (see ``autograd.backward``)."""
        backward(
            self, gradient, retain_graph=retain_graph, create_graph=create_graph, inputs=inputs
        )

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> Any:
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned tensor
        replaces the gradient. Returns a handle with ``remove()``."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return _autograd.RemovableHandle(self._hooks, hook)

    def detach(self) -> Tensor:
        """The same data, cut from the graph (shares memory and version counter, as torch)."""
        t = Tensor._make(self._data, None)
        t._version = self._version
        return t

    def detach_(self) -> Tensor:
        self._ctx = None
        self.requires_grad = False
        return self

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if requires_grad and self._data.dtype.kind not in "fc":
            raise RuntimeError(
                f"only Tensors of floating point dtype can require gradients, got {self.dtype}"
            )
        if not requires_grad and self._ctx is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables; use detach()"
            )
        self.requires_grad = requires_grad
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward (to look inside a network)."""
        self._retain = True

    # ------------------------------------------------------------------ in place
    def _inplace(self, op: Callable[..., Tensor], *args: Any, **kwargs: Any) -> Tensor:
        """Write ``op(self, *args)`` into self, with torch's rules.

        Outside the graph (no_grad, or nothing requires grad) the result is copied into the
        array. Inside it, self becomes the output of a new node whose input is self's old
        value (torch's "rebase"); a leaf that requires grad is refused.
        """
        recording = _autograd._mode.enabled and (
            self.requires_grad or any(isinstance(a, Tensor) and a.requires_grad for a in args)
        )
        if not recording:
            with _autograd.no_grad():
                result = op(self, *args, **kwargs)
            self._write(result._data)
            return self
        if self.requires_grad and self._ctx is None:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation "
                "(wrap the update in `with rb.no_grad():`)"
            )
        # ``old`` stands for self's value before the change: the new node's input, and the
        # tensor that nodes created earlier from self send their gradient to (autograd
        # follows ``_prev`` back to it). Its array is a copy, so the new node's saved input
        # stays right; a node that saved self's output array sees the change (version 1).
        old = Tensor._make(self._data.copy(), self._ctx)
        old.requires_grad, old._seq = self.requires_grad, self._seq
        old._prev = getattr(self, "_prev", None)
        if self._ctx is not None and self._ctx.saves_output:
            old._version = [1]
        self._version[0] += 1
        result = op(old, *args, **kwargs)
        self._write(result._data, bump=False)
        self._ctx, self._seq, self.requires_grad = result._ctx, result._seq, result.requires_grad
        self._prev = old
        return self

    def _write(self, values: np.ndarray, bump: bool = True) -> None:
        if values.dtype != self._data.dtype and not np.can_cast(
            values.dtype, self._data.dtype, "same_kind"
        ):
            raise RuntimeError(
                f"result type {values.dtype} can't be cast to the desired output type "
                f"{self._data.dtype}"
            )
        if values.shape != self._data.shape:
            try:
                values = np.broadcast_to(values, self._data.shape)
            except ValueError:
                raise RuntimeError(
                    f"output with shape {list(self._data.shape)} doesn't match the broadcast "
                    f"shape {list(values.shape)}"
                ) from None
        self._data[...] = values
        if bump:
            self._version[0] += 1

    def add_(self, other: Any, *, alpha: Any = 1) -> Tensor:
        return self._inplace(_ops.add, other if alpha == 1 else _ops.mul(other, alpha))

    def sub_(self, other: Any, *, alpha: Any = 1) -> Tensor:
        return self._inplace(_ops.sub, other if alpha == 1 else _ops.mul(other, alpha))

    def mul_(self, other: Any) -> Tensor:
        return self._inplace(_ops.mul, other)

    def div_(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        if rounding_mode is not None:
            return self._inplace(Tensor.div, other, rounding_mode=rounding_mode)
        return self._inplace(_ops.div, other)

    def pow_(self, exponent: Any) -> Tensor:
        return self._inplace(_ops.pow, exponent)

    def neg_(self) -> Tensor:
        return self._inplace(_ops.neg)

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        return self._inplace(_ops.clip, min, max)

    clip_ = clamp_

    def addcmul_(self, t1: Any, t2: Any, *, value: Any = 1) -> Tensor:
        """self += value * t1 * t2"""
        return self._inplace(_ops.add, _ops.mul(_ops.mul(t1, t2), value))

    def addcdiv_(self, t1: Any, t2: Any, *, value: Any = 1) -> Tensor:
        """self += value * t1 / t2"""
        return self._inplace(_ops.add, _ops.mul(_ops.div(t1, t2), value))

    def lerp_(self, end: Any, weight: Any) -> Tensor:
        """self += weight * (end - self)"""
        return self._inplace(lambda s: _ops.add(s, _ops.mul(_ops.sub(end, s), weight)))

    def exp_(self) -> Tensor:
        return self._inplace(_ops.exp)

    def log_(self) -> Tensor:
        return self._inplace(_ops.log)

    def sqrt_(self) -> Tensor:
        return self._inplace(_ops.sqrt)

    def abs_(self) -> Tensor:
        return self._inplace(_ops.abs)

    def tanh_(self) -> Tensor:
        return self._inplace(_ops.tanh)

    def sigmoid_(self) -> Tensor:
        return self._inplace(_ops.sigmoid)

    def relu_(self) -> Tensor:
        return self._inplace(_ops.relu)

    def masked_fill_(self, mask: Any, value: Any) -> Tensor:
        return self._inplace(Tensor.masked_fill, mask, value)

    def copy_(self, src: Any, non_blocking: bool = False) -> Tensor:
        """self[...] = src (broadcast, cast to self's dtype); the gradient flows to src."""
        if not isinstance(src, Tensor):
            src = Tensor._make(_to_array(src, self._data.dtype), None)
        return self.__setitem__(Ellipsis, src) or self

    def zero_(self) -> Tensor:
        return self.fill_(0)

    def fill_(self, value: Any) -> Tensor:
        return self.__setitem__(Ellipsis, value) or self

    def uniform_(self, a: float = 0.0, b: float = 1.0) -> Tensor:
        """Fill with samples of U(a, b) from rosenblatt's seeded generator."""
        return self._fill_random(lambda rng, s: rng.uniform(a, b, s))

    def normal_(self, mean: float = 0.0, std: float = 1.0) -> Tensor:
        """Fill with samples of N(mean, std^2) from rosenblatt's seeded generator."""
        return self._fill_random(lambda rng, s: rng.normal(mean, std, s))

    def bernoulli_(self, p: float = 0.5) -> Tensor:
        return self._fill_random(lambda rng, s: rng.random(s) < p)

    def _fill_random(self, draw: Callable[[np.random.Generator, tuple], Any]) -> Tensor:
        return self.fill_(np.asarray(draw(_random.get_rng(), self._data.shape)))

    def __iadd__(self, o: Any) -> Tensor:
        return self.add_(o)

    def __isub__(self, o: Any) -> Tensor:
        return self.sub_(o)

    def __imul__(self, o: Any) -> Tensor:
        return self.mul_(o)

    def __itruediv__(self, o: Any) -> Tensor:
        return self.div_(o)

    def __setitem__(self, index: Any, value: Any) -> None:
        """x[index] = value in place (recorded in the graph when value or x requires grad)."""
        if _autograd._mode.enabled and (
            self.requires_grad or (isinstance(value, Tensor) and value.requires_grad)
        ):
            self._inplace(_ops.setitem, index, value)
            return
        index = _ops.plain_index(index)
        value = _arr(value)
        if isinstance(value, np.ndarray) and not np.can_cast(
            value.dtype, self._data.dtype, "same_kind"
        ):
            raise RuntimeError(
                f"result type {value.dtype} can't be cast to the desired output type "
                f"{self._data.dtype}"
            )
        self._data[index] = value
        self._version[0] += 1

    def squeeze_(self, dim: int | None = None) -> Tensor:
        self._data = self.squeeze(dim)._data
        return self

    def unsqueeze_(self, dim: int) -> Tensor:
        self._data = self.unsqueeze(dim)._data
        return self

    # ------------------------------------------------------------------ conversion
    def numpy(self, force: bool = False) -> np.ndarray:
        """The array itself (no copy; changes show in the tensor)."""
        return self._data

    def item(self) -> Any:
        return self._data.item()

    def tolist(self) -> Any:
        return self._data.tolist()

    def astype(self, dtype: DTypeLike, copy: bool = False) -> Tensor:
        dt = _as_dtype(dtype)
        return self if dt == self._data.dtype else _ops.cast(self, dt)

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """``to(dtype)``, ``to(device)``, ``to(other)`` or ``to(device, dtype)``, as torch."""
        dtype, dev = kwargs.pop("dtype", None), kwargs.pop("device", None)
        copy = kwargs.pop("copy", False)
        for a in args:
            if isinstance(a, Tensor):
                dtype, dev = a.dtype, a.device
            elif isinstance(a, (str, _device)) and not _is_dtype_name(a):
                dev = a
            elif a is not None:
                dtype = a
        out = self if dev is None else _to_device(self, dev)
        if dtype is not None:
            out = out.astype(dtype)
        return out.clone() if copy and out is self else out

    def cpu(self) -> Tensor:
        return self

    def cuda(self, device: Any = None, non_blocking: bool = False) -> Tensor:
        return _to_device(self, "cuda" if device is None else device)

    def type(self, dtype: DTypeLike = None) -> Any:
        """``t.type()`` names the type as torch does (``torch.FloatTensor``); ``t.type(d)``
        casts."""
        if dtype is None:
            return f"torch.{_LEGACY_NAMES.get(self._data.dtype, 'Tensor')}"
        return self.astype(dtype)

    def type_as(self, other: Tensor) -> Tensor:
        return self.astype(other.dtype)

    def float(self) -> Tensor:
        return self.astype(np.float32)

    def double(self) -> Tensor:
        return self.astype(np.float64)

    def half(self) -> Tensor:
        return self.astype(np.float16)

    def long(self) -> Tensor:
        return self.astype(np.int64)

    def int(self) -> Tensor:
        return self.astype(np.int32)

    def bool(self) -> Tensor:
        return self.astype(np.bool_)

    def byte(self) -> Tensor:
        return self.astype(np.uint8)

    def clone(self, memory_format: Any = None) -> Tensor:
        return _ops.cast(self, self._data.dtype, copy=True)

    def contiguous(self, memory_format: Any = None) -> Tensor:
        return self

    def new_tensor(self, data: Any, dtype: DTypeLike = None, **kw: Any) -> Tensor:
        return tensor(data, dtype=dtype or self.dtype, **_factory_kw(kw))

    def new_zeros(self, *size: Any, dtype: DTypeLike = None, **kw: Any) -> Tensor:
        return zeros(*size, dtype=dtype or self.dtype, **_factory_kw(kw))

    def new_ones(self, *size: Any, dtype: DTypeLike = None, **kw: Any) -> Tensor:
        return ones(*size, dtype=dtype or self.dtype, **_factory_kw(kw))

    def new_full(self, size: Any, fill_value: Any, dtype: DTypeLike = None, **kw: Any) -> Tensor:
        return full(size, fill_value, dtype=dtype or self.dtype, **_factory_kw(kw))

    def new_empty(self, *size: Any, dtype: DTypeLike = None, **kw: Any) -> Tensor:
        return self.new_zeros(*size, dtype=dtype, **kw)

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

    def __floordiv__(self, o: Any) -> Tensor:
        return self.div(o, rounding_mode="floor")

    def __rfloordiv__(self, o: Any) -> Tensor:
        return _ops.as_tensor(o, self).div(self, rounding_mode="floor")

    def __mod__(self, o: Any) -> Tensor:
        return Tensor._make(np.mod(self._data, _arr(o)), None)

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

    def __invert__(self) -> Tensor:
        return Tensor._make(~self._data, None)

    def __and__(self, o: Any) -> Tensor:
        return Tensor._make(self._data & _arr(o), None)

    def __or__(self, o: Any) -> Tensor:
        return Tensor._make(self._data | _arr(o), None)

    def __xor__(self, o: Any) -> Tensor:
        return Tensor._make(self._data ^ _arr(o), None)

    def __getitem__(self, index: Any) -> Tensor:
        return _ops.getitem(self, index)

    # comparisons give boolean tensors outside the graph
    def _cmp(self, o: Any, op: Any) -> Tensor:
        if not isinstance(o, (Tensor, np.ndarray, np.generic, int, float, bool, list, tuple)):
            return NotImplemented  # e.g. pytest.approx compares itself
        return Tensor._make(np.asarray(op(self._data, _arr(o))), None)

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

    lt, le, gt, ge, eq, ne = __lt__, __le__, __gt__, __ge__, __eq__, __ne__
    less, less_equal, greater, greater_equal, not_equal = lt, le, gt, ge, ne

    def equal(self, other: Tensor) -> bool:
        return bool(self.shape == other.shape and np.array_equal(self._data, _arr(other)))

    def allclose(self, other: Any, rtol: float = 1e-5, atol: float = 1e-8) -> bool:
        return bool(np.allclose(self._data, _arr(other), rtol=rtol, atol=atol))

    def isnan(self) -> Tensor:
        return Tensor._make(np.isnan(self._data), None)

    def isinf(self) -> Tensor:
        return Tensor._make(np.isinf(self._data), None)

    def isfinite(self) -> Tensor:
        return Tensor._make(np.isfinite(self._data), None)

    def any(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        return Tensor._make(np.any(self._data, axis=dim, keepdims=keepdim), None)

    def all(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        return Tensor._make(np.all(self._data, axis=dim, keepdims=keepdim), None)

    def nonzero(self, as_tuple: bool = False) -> Any:
        idx = np.nonzero(self._data)
        if as_tuple:
            return tuple(Tensor._make(i, None) for i in idx)
        return Tensor._make(np.stack(idx, axis=1).astype(np.int64), None)

    # ------------------------------------------------------------------ named arithmetic
    def add(self, other: Any, *, alpha: Any = 1) -> Tensor:
        return _ops.add(self, other if alpha == 1 else _ops.mul(other, alpha))

    def sub(self, other: Any, *, alpha: Any = 1) -> Tensor:
        return _ops.sub(self, other if alpha == 1 else _ops.mul(other, alpha))

    subtract = sub

    def mul(self, other: Any) -> Tensor:
        return _ops.mul(self, other)

    multiply = mul

    def div(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        """Division; ``rounding_mode`` "floor" or "trunc" gives integer-valued results
        outside the graph, as torch (they have zero gradient)."""
        if rounding_mode is None:
            return _ops.div(self, other)
        q = np.divide(self._data, _arr(other))
        q = np.floor(q) if rounding_mode == "floor" else np.trunc(q)
        if self._data.dtype.kind in "iu" and np.asarray(_arr(other)).dtype.kind in "iu":
            q = q.astype(np.result_type(self._data, _arr(other)))
        return Tensor._make(np.asarray(q), None)

    divide = true_divide = div

    def matmul(self, other: Any) -> Tensor:
        return _ops.matmul(self, other)

    mm = bmm = matmul

    def dot(self, other: Any) -> Tensor:
        return _ops.matmul(self, other)

    def neg(self) -> Tensor:
        return _ops.neg(self)

    negative = neg

    def reciprocal(self) -> Tensor:
        return _ops.div(1, self)

    def square(self) -> Tensor:
        return _ops.mul(self, self)

    def rsqrt(self) -> Tensor:
        return _ops.div(1, _ops.sqrt(self))

    def masked_fill(self, mask: Any, value: Any) -> Tensor:
        return _ops.where(mask, _ops.as_tensor(value, self), self)

    def sign(self) -> Tensor:
        return Tensor._make(np.sign(self._data), None)

    def floor(self) -> Tensor:
        return Tensor._make(np.floor(self._data), None)

    def ceil(self) -> Tensor:
        return Tensor._make(np.ceil(self._data), None)

    def round(self, decimals: int = 0) -> Tensor:
        return Tensor._make(np.round(self._data, decimals), None)

    # ------------------------------------------------------------------ reductions
    def sum(
        self,
        dim: Any = None,
        keepdim: bool = False,
        *,
        dtype: DTypeLike = None,
        axis: Any = None,
        keepdims: bool | None = None,
        out: None = None,
    ) -> Tensor:
        """y = sum of the elements over ``dim`` (all by default)."""
        x = self if dtype is None else self.astype(dtype)
        if x._data.dtype.kind in "bu" or x._data.dtype == np.int32:
            x = x.astype(np.int64)  # torch sums bools and small ints as int64
        return _ops.sum(x, _dim(dim, axis), _keep(keepdim, keepdims))

    def mean(
        self,
        dim: Any = None,
        keepdim: bool = False,
        *,
        dtype: DTypeLike = None,
        axis: Any = None,
        keepdims: bool | None = None,
        out: None = None,
    ) -> Tensor:
        """y = (1/n) sum of the n elements over ``dim``."""
        x = self if dtype is None else self.astype(dtype)
        if x._data.dtype.kind not in "fc":
            raise RuntimeError(
                f"mean(): could not infer output dtype. Input dtype must be floating point, "
                f"got {x.dtype} (use .float() first)"
            )
        return _ops.mean(x, _dim(dim, axis), _keep(keepdim, keepdims))

    def var(
        self,
        dim: Any = None,
        unbiased: bool | None = None,
        keepdim: bool = False,
        *,
        correction: int | None = None,
        axis: Any = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        """y = sum (x - mean)^2 / (n - correction); correction 1 (unbiased) by default."""
        if isinstance(dim, bool):  # the old signature var(unbiased)
            dim, unbiased = None, dim
        c = correction if correction is not None else (1 if unbiased in (None, True) else 0)
        return _ops.var(self, _dim(dim, axis), _keep(keepdim, keepdims), c)

    def std(
        self,
        dim: Any = None,
        unbiased: bool | None = None,
        keepdim: bool = False,
        *,
        correction: int | None = None,
        axis: Any = None,
        keepdims: bool | None = None,
    ) -> Tensor:
        """y = sqrt(var)"""
        return self.var(
            dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims
        ).sqrt()

    def norm(self, p: Any = "fro", dim: Any = None, keepdim: bool = False) -> Tensor:
        """The p-norm (sum |x|^p)^(1/p) over ``dim`` (all elements by default; 2 for "fro")."""
        if p in ("fro", 2, 2.0):
            return _ops.sqrt(_ops.sum(self * self, _dim(dim, None), keepdim))
        if p in (float("inf"), "inf"):
            return self.abs().amax(dim, keepdim)
        if p == 1:
            return self.abs().sum(dim, keepdim)
        return _ops.pow(_ops.sum(_ops.pow(self.abs(), p), _dim(dim, None), keepdim), 1.0 / p)

    def prod(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        return Tensor._make(np.prod(self._data, axis=dim, keepdims=keepdim), None)

    def cumsum(self, dim: int) -> Tensor:
        return Tensor._make(np.cumsum(self._data, axis=dim), None)

    def max(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None) -> Any:
        """``max()`` the largest element (0-d); ``max(dim)`` the named tuple (values,
        indices); ``max(other)`` the elementwise maximum, as torch."""
        if isinstance(dim, Tensor):
            return _ops.maximum(self, dim)
        return self._extreme(_ops.amax, np.argmax, _dim(dim, axis), keepdim)

    def min(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None) -> Any:
        """``min()``, ``min(dim)`` -> (values, indices), ``min(other)``, as torch."""
        if isinstance(dim, Tensor):
            return _ops.minimum(self, dim)
        return self._extreme(_ops.amin, np.argmin, _dim(dim, axis), keepdim)

    def _extreme(self, whole: Callable, arg: Callable, dim: Any, keepdim: bool) -> Any:
        if dim is None:
            return whole(self)
        if isinstance(dim, tuple):
            raise TypeError("max()/min() take one dim; use amax()/amin() for several")
        indices = np.expand_dims(arg(self._data, axis=dim), dim).astype(np.int64)
        values = _ops.gather(self, dim, Tensor._make(indices, None))
        if not keepdim:
            values, indices = values.squeeze(dim), np.squeeze(indices, dim)
        return ValuesIndices(values, Tensor._make(indices, None))

    def amax(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """Largest elements over ``dim``; the gradient is split evenly among ties."""
        return _ops.amax(self, _dim(dim, None), keepdim)

    def amin(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        return _ops.amin(self, _dim(dim, None), keepdim)

    def argmax(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None) -> Tensor:
        return self._arg(np.argmax, _dim(dim, axis), keepdim)

    def argmin(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None) -> Tensor:
        return self._arg(np.argmin, _dim(dim, axis), keepdim)

    def _arg(self, fn: Callable, dim: Any, keepdim: bool) -> Tensor:
        if dim is None:
            out = np.asarray(fn(self._data))
            out = out.reshape((1,) * self._data.ndim) if keepdim else out
        else:
            out = fn(self._data, axis=dim, keepdims=keepdim)
        return Tensor._make(np.asarray(out, dtype=np.int64), None)

    def gather(self, dim: int, index: Tensor) -> Tensor:
        return _ops.gather(self, dim, index)

    # ------------------------------------------------------------------ pointwise functions
    def exp(self) -> Tensor:
        return _ops.exp(self)

    def log(self) -> Tensor:
        return _ops.log(self)

    def sqrt(self) -> Tensor:
        return _ops.sqrt(self)

    def sin(self) -> Tensor:
        return _ops.sin(self)

    def cos(self) -> Tensor:
        return _ops.cos(self)

    def abs(self) -> Tensor:
        return _ops.abs(self)

    absolute = abs

    def tanh(self) -> Tensor:
        return _ops.tanh(self)

    def sigmoid(self) -> Tensor:
        return _ops.sigmoid(self)

    def relu(self) -> Tensor:
        return _ops.relu(self)

    def softmax(self, dim: int) -> Tensor:
        from .nn import functional as F

        return F.softmax(self, dim=dim)

    def log_softmax(self, dim: int) -> Tensor:
        from .nn import functional as F

        return F.log_softmax(self, dim=dim)

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        return _ops.clip(self, min, max)

    clip = clamp

    def maximum(self, o: Any) -> Tensor:
        return _ops.maximum(self, o)

    def minimum(self, o: Any) -> Tensor:
        return _ops.minimum(self, o)

    def pow(self, o: Any) -> Tensor:
        return _ops.pow(self, o)

    # ------------------------------------------------------------------ shape
    def reshape(self, *shape: Any) -> Tensor:
        return _ops.reshape(self, _shape(shape))

    def view(self, *shape: Any) -> Tensor:
        return _ops.reshape(self, _shape(shape))

    def view_as(self, other: Tensor) -> Tensor:
        return _ops.reshape(self, other.shape)

    reshape_as = view_as

    def expand_as(self, other: Tensor) -> Tensor:
        return self.expand(other.shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        s = self._data.shape
        if not s:
            return _ops.reshape(self, (1,))
        start, end = start_dim % len(s), end_dim % len(s)
        new = s[:start] + (int(np.prod(s[start : end + 1])),) + s[end + 1 :]
        return _ops.reshape(self, new)

    def ravel(self) -> Tensor:
        return self.flatten()

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        """Swap two dimensions (PyTorch's meaning, not NumPy's)."""
        perm = list(range(self._data.ndim))
        perm[dim0], perm[dim1] = perm[dim1], perm[dim0]
        return _ops.permute(self, tuple(perm))

    swapaxes = swapdims = transpose

    def t(self) -> Tensor:
        if self._data.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, got {self.ndim}")
        return self.T if self._data.ndim == 2 else self

    def permute(self, *dims: Any) -> Tensor:
        return _ops.permute(self, _shape(dims))

    def squeeze(self, dim: Any = None) -> Tensor:
        s = self._data.shape
        if dim is None:
            new = tuple(n for n in s if n != 1)
        else:
            dims = {d % max(len(s), 1) for d in (dim if isinstance(dim, tuple) else (dim,))}
            new = tuple(n for i, n in enumerate(s) if not (i in dims and n == 1))
        return _ops.reshape(self, new)

    def unsqueeze(self, dim: int) -> Tensor:
        s = self._data.shape
        d = dim % (len(s) + 1)
        return _ops.reshape(self, s[:d] + (1,) + s[d:])

    def expand(self, *shape: Any) -> Tensor:
        shape = _shape(shape)
        own = (1,) * (len(shape) - self.ndim) + self.shape
        return _ops.broadcast_to(self, tuple(o if n == -1 else n for n, o in zip(shape, own)))

    def repeat(self, *sizes: Any) -> Tensor:
        """Tile the tensor ``sizes[i]`` times along dimension i (torch.Tensor.repeat)."""
        return _ops.repeat(self, _shape(sizes))

    def narrow(self, dim: int, start: int, length: int) -> Tensor:
        index = [slice(None)] * self._data.ndim
        index[dim] = slice(int(start), int(start) + int(length))
        return self[tuple(index)]

    def split(self, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
        """Pieces of ``split_size`` along ``dim`` (the last may be smaller), or of the given
        sizes, as torch.split."""
        n = self._data.shape[dim]
        if isinstance(split_size_or_sections, (int, np.integer)):
            step = int(split_size_or_sections)
            sizes = [min(step, n - i) for i in range(0, n, step)] or [0]
        else:
            sizes = [int(s) for s in split_size_or_sections]
            if sum(sizes) != n:
                raise RuntimeError(
                    f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's "
                    f"size at dimension {dim}), but got split_sizes={sizes}"
                )
        starts = np.cumsum([0] + sizes[:-1])
        return tuple(self.narrow(dim, int(s), k) for s, k in zip(starts, sizes))

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        n = self._data.shape[dim]
        return self.split(max(-(-n // chunks), 1), dim)

    def unbind(self, dim: int = 0) -> tuple[Tensor, ...]:
        return tuple(self.select(dim, i) for i in range(self._data.shape[dim]))

    def select(self, dim: int, index: int) -> Tensor:
        idx = [slice(None)] * self._data.ndim
        idx[dim] = int(index)
        return self[tuple(idx)]

    def flip(self, dims: Any) -> Tensor:
        idx = [slice(None)] * self._data.ndim
        for d in dims if isinstance(dims, (tuple, list)) else (dims,):
            idx[d] = slice(None, None, -1)
        return self[tuple(idx)]

    def index_select(self, dim: int, index: Any) -> Tensor:
        idx: list[Any] = [slice(None)] * self._data.ndim
        idx[dim] = _arr(index)
        return self[tuple(idx)]


def _torch_format(a: np.ndarray) -> dict[str, Callable[[Any], str]] | None:
    """torch's print style for floats: 4 decimals, scientific when the magnitudes ask for it,
    ``1.`` for whole numbers."""
    if a.dtype.kind != "f" or a.size == 0:
        return None
    finite = np.abs(a[np.isfinite(a)])
    if finite.size == 0 or np.all(finite == np.round(finite)) and finite.max() < 1e8:
        return None  # NumPy prints whole floats as torch does ("1.")
    nonzero = finite[finite > 0]
    lo, hi = (nonzero.min(), nonzero.max()) if nonzero.size else (1.0, 1.0)
    if hi >= 1e8 or lo < 1e-4 or hi / lo > 1000:
        return {"float_kind": lambda v: f"{v:.4e}"}
    return {"float_kind": lambda v: f"{v:.4f}"}


def _init(t: Tensor, data: np.ndarray, ctx: Function | None) -> None:
    t._data, t._grad, t.requires_grad, t._ctx = data, None, ctx is not None, ctx
    t._retain, t._seq, t._version, t._hooks = False, next(_counter), [0], None


def _dim(dim: Any, axis: Any) -> Any:
    a = dim if axis is None else axis
    return tuple(a) if isinstance(a, list) else a


def _keep(keepdim: Any, keepdims: Any) -> bool:
    return bool(keepdim) or bool(keepdims)


def _is_dtype_name(a: Any) -> bool:
    if not isinstance(a, str):
        return False
    try:
        np.dtype(a)
    except TypeError:
        return False
    return True


_UFUNC_OPS = {
    "add": "add",
    "subtract": "sub",
    "multiply": "mul",
    "divide": "div",
    "true_divide": "div",
    "power": "pow",
    "negative": "neg",
    "exp": "exp",
    "log": "log",
    "sqrt": "sqrt",
    "sin": "sin",
    "cos": "cos",
    "tanh": "tanh",
    "absolute": "abs",
    "maximum": "maximum",
    "minimum": "minimum",
    "matmul": "matmul",
}


def _unwrap(x: Any) -> Any:
    if isinstance(x, Tensor):
        return x._data
    if isinstance(x, (list, tuple)):
        return type(x)(_unwrap(v) for v in x)
    if isinstance(x, dict):
        return {k: _unwrap(v) for k, v in x.items()}
    return x


def _expand_dims(a: Tensor, axis: Any) -> Tensor:
    axes = axis if isinstance(axis, tuple) else (axis,)
    shape = list(a.shape)
    n = len(shape) + len(axes)
    for ax in sorted(d % n for d in axes):
        shape.insert(ax, 1)
    return _ops.reshape(a, tuple(shape))


def _transpose(a: Tensor, axes: Any = None) -> Tensor:
    return _ops.permute(a, tuple(reversed(range(a.ndim))) if axes is None else tuple(axes))


_ARRAY_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "broadcast_to": lambda a, shape, subok=False: _ops.broadcast_to(_ops.as_tensor(a), shape),
    "expand_dims": _expand_dims,
    "transpose": _transpose,
    "swapaxes": lambda a, axis1, axis2: a.transpose(axis1, axis2),
    "where": lambda c, *xy: _ops.where(c, *xy) if xy else np.where(_arr(c)),
    "reshape": lambda a, *shape, **kw: _ops.reshape(a, _shape(shape or (kw["newshape"],))),
    "sum": lambda a, axis=None, dtype=None, out=None, keepdims=False, **kw: _ops.sum(
        a, axis, keepdims
    ),
    "concatenate": lambda arrays, axis=0, **kw: _ops.cat(arrays, axis),
    "stack": lambda arrays, axis=0, **kw: _ops.stack(arrays, axis),
    "split": lambda a, sections, axis=0: _split_at(a, sections, axis),
    "moveaxis": lambda a, source, destination: _moveaxis(a, source, destination),
}


def _split_at(a: Tensor, sections: Any, axis: int) -> list[Tensor]:
    """np.split(a, indices, axis) on a tensor: pieces between the split points."""
    n = a.shape[axis]
    if isinstance(sections, (int, np.integer)):
        bounds = [i * n // int(sections) for i in range(int(sections) + 1)]
    else:
        bounds = [0, *[int(i) for i in sections], n]
    return [a.narrow(axis, lo, hi - lo) for lo, hi in zip(bounds[:-1], bounds[1:])]


def _moveaxis(a: Tensor, source: int, destination: int) -> Tensor:
    order = [d for d in range(a.ndim) if d != source % a.ndim]
    order.insert(destination % a.ndim, source % a.ndim)
    return _ops.permute(a, tuple(order))


# ---------------------------------------------------------------------- factories
def _shape(shape: Sequence[Any]) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(int(n) for n in shape[0])
    return tuple(int(n) for n in shape)


def _float(dtype: DTypeLike) -> np.dtype:
    return _as_dtype(dtype) or _DEFAULT_FLOAT


def _factory_kw(kw: dict[str, Any]) -> dict[str, Any]:
    """Keep ``requires_grad``; check ``device`` (cpu only); drop torch's layout options."""
    dev = kw.pop("device", None)
    if dev is not None:
        _to_device(None, dev)  # raises for a device rosenblatt has no backend for
    for name in ("layout", "pin_memory", "memory_format", "out", "generator"):
        kw.pop(name, None)
    return kw


def _new(data: np.ndarray, requires_grad: bool) -> Tensor:
    t = Tensor._make(data, None)
    return t.requires_grad_(True) if requires_grad else t


def tensor(data: Any, dtype: DTypeLike = None, requires_grad: bool = False, **kw: Any) -> Tensor:
    """Create a tensor (copies ``data``), float32 for Python floats, like ``torch.tensor``."""
    _factory_kw(kw)
    arr = _to_array(data, _as_dtype(dtype))
    return _new(np.array(arr, copy=True), requires_grad)


def as_tensor(data: Any, dtype: DTypeLike = None, device: Any = None) -> Tensor:
    """A tensor sharing memory with ``data`` when possible (``torch.as_tensor``)."""
    if isinstance(data, Tensor) and (dtype is None or _as_dtype(dtype) == data.dtype):
        return data
    return Tensor._make(_to_array(data, _as_dtype(dtype)), None)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor that shares memory with ``array`` (its dtype kept), as ``torch.from_numpy``."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    return Tensor._make(array, None)


def zeros(*size: Any, dtype: DTypeLike = None, requires_grad: bool = False, **kw: Any) -> Tensor:
    """A tensor of zeros (float32 by default); ``size`` as ints, a tuple, or ``size=``."""
    size = size or (kw.pop("size"),)
    _factory_kw(kw)
    return _new(np.zeros(_shape(size), _float(dtype)), requires_grad)


def ones(*size: Any, dtype: DTypeLike = None, requires_grad: bool = False, **kw: Any) -> Tensor:
    size = size or (kw.pop("size"),)
    _factory_kw(kw)
    return _new(np.ones(_shape(size), _float(dtype)), requires_grad)


empty = zeros  # rosenblatt's "uninitialised" memory is zero-filled (reproducible)


def full(
    size: Sequence[int] | int,
    fill_value: Any,
    dtype: DTypeLike = None,
    requires_grad: bool = False,
    **kw: Any,
) -> Tensor:
    """A tensor filled with ``fill_value``; its dtype follows the value as torch (bool,
    int64, float32) unless given."""
    _factory_kw(kw)
    if dtype is None:
        v = _arr(fill_value)
        dtype = (
            np.bool_
            if isinstance(v, (bool, np.bool_))
            else np.int64
            if isinstance(v, (int, np.integer))
            else _DEFAULT_FLOAT
        )
    shape = (size,) if isinstance(size, (int, np.integer)) else tuple(size)
    return _new(np.full(_shape(shape), _arr(fill_value), _as_dtype(dtype)), requires_grad)


def _like(t: Any, dtype: DTypeLike) -> tuple[tuple[int, ...], np.dtype]:
    a = _arr(t) if isinstance(t, Tensor) else np.asarray(t)
    return a.shape, _as_dtype(dtype) or a.dtype


def zeros_like(t: Any, dtype: DTypeLike = None, requires_grad: bool = False, **kw: Any) -> Tensor:
    _factory_kw(kw)
    return _new(np.zeros(*_like(t, dtype)), requires_grad)


def ones_like(t: Any, dtype: DTypeLike = None, requires_grad: bool = False, **kw: Any) -> Tensor:
    _factory_kw(kw)
    return _new(np.ones(*_like(t, dtype)), requires_grad)


empty_like = zeros_like


def full_like(
    t: Any, fill_value: Any, dtype: DTypeLike = None, requires_grad: bool = False, **kw: Any
) -> Tensor:
    _factory_kw(kw)
    shape, dt = _like(t, dtype)
    return _new(np.full(shape, _arr(fill_value), dt), requires_grad)


def _random_float(draw: Callable, size: Any, dtype: DTypeLike, requires_grad: bool) -> Tensor:
    data = draw(_random.get_rng(), _shape(size)).astype(_float(dtype))
    return _new(data, requires_grad)


def randn(*size: Any, dtype: DTypeLike = None, requires_grad: bool = False, **kw: Any) -> Tensor:
    """Standard normal samples from rosenblatt's seeded generator."""
    size = size or (kw.pop("size"),)
    _factory_kw(kw)
    return _random_float(lambda r, s: r.standard_normal(s), size, dtype, requires_grad)


def rand(*size: Any, dtype: DTypeLike = None, requires_grad: bool = False, **kw: Any) -> Tensor:
    """Uniform samples on [0, 1) from rosenblatt's seeded generator."""
    size = size or (kw.pop("size"),)
    _factory_kw(kw)
    return _random_float(lambda r, s: r.random(s), size, dtype, requires_grad)


def randn_like(t: Any, dtype: DTypeLike = None, requires_grad: bool = False, **kw: Any) -> Tensor:
    shape, dt = _like(t, dtype)
    return randn(*shape, dtype=dt, requires_grad=requires_grad, **kw)


def rand_like(t: Any, dtype: DTypeLike = None, requires_grad: bool = False, **kw: Any) -> Tensor:
    shape, dt = _like(t, dtype)
    return rand(*shape, dtype=dt, requires_grad=requires_grad, **kw)


def randint(*args: Any, size: Any = None, dtype: DTypeLike = np.int64, **kw: Any) -> Tensor:
    """``randint(high, size)`` or ``randint(low, high, size)``: integers in [low, high)."""
    _factory_kw(kw)
    args_l = list(args)
    if size is None:
        size = args_l.pop()
    low, high = (0, args_l[0]) if len(args_l) == 1 else args_l
    data = _random.get_rng().integers(int(low), int(high), size=_shape((size,)))
    return Tensor._make(data.astype(_as_dtype(dtype)), None)


def randint_like(t: Any, low: int, high: int | None = None, **kw: Any) -> Tensor:
    if high is None:
        low, high = 0, low
    return randint(low, high, size=_arr(t).shape if isinstance(t, Tensor) else np.shape(t), **kw)


def randperm(n: int, dtype: DTypeLike = np.int64, **kw: Any) -> Tensor:
    """A random permutation of 0..n-1 from rosenblatt's seeded generator."""
    _factory_kw(kw)
    return Tensor._make(_random.get_rng().permutation(int(n)).astype(_as_dtype(dtype)), None)


def normal(
    mean: Any = 0.0, std: Any = 1.0, size: Any = None, requires_grad: bool = False, **kw: Any
) -> Tensor:
    """Samples of N(mean, std^2): ``normal(mean, std, size)`` or tensors of means and stds."""
    dtype = kw.pop("dtype", None)
    _factory_kw(kw)
    m, s = _arr(mean), _arr(std)
    shape = _shape((size,)) if size is not None else np.broadcast_shapes(np.shape(m), np.shape(s))
    dt = _as_dtype(dtype) or (m.dtype if isinstance(m, np.ndarray) else _DEFAULT_FLOAT)
    return _new(_random.get_rng().normal(m, s, shape).astype(dt), requires_grad)


def arange(
    start: float, end: float | None = None, step: float = 1, dtype: DTypeLike = None, **kw: Any
) -> Tensor:
    """``np.arange``; int64 for integer arguments, float32 otherwise (as PyTorch)."""
    requires_grad = kw.pop("requires_grad", False)
    _factory_kw(kw)
    if end is None:
        start, end = 0, start
    start, end, step = _arr(start), _arr(end), _arr(step)
    dt = _as_dtype(dtype)
    if dt is None:
        ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dt = np.dtype(np.int64) if ints else _DEFAULT_FLOAT
    return _new(np.arange(start, end, step, dtype=dt), requires_grad)


def linspace(start: float, end: float, steps: int, dtype: DTypeLike = None, **kw: Any) -> Tensor:
    requires_grad = kw.pop("requires_grad", False)
    _factory_kw(kw)
    return _new(np.linspace(_arr(start), _arr(end), int(steps), dtype=_float(dtype)), requires_grad)


def eye(n: int, m: int | None = None, dtype: DTypeLike = None, **kw: Any) -> Tensor:
    requires_grad = kw.pop("requires_grad", False)
    _factory_kw(kw)
    return _new(np.eye(n, m, dtype=_float(dtype)), requires_grad)


# ---------------------------------------------------------------------- legacy constructors
class _LegacyTensor:
    """``torch.FloatTensor(data)`` / ``torch.FloatTensor(2, 3)``: a tensor of that dtype."""

    dtype = _DEFAULT_FLOAT

    def __new__(cls, *data: Any) -> Tensor:  # type: ignore[misc]
        return Tensor(*data, dtype=cls.dtype)


def _legacy(name: str, dtype: Any) -> type:
    return type(name, (_LegacyTensor,), {"dtype": np.dtype(dtype), "__module__": __name__})


FloatTensor = _legacy("FloatTensor", np.float32)
DoubleTensor = _legacy("DoubleTensor", np.float64)
LongTensor = _legacy("LongTensor", np.int64)
IntTensor = _legacy("IntTensor", np.int32)
BoolTensor = _legacy("BoolTensor", np.bool_)
ByteTensor = _legacy("ByteTensor", np.uint8)

_LEGACY_NAMES = {
    c.dtype: c.__name__
    for c in (FloatTensor, DoubleTensor, LongTensor, IntTensor, BoolTensor, ByteTensor)
}

_autograd._make = Tensor._make

from . import ops as _ops  # noqa: E402  (ops need Tensor defined first)
