"""Reductions: sum, mean, var, max, min over an axis (or all), with keepdims."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function
from ..tensor import Tensor


def _normalize(axis: Any, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (int, np.integer)):
        axis = (axis,)
    return tuple(int(a) % ndim for a in axis) if ndim else ()


def _expand(g: np.ndarray, axes: tuple[int, ...], keepdims: bool) -> np.ndarray:
    """Put back the reduced dimensions (as size 1) so that ``g`` broadcasts to the input."""
    return g if keepdims else np.expand_dims(g, axes)


class Sum(Function):
    """sum: y = sum_i x_i; dy/dx_i = 1"""

    saves_inputs = False

    differentiable_backward = True

    def forward(self, x, axis=None, keepdims=False):
        self.shape = x.shape
        self.axes = _normalize(axis, x.ndim)
        self.keepdims = keepdims
        return np.sum(x, axis=self.axes, keepdims=keepdims)

    def backward(self, g):
        return np.broadcast_to(_expand(g, self.axes, self.keepdims), self.shape)


class Mean(Function):
    """mean: y = (1/n) sum_i x_i; dy/dx_i = 1/n"""

    saves_inputs = False

    differentiable_backward = True

    def forward(self, x, axis=None, keepdims=False):
        self.shape = x.shape
        self.axes = _normalize(axis, x.ndim)
        self.keepdims = keepdims
        self.n = int(np.prod([x.shape[a] for a in self.axes]))
        return np.mean(x, axis=self.axes, keepdims=keepdims)

    def backward(self, g):
        g = _expand(g, self.axes, self.keepdims) / np.asarray(self.n, dtype=g.dtype)
        return np.broadcast_to(g, self.shape)


class Var(Function):
    """var: y = sum_i (x_i - m)^2 / (n - c); dy/dx_i = 2 (x_i - m) / (n - c)"""

    differentiable_backward = True

    def forward(self, x, axis=None, keepdims=False, correction=1):
        self.axes = _normalize(axis, x.ndim)
        self.keepdims = keepdims
        n = int(np.prod([x.shape[a] for a in self.axes]))
        self.d = x - x.mean(axis=self.axes, keepdims=True)
        self.denom = np.asarray(max(n - correction, 0), dtype=x.dtype)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.sum(self.d * self.d, axis=self.axes, keepdims=keepdims) / self.denom

    def backward(self, g):
        d = self.d
        if isinstance(g, Tensor):  # create_graph: d = x - mean(x) as ops on the input
            x = self.parents[0]
            d = x - x.mean(axis=self.axes, keepdims=True)
        return _expand(g, self.axes, self.keepdims) * 2 * d / self.denom


class _Extreme(Function):
    """max/min: the gradient flows to the extreme elements, split evenly among ties"""

    differentiable_backward = True

    reducer = staticmethod(np.max)

    def forward(self, x, axis=None, keepdims=False):
        self.axes = _normalize(axis, x.ndim)
        self.keepdims = keepdims
        y = self.reducer(x, axis=self.axes, keepdims=True)
        mask = x == y
        self.weights = mask / mask.sum(axis=self.axes, keepdims=True).astype(x.dtype)
        return y if keepdims else np.squeeze(y, axis=self.axes)

    def backward(self, g):
        return _expand(g, self.axes, self.keepdims) * self.weights


class Max(_Extreme):
    """max: y = max_i x_i; dy/dx_i = 1/k for the k elements equal to the max, else 0"""

    reducer = staticmethod(np.max)


class Min(_Extreme):
    """min: y = min_i x_i; dy/dx_i = 1/k for the k elements equal to the min, else 0"""

    reducer = staticmethod(np.min)


def sum(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return Sum.apply(x, axis=axis, keepdims=keepdims)


def mean(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    return Mean.apply(x, axis=axis, keepdims=keepdims)


def var(x: Tensor, axis: Any = None, keepdims: bool = False, correction: int = 1) -> Tensor:
    return Var.apply(x, axis=axis, keepdims=keepdims, correction=correction)


def amax(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    return Max.apply(x, axis=axis, keepdims=keepdims)


def amin(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    return Min.apply(x, axis=axis, keepdims=keepdims)
