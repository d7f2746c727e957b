"""Convolution and pooling on NCHW images (LeNet-5's convolution and subsampling layers).

conv2d is im2col + ONE matrix product: every receptive field of the padded input becomes a
column of a matrix ``cols`` of shape (C*KH*KW, OH*OW*N), and

    y[n, o, oh, ow] = sum_{c,i,j} W[o, c, i, j] * x_pad[n, c, oh*sh + i*dh, ow*sw + j*dw] + b[o]
                    = (W_mat @ cols)[o, (oh, ow, n)] + b[o],    W_mat = W.reshape(O, C*KH*KW).

The bias is folded into the product as an extra row of ones under ``cols``. The backward
pass is the same product transposed, dL/dW = dL/dY @ cols^T, dL/dcols = W_mat^T @ dL/dY,
and col2im adds every column back onto the pixels it was read from (one strided slice add
per kernel position i, j). Very skinny products (a first layer: few channels in and out) are
computed in blocks of columns, which OpenBLAS runs 2-3x faster (see ``_blocks``).

Memory layout: tensors keep PyTorch's logical NCHW shape, but convolution outputs are
*stored* (C, H, W, N), batch innermost (NumPy strides make the NCHW view free). Then the
im2col copy, the product's output and col2im all run over long contiguous runs of
OW*N numbers, and the next layer's im2col reads its input without a transposition.
Pooling keeps whatever layout its input has.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function
from ..kernels import conv as _conv
from ..tensor import Tensor
from .elementwise import as_tensor

__all__ = ["avg_pool2d", "conv2d", "max_pool2d"]

Pad4 = tuple[int, int, int, int]  # (top, bottom, left, right)


# ---------------------------------------------------------------------- helpers
def _pair(value: Any, name: str, op: str) -> tuple[int, int]:
    """An int or a pair of ints -> (h, w), with a clear error otherwise."""
    if isinstance(value, (int, np.integer)):
        return int(value), int(value)
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return int(value[0]), int(value[1])
    raise ValueError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")


def _out_size(size: int, lo: int, hi: int, k: int, s: int, d: int, ceil_mode: bool = False) -> int:
    """Output length of a sliding window: floor((size + lo + hi - d(k-1) - 1)/s) + 1."""
    span = size + lo + hi - d * (k - 1) - 1
    if ceil_mode:
        out = -(-span // s) + 1
        if (out - 1) * s >= size + lo:  # the last window must start inside input or left pad
            out -= 1
        return out
    return span // s + 1


# OpenBLAS multiplies "small" matrices (m * n * k <= 1e6 for float32 on x86-64) with a kernel
# that skips packing the operands. The first layer's products are very skinny -- e.g.
# (6 x 26) @ (26 x 50176) -- and run 2-3x faster (measured, with 1 or 2 threads) cut along
# the long pixel axis into blocks under that limit than as one call. Blocks shorter than
# _MIN_BLOCK are not worth the extra calls (and lose BLAS threading), so wider layers keep one.
_SMALL_GEMM = 1_000_000
_MIN_BLOCK = 2048


def _blocks(rows: int, inner: int, length: int) -> list[slice]:
    """Near-equal slices of range(length) with rows * inner * block <= _SMALL_GEMM, or one
    slice of everything when such blocks would be shorter than _MIN_BLOCK."""
    most = _SMALL_GEMM // max(rows * inner, 1)
    if most >= length or most < _MIN_BLOCK:
        return [slice(0, length)]
    size = -(-length // -(-length // most))  # ceil(length / number of blocks)
    return [slice(a, min(a + size, length)) for a in range(0, length, size)]


def _matmul_cols(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> np.ndarray:
    """out = a @ b, computed block by block along the columns of b (see _blocks)."""
    for s in _blocks(a.shape[0], a.shape[1], b.shape[1]):
        np.matmul(a, b[:, s], out=out[:, s])
    return out


def _matmul_inner(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b summed block by block along the shared (long) axis (see _blocks)."""
    blocks = _blocks(a.shape[0], b.shape[1], a.shape[1])
    out = a[:, blocks[0]] @ b[blocks[0]]
    for s in blocks[1:]:
        out += a[:, s] @ b[s]
    return out


