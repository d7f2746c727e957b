"""torch's top-level function namespace: ``rb.sum(x, 1)``, ``rb.max(x, 1)``, ``rb.flatten(x, 1)``.

Each function is the Tensor method of the same name applied to its first argument (made a
tensor if it is not one), so there is one implementation per operation: the method.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import ops as _ops
from .tensor import Tensor, ValuesIndices, _arr

#: rb.<name>(input, *args, **kwargs) == input.<name>(*args, **kwargs)
METHOD_FUNCTIONS = (
    "abs",
    "absolute",
    "add",
    "all",
    "allclose",
    "amax",
    "amin",
    "any",
    "argmax",
    "argmin",
    "bmm",
    "ceil",
    "chunk",
    "clamp",
    "clip",
    "clone",
    "cos",
    "cumsum",
    "div",
    "divide",
    "dot",
    "eq",
    "equal",
    "exp",
    "flatten",
    "flip",
    "floor",
    "gather",
    "ge",
    "gt",
    "index_select",
    "isfinite",
    "isinf",
    "isnan",
    "le",
    "log",
    "log_softmax",
    "lt",
    "masked_fill",
    "matmul",
    "max",
    "mean",
    "min",
    "mm",
    "mul",
    "multiply",
    "narrow",
    "ne",
    "neg",
    "negative",
    "nonzero",
    "norm",
    "permute",
    "pow",
    "prod",
    "reciprocal",
    "relu",
    "repeat",
    "reshape",
    "round",
    "rsqrt",
    "select",
    "sigmoid",
    "sign",
    "sin",
    "softmax",
    "split",
    "sqrt",
    "square",
    "squeeze",
    "std",
    "sub",
    "subtract",
    "sum",
    "t",
    "tanh",
    "transpose",
    "true_divide",
    "unbind",
    "unsqueeze",
    "var",
)


def _method_function(name: str) -> Callable[..., Any]:
    method = getattr(Tensor, name)

    def function(input: Any, *args: Any, out: Any = None, **kwargs: Any) -> Any:
        t = input if isinstance(input, Tensor) else _ops.as_tensor(input)
        result = method(t, *args, **kwargs)
        if out is not None:
            out.copy_(result)
            return out
        return result

    function.__name__ = function.__qualname__ = name
    function.__doc__ = (
        f"``rb.{name}(input, ...)`` is ``input.{name}(...)``.\n\n{method.__doc__ or ''}"
    )
    return function


globals().update({name: _method_function(name) for name in METHOD_FUNCTIONS})


def maximum(input: Any, other: Any) -> Tensor:
    """Elementwise max(a, b); the gradient goes to the larger input (split on ties)."""
    return _ops.maximum(input, other)


def minimum(input: Any, other: Any) -> Tensor:
    return _ops.minimum(input, other)


def where(condition: Any, input: Any = None, other: Any = None) -> Any:
    """``where(c, a, b)``: a where c holds, else b; ``where(c)``: the indices where c holds."""
    if input is None and other is None:
        return tuple(Tensor._make(i, None) for i in np.nonzero(_arr(condition)))
    return _ops.where(condition, input, other)


def cat(tensors: Sequence[Any], dim: int = 0, *, axis: int | None = None) -> Tensor:
    return _ops.cat(tensors, dim if axis is None else axis)


concat = concatenate = cat


def stack(tensors: Sequence[Any], dim: int = 0, *, axis: int | None = None) -> Tensor:
    return _ops.stack(tensors, dim if axis is None else axis)


def numel(input: Tensor) -> int:
    return input.numel()


def is_tensor(obj: Any) -> bool:
    return isinstance(obj, Tensor)


def argsort(input: Tensor, dim: int = -1, descending: bool = False) -> Tensor:
    a = _arr(input)
    idx = np.argsort(-a if descending else a, axis=dim, kind="stable")
    return Tensor._make(idx.astype(np.int64), None)


def sort(input: Tensor, dim: int = -1, descending: bool = False) -> Any:
    """(values, indices) sorted along ``dim``; the values carry the gradient."""
    idx = argsort(input, dim, descending)
    return ValuesIndices(input.gather(dim, idx), idx)


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:
    values, indices = sort(input, dim, descending=largest)
    return ValuesIndices(values.narrow(dim, 0, k), indices.narrow(dim, 0, k))


def einsum(equation: str, *operands: Any) -> Tensor:
    """Outside the graph (NumPy's einsum); use matmul/sum for differentiable contractions."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    return Tensor._make(np.einsum(equation, *[_arr(o) for o in operands]), None)


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    return input.reshape(-1, 1) * vec2.reshape(1, -1)


def manual_seed_all(seed: int) -> None:
    from .random import manual_seed

    manual_seed(seed)


def set_printoptions(precision: int | None = None, **kwargs: Any) -> None:
    np.set_printoptions(precision=precision, **kwargs)


def set_default_dtype(d: Any) -> None:
    """rosenblatt's default float dtype is float32 (as torch); float64 per tensor on request."""
    if np.dtype(d) != np.float32:
        raise NotImplementedError(
            "set_default_dtype: rosenblatt's default dtype is float32; pass dtype= per tensor "
            "or call model.double()"
        )


def get_default_dtype() -> Any:
    return np.float32


def set_num_threads(n: int) -> None:
    """Limit the BLAS threads (threadpoolctl) and the kernels' threads, as torch.set_num_threads."""
    from threadpoolctl import threadpool_limits

    from .kernels import set_num_threads as set_kernel_threads

    global _THREAD_LIMIT
    _THREAD_LIMIT = threadpool_limits(limits=int(n))
    set_kernel_threads(int(n))


def get_num_threads() -> int:
    from threadpoolctl import threadpool_info

    # builtins.max: this module's own max is the tensor function
    return builtins.max((i.get("num_threads", 1) for i in threadpool_info()), default=1)


_THREAD_LIMIT: Any = None

__all__ = [
    *METHOD_FUNCTIONS,
    "argsort",
    "cat",
    "concat",
    "concatenate",
    "einsum",
    "get_default_dtype",
    "get_num_threads",
    "is_tensor",
    "manual_seed_all",
    "numel",
    "maximum",
    "minimum",
    "outer",
    "set_default_dtype",
    "set_num_threads",
    "set_printoptions",
    "sort",
    "stack",
    "topk",
    "where",
]
