"""Adaptive pooling: pool an (H, W) image into a fixed (OH, OW) grid, whatever H and W are.

Output cell i along the height pools the input rows start(i) <= h < end(i) with

    start(i) = floor(i H / OH),    end(i) = ceil((i + 1) H / OH)

(likewise along the width), so neighbouring windows may overlap by a row when OH does not
divide H. When it does divide, the windows are those of an ordinary pooling with
kernel = stride = H / OH, and that (fused) op is used.

Average: y[n, c, i, j] = mean of x[n, c, start(i):end(i), start(j):end(j)]. The mean over a
rectangle is a mean over rows of means over columns, so

    y = P_H x P_W^T,     P_H[i, h] = 1 / (end(i) - start(i)) for start(i) <= h < end(i), else 0,

two matrix products whose gradient the engine already knows (dL/dx = P_H^T dL/dy P_W).

Max: y[n, c, i, j] = max over the window; dL/dx = dL/dy at the window's first maximum
(row-major order, as torch), 0 elsewhere; a pixel in two windows gets both gradients.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function
from ..tensor import Tensor
from .conv import _batched, avg_pool2d, max_pool2d
from .linalg import matmul

__all__ = ["adaptive_avg_pool2d", "adaptive_max_pool2d", "bin_edges"]


def bin_edges(size: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    """(start, end) of the ``out`` windows over ``size`` pixels, torch's formula."""
    i = np.arange(out)
    return (i * size) // out, -((-(i + 1) * size) // out)  # floor, ceil


def _output_size(output_size: Any, x: Tensor, op: str) -> tuple[int, int]:
    """An int, or a pair whose None entries keep the input's size; torch's errors."""
    if x.dtype.kind != "f":
        raise NotImplementedError(f'"{op}" not implemented for {x.dtype} (use .float())')
    pair = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * 2
    if len(pair) != 2:
        raise RuntimeError(f"{op}: output_size must be 2")
    hw = x.shape[2:]
    size = (hw[0] if pair[0] is None else int(pair[0]), hw[1] if pair[1] is None else int(pair[1]))
    if min(size) < 0:
        raise RuntimeError(
            f"{op}: elements of output_size must be greater than or equal to 0 but received {size}"
        )
    return size


def _divides(hw: tuple[int, ...], size: tuple[int, int]) -> bool:
    """Whether the windows are those of a plain pooling (kernel = stride = H / OH)."""
    return min(size) > 0 and hw[0] % size[0] == 0 and hw[1] % size[1] == 0


def _averaging_matrix(size: int, out: int, dtype: np.dtype) -> Tensor:
    """P (out, size): row i holds 1/(end - start) on the window of output i."""
    start, end = bin_edges(size, out)
    cols = np.arange(size)
    inside = (cols >= start[:, None]) & (cols < end[:, None])
    return Tensor._make((inside / (end - start)[:, None]).astype(dtype), None)


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """adaptive_avg_pool2d: y[n, c, i, j] = mean of x over window (i, j) (module docstring).

    Input (N, C, H, W) or (C, H, W); ``output_size`` an int or (OH, OW), None keeping the
    input's size. Output (N, C, OH, OW).
    """
    op = "adaptive_avg_pool2d"
    x, unbatched = _batched(input, op)
    h, w = x.shape[2], x.shape[3]
    oh, ow = _output_size(output_size, x, op)
    if (oh, ow) == (1, 1):
        y = x.mean(dim=(2, 3), keepdim=True)  # global average pooling
    elif _divides((h, w), (oh, ow)):
        y = avg_pool2d(x, (h // oh, w // ow))
    else:
        p_h, p_w = _averaging_matrix(h, oh, x.dtype), _averaging_matrix(w, ow, x.dtype)
        y = matmul(p_h, matmul(x, p_w.T))  # P_H x P_W^T
    return y.reshape(y.shape[1:]) if unbatched else y


def _window_maxima(x: np.ndarray, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The maximum of every window and its flat index h * W + w (the first one, row-major;
    a NaN counts as a maximum, as in torch)."""
    n, c, h, w = x.shape
    (hs, he), (ws, we) = bin_edges(h, size[0]), bin_edges(w, size[1])
    y = np.empty((n, c, *size), x.dtype)
    where = np.empty((n, c, *size), np.int64)
    for i in range(size[0]):
        for j in range(size[1]):
            window = x[:, :, hs[i] : he[i], ws[j] : we[j]].reshape(n, c, -1)
            k = np.argmax(window, axis=2)
            y[:, :, i, j] = np.take_along_axis(window, k[..., None], axis=2)[..., 0]
            width = we[j] - ws[j]
            where[:, :, i, j] = (hs[i] + k // width) * w + ws[j] + k % width
    return y, where


class AdaptiveMaxPool2d(Function):
    """adaptive_max_pool2d: y = max of x over window (i, j); dL/dx = dL/dy at its first
    maximum, summed where windows overlap"""

    saves_inputs = False  # backward reads only the indices of the maxima

    def forward(self, x, output_size=(1, 1)):
        self.shape = x.shape
        y, self.where = _window_maxima(x, output_size)
        return y

    def backward(self, g):
        n, c, h, w = self.shape
        gx = np.zeros((n * c, h * w), g.dtype)
        rows = np.arange(n * c)[:, None]
        np.add.at(gx, (rows, self.where.reshape(n * c, -1)), g.reshape(n * c, -1))
        return gx.reshape(self.shape)


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """adaptive_max_pool2d: y[n, c, i, j] = max of x over window (i, j) (module docstring).

    With ``return_indices`` also the int64 flat indices h * W + w of the maxima, as torch.
    Input (N, C, H, W) or (C, H, W).
    """
    op = "adaptive_max_pool2d"
    x, unbatched = _batched(input, op)
    h, w = x.shape[2], x.shape[3]
    size = _output_size(output_size, x, op)
    if _divides((h, w), size) and not return_indices:
        y = max_pool2d(x, (h // size[0], w // size[1]))
        return y.reshape(y.shape[1:]) if unbatched else y
    y = AdaptiveMaxPool2d.apply(x, output_size=size)
    if not return_indices:
        return y.reshape(y.shape[1:]) if unbatched else y
    if isinstance(y._ctx, AdaptiveMaxPool2d):
        where = y._ctx.where
    else:  # nothing recorded (no_grad): find the indices again
        where = _window_maxima(x._data, size)[1]
    indices = Tensor._make(where, None)
    if unbatched:
        return y.reshape(y.shape[1:]), indices.reshape(indices.shape[1:])
    return y, indices