# ---------------------------------------------------------------------- conv2d
class Conv2d(Function):
    """conv2d: Y = W_mat @ im2col(x) + b; dL/dW = dL/dY @ cols^T, dL/db = sum dL/dY,
    dL/dx = col2im(W_mat^T @ dL/dY)

    x (N, C, H, W), W (O, C, KH, KW), b (O,) -> Y (N, O, OH, OW).
    """

    def forward(self, x, w, b=None, stride=(1, 1), padding=(0, 0, 0, 0), dilation=(1, 1)):
        n, c, h, wd = x.shape
        o, _, kh, kw = w.shape
        self.in_shape, self.pad, self.s, self.d = x.shape, padding, stride, dilation
        t, bt, l, r = padding
        oh = _out_size(h, t, bt, kh, stride[0], dilation[0])
        ow = _out_size(wd, l, r, kw, stride[1], dilation[1])
        self.out_hw = (oh, ow)
        ckk = c * kh * kw
        cols = np.empty((ckk + (b is not None), oh * ow * n), dtype=x.dtype)
        windows = cols[:ckk].reshape(c, kh, kw, oh, ow, n)
        _conv.im2col(x, windows, stride, dilation, padding)  # the one copy of the input
        wmat = w.reshape(o, ckk)
        if b is not None:
            cols[ckk] = 1.0  # bias folded into the GEMM
            wmat = np.concatenate([wmat, b[:, None]], axis=1)
        self.cols, self.w = cols, w
        y = _matmul_cols(wmat, cols, np.empty((o, cols.shape[1]), x.dtype))  # (O, OH*OW*N)
        return y.reshape(o, oh, ow, n).transpose(3, 0, 1, 2)

    def backward(self, g):
        if self.cols is None:
            raise RuntimeError(
                "conv2d: backward through the same convolution twice; its saved columns are "
                "freed after the first backward (recompute the forward pass)"
            )
        n, c, h, wd = self.in_shape
        o, _, kh, kw = self.w.shape
        ckk = c * kh * kw
        g2 = g.transpose(1, 2, 3, 0).reshape(o, -1)  # (O, OH*OW*N); free when g is stored CHWN
        need = self.needs_input_grad
        gx = gw = gb = None
        if need[1] or (len(need) > 2 and need[2]):
            gwb = _matmul_inner(self.cols, g2.T).T  # (O, C*KH*KW [+ 1]); last column: dL/db
            gw = gwb[:, :ckk].reshape(self.w.shape)
            if len(need) > 2:
                gb = gwb[:, ckk].copy()
        if need[0]:  # dL/dcols = W_mat^T dL/dY, written over cols (no longer needed)
            gcols = _matmul_cols(self.w.reshape(o, ckk).T, g2, out=self.cols[:ckk])
            gcols = gcols.reshape(c, kh, kw, *self.out_hw, n)
            gx = _conv.col2im(gcols, self.in_shape, self.s, self.d, self.pad)  # adds back
        self.cols = None  # overwritten by dL/dcols: this node is used up
        return (gx, gw) if len(need) == 2 else (gx, gw, gb)


# ---------------------------------------------------------------------- pooling
class MaxPool2d(Function):
    """max_pool2d: y = max over the window of x (padding is -inf);
    dL/dx = dL/dy at the window's first maximum (row-major order, as PyTorch), 0 elsewhere

    One pass forward records the position of each window's first maximum; one pass
    backward adds dL/dy there (``kernels.conv.max_pool``, NumPy reference beside it).
    """

    def forward(self, x, kernel=(2, 2), stride=(2, 2), padding=(0, 0, 0, 0), dilation=(1, 1)):
        n, c, h, w = x.shape
        self.shape, self.k, self.s, self.pad, self.d = x.shape, kernel, stride, padding, dilation
        t, b, l, r = padding
        oh = _out_size(h, t, b, kernel[0], stride[0], dilation[0])
        ow = _out_size(w, l, r, kernel[1], stride[1], dilation[1])
        y, self.arg = _conv.max_pool(x, kernel, stride, padding, dilation, (oh, ow))
        return y

    def backward(self, g):
        if self.arg is None:
            raise RuntimeError(
                "max_pool2d: backward through the same pooling twice; its saved indices are "
                "freed after the first backward (recompute the forward pass)"
            )
        gx = _conv.max_pool_backward(g, self.arg, self.shape, self.k, self.s, self.pad, self.d)
        self.arg = None
        return gx


class AvgPool2d(Function):
    """avg_pool2d: y = (1/m) sum over the window of x; dL/dx = dL/dy / m for each x in it

    m is the divisor: kernel area with count_include_pad (PyTorch's default), the number of
    real (non-padding) pixels otherwise, or divisor_override.
    """

    def forward(self, x, kernel=(2, 2), stride=(2, 2), padding=(0, 0, 0, 0), divisor=None):
        n, c, h, w = x.shape
        self.k, self.s, self.pad, self.divisor = kernel, stride, padding, divisor
        t, b, l, r = padding
        oh = _out_size(h, t, b, kernel[0], stride[0], 1)
        ow = _out_size(w, l, r, kernel[1], stride[1], 1)
        self.shape = x.shape
        self.y = _conv.avg_pool(x, kernel, stride, padding, divisor, (oh, ow))
        return self.y

    def backward(self, g):  # (of self.y only its memory layout is read: dL/dx is stored so)
        args = (self.shape, self.k, self.s, self.pad, self.divisor)
        return _conv.avg_pool_backward(g, self.y, *args)


# ---------------------------------------------------------------------- public functions
def _batched(input: Any, op: str) -> tuple[Tensor, bool]:
    """(N, C, H, W) as is; an unbatched (C, H, W) image gets N = 1 (removed again later)."""
    x = as_tensor(input)
    if x.ndim == 3:
        return x.reshape(1, *x.shape), True
    if x.ndim != 4:
        raise ValueError(
            f"{op}: expected a 4-D input (N, C, H, W) or a 3-D one (C, H, W), got shape {x.shape}"
        )
    return x, False


def _padding4(padding: Any, op: str) -> Pad4:
    ph, pw = _pair(padding, "padding", op)
    if ph < 0 or pw < 0:
        raise ValueError(f"{op}: padding must be non-negative, got {padding!r}")
    return ph, ph, pw, pw


def _positive(value: tuple[int, int], name: str, op: str) -> tuple[int, int]:
    if min(value) < 1:
        raise ValueError(f"{op}: {name} must be positive, got {value}")
    return value


def _check_fits(op: str, x: Tensor, pad: Pad4, k: tuple[int, int], d: tuple[int, int]) -> None:
    h, w = x.shape[2] + pad[0] + pad[1], x.shape[3] + pad[2] + pad[3]
    kh, kw = d[0] * (k[0] - 1) + 1, d[1] * (k[1] - 1) + 1
    if h < kh or w < kw:
        raise ValueError(
            f"{op}: the (dilated) kernel {kh}x{kw} is larger than the padded input {h}x{w} "
            f"(input shape {x.shape})"
        )


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """conv2d: y[n,o] = b[o] + sum_c W[o,c] (*) x[n,c] (cross-correlation, as PyTorch).

    Parameters
    ----------
    input : Tensor
        (N, C, H, W) or unbatched (C, H, W); cast to the weight's dtype.
    weight : Tensor
        (O, C, KH, KW).
    bias : Tensor, optional
        (O,).
    stride, padding, dilation : int or (int, int)
        ``padding`` may also be ``"valid"`` (none) or ``"same"`` (output size = input size,
        stride 1; an odd total padding puts the extra row/column at the bottom/right).
    groups : int
        Only 1 is supported.

    Returns
    -------
    Tensor
        (N, O, OH, OW), OH = floor((H + 2 ph - dh (KH - 1) - 1) / sh) + 1 (likewise OW).
    """
    op = "conv2d"
    if groups != 1:
        raise NotImplementedError(f"{op}: only groups=1 is supported, got groups={groups}")
    x, unbatched = _batched(input, op)
    if weight.ndim != 4:
        raise ValueError(f"{op}: weight must be 4-D (O, C, KH, KW), got shape {weight.shape}")
    if x.shape[1] != weight.shape[1]:
        raise ValueError(
            f"{op}: input has {x.shape[1]} channels but the weight expects {weight.shape[1]} "
            f"(input shape {tuple(input.shape)}, weight shape {weight.shape})"
        )
    if bias is not None and bias.shape != (weight.shape[0],):
        raise ValueError(f"{op}: bias must have shape ({weight.shape[0]},), got {bias.shape}")
    stride = _positive(_pair(stride, "stride", op), "stride", op)
    dilation = _positive(_pair(dilation, "dilation", op), "dilation", op)
    k = (weight.shape[2], weight.shape[3])
    if padding == "valid":
        pad: Pad4 = (0, 0, 0, 0)
    elif padding == "same":
        if stride != (1, 1):
            raise ValueError(f"{op}: padding='same' needs stride 1, got stride={stride}")
        th, tw = dilation[0] * (k[0] - 1), dilation[1] * (k[1] - 1)
        pad = (th // 2, th - th // 2, tw // 2, tw - tw // 2)
    else:
        pad = _padding4(padding, op)
    _check_fits(op, x, pad, k, dilation)
    if x.dtype != weight.dtype:
        x = x.astype(weight.dtype)
    args = (x, weight) if bias is None else (x, weight, bias)
    y = Conv2d.apply(*args, stride=stride, padding=pad, dilation=dilation)
    return y.reshape(y.shape[1:]) if unbatched else y


def _pool_args(
    op: str, x: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any, ceil_mode: bool
) -> tuple:
    k = _positive(_pair(kernel_size, "kernel_size", op), "kernel_size", op)
    s = k if stride is None or stride == () or stride == [] else _pair(stride, "stride", op)
    s = _positive(s, "stride", op)
    d = _positive(_pair(dilation, "dilation", op), "dilation", op)
    pad = _padding4(padding, op)
    if pad[0] * 2 > k[0] or pad[2] * 2 > k[1]:
        raise ValueError(
            f"{op}: padding should be at most half of the kernel size, got padding "
            f"{(pad[0], pad[2])} for kernel_size {k}"
        )
    _check_fits(op, x, pad, k, d)
    if ceil_mode:  # extra bottom/right padding so the last partial window fits
        h, w = x.shape[2:]
        oh = _out_size(h, pad[0], pad[1], k[0], s[0], d[0], True)
        ow = _out_size(w, pad[2], pad[3], k[1], s[1], d[1], True)
        pad = (
            pad[0],
            max(pad[1], (oh - 1) * s[0] + d[0] * (k[0] - 1) + 1 - h - pad[0]),
            pad[2],
            max(pad[3], (ow - 1) * s[1] + d[1] * (k[1] - 1) + 1 - w - pad[2]),
        )
    return k, s, pad, d


def max_pool2d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor:
    """max_pool2d: y[n,c,oh,ow] = max over the kernel window of x (padding counts as -inf).

    ``stride`` defaults to ``kernel_size``. The gradient goes to the first maximum of each
    window, as in PyTorch. Input (N, C, H, W) or (C, H, W).
    """
    op = "max_pool2d"
    if return_indices:
        raise NotImplementedError(f"{op}: return_indices=True is not supported")
    x, unbatched = _batched(input, op)
    k, s, pad, d = _pool_args(op, x, kernel_size, stride, padding, dilation, ceil_mode)
    y = MaxPool2d.apply(x, kernel=k, stride=s, padding=pad, dilation=d)
    return y.reshape(y.shape[1:]) if unbatched else y


def avg_pool2d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """avg_pool2d: y[n,c,oh,ow] = (1/m) sum over the kernel window of x.

    m = kernel area (``count_include_pad=True``, PyTorch's default: zero padding counts),
    the number of non-padding pixels (``False``), or ``divisor_override``. ``stride``
    defaults to ``kernel_size``. Input (N, C, H, W) or (C, H, W).
    """
    op = "avg_pool2d"
    x, unbatched = _batched(input, op)
    k, s, pad, _ = _pool_args(op, x, kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override is not None:
        if divisor_override == 0:
            raise ValueError(f"{op}: divisor_override must be non-zero")
        divisor = np.asarray(divisor_override, dtype=x.dtype)
    else:
        hw = (x.shape[2], x.shape[3])
        divisor = _avg_divisor(hw, k, s, _padding4(padding, op), pad, count_include_pad)
        if divisor.min() == divisor.max():
            divisor = divisor.flat[0]
        divisor = divisor.astype(x.dtype)
    y = AvgPool2d.apply(x, kernel=k, stride=s, padding=pad, divisor=divisor)
    return y.reshape(y.shape[1:]) if unbatched else y


def _avg_divisor(
    hw: tuple[int, int],
    k: tuple[int, int],
    s: tuple[int, int],
    sym: Pad4,
    pad: Pad4,
    include_pad: bool,
) -> np.ndarray:
    """PyTorch's avg-pool divisor per output pixel (OH, OW): the window clipped to the
    symmetrically padded input, and without count_include_pad further to the input itself."""

    def counts(size: int, lo: int, hi_total: int, kk: int, ss: int) -> np.ndarray:
        start = np.arange(_out_size(size, lo, hi_total, kk, ss, 1)) * ss - lo
        end = np.minimum(start + kk, size + lo)
        if not include_pad:
            start, end = np.maximum(start, 0), np.minimum(end, size)
        return end - start

    ch = counts(hw[0], sym[0], pad[1], k[0], s[0])
    cw = counts(hw[1], sym[2], pad[3], k[1], s[1])
    return np.outer(ch, cw)
