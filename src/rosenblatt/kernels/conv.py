"""im2col / col2im and pooling, one pass each, threads sharing channels (or planes).

Layouts (see ``ops.conv``): a convolution's input is read stored (C, H, W, N), batch
innermost, and its columns are cols[c, i, j, y, x, n] (C, KH, KW, OH, OW, N):

    im2col:  cols[c, i, j, y, x, n] = x[c, y sh + i dh - pt, x sw + j dw - pl, n]
             (0 where that pixel is padding)
    col2im:  dx[c, u, v, n] = sum over (i, j, y, x) with y sh + i dh - pt = u and
             x sw + j dw - pl = v of cols[c, i, j, y, x, n]        (the adjoint of im2col)

Pooling works on either layout, seen as planes P x H x W x Q (NCHW: P = N C, Q = 1; stored
(C, H, W, N): P = C, Q = N), window (KH, KW), stride, dilation, padding:

    max:  y = max over the window of x (padding is -inf); k = the window position of the
          first maximum (row-major, as PyTorch); dx at the pixel of k += dy
    avg:  y = (sum over the window of x, padding 0) / m;  dx at every pixel of the window
          += dy / m   (m: the divisor, one per output position)

Sums run in the references' order (window positions (i, j) row-major), so every kernel is
bit-identical to its reference (max-pool backward up to the sign of zero gradients).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ._jit import kernel, launch, prange, usable

__all__ = [
    "avg_pool",
    "avg_pool_backward",
    "avg_pool_backward_reference",
    "avg_pool_reference",
    "col2im",
    "col2im_reference",
    "im2col",
    "im2col_reference",
    "max_pool",
    "max_pool_backward",
    "max_pool_backward_reference",
    "max_pool_reference",
]

Pad4 = tuple[int, int, int, int]  # (top, bottom, left, right)


# ---------------------------------------------------------------------- NumPy helpers
def _alloc(
    like: np.ndarray, shape: tuple[int, ...], fill: float | None = 0.0, dtype: Any = None
) -> np.ndarray:
    """A new array of logical ``shape`` whose memory layout (axis order) is that of ``like``,
    filled with ``fill`` (uninitialised if None), of ``like``'s dtype unless given."""
    order = np.argsort([-st for st in like.strides], kind="stable")  # outermost axis first
    stored = [shape[k] for k in order]
    dtype = like.dtype if dtype is None else dtype
    if fill is None:
        buf = np.empty(stored, dtype=dtype)
    else:
        buf = np.full(stored, fill, dtype=dtype)
    return buf.transpose(np.argsort(order))


def _like(a: np.ndarray, like: np.ndarray) -> np.ndarray:
    """a itself if it is stored like ``like`` (same strides), else a copy stored that way."""
    if a.strides == like.strides:
        return a
    out = np.empty_like(like, dtype=a.dtype)
    out[...] = a
    return out


def _chwn(shape: tuple[int, int, int, int], dtype: np.dtype) -> np.ndarray:
    """Zeros of logical shape (N, C, H, W) stored as (C, H, W, N): batch innermost."""
    n, c, h, w = shape
    return np.zeros((c, h, w, n), dtype=dtype).transpose(3, 0, 1, 2)


def _pad(x: np.ndarray, pad: Pad4, value: float = 0.0) -> np.ndarray:
    """x (N, C, H, W) surrounded by ``value``, in x's memory layout."""
    t, b, l, r = pad
    if not (t or b or l or r):
        return x
    n, c, h, w = x.shape
    xp = _alloc(x, (n, c, h + t + b, w + l + r), value)
    xp[:, :, t : t + h, l : l + w] = x
    return xp


def _pad_chwn(x: np.ndarray, pad: Pad4) -> np.ndarray:
    """x zero-padded, stored (C, H, W, N) so that every im2col row is a contiguous copy."""
    t, b, l, r = pad
    if not (t or b or l or r) and x.transpose(1, 2, 3, 0).flags.c_contiguous:
        return x
    n, c, h, w = x.shape
    xp = _chwn((n, c, h + t + b, w + l + r), x.dtype)
    xp[:, :, t : t + h, l : l + w] = x
    return xp


def _windows(xp: np.ndarray, k: tuple, out: tuple, s: tuple, d: tuple) -> np.ndarray:
    """Read-only view v (C, KH, KW, OH, OW, N) of xp (N, C, Hp, Wp):
    v[c, i, j, y, x, n] = xp[n, c, y sh + i dh, x sw + j dw]."""
    n, c = xp.shape[:2]
    sn, sc, sh, sw = xp.strides
    shape = (c, k[0], k[1], out[0], out[1], n)
    strides = (sc, sh * d[0], sw * d[1], sh * s[0], sw * s[1], sn)
    return as_strided(xp, shape, strides, writeable=False)


def _tap(xp: np.ndarray, i: int, j: int, out: tuple, s: tuple, d: tuple) -> np.ndarray:
    """The strided slice of xp (N, C, Hp, Wp) seen by kernel position (i, j): (N, C, OH, OW)."""
    h0, w0 = i * d[0], j * d[1]
    return xp[
        :, :, h0 : h0 + s[0] * (out[0] - 1) + 1 : s[0], w0 : w0 + s[1] * (out[1] - 1) + 1 : s[1]
    ]


def _crop(xp: np.ndarray, pad: Pad4, h: int, w: int) -> np.ndarray:
    t, _, l, _ = pad
    return xp[:, :, t : t + h, l : l + w]


# ---------------------------------------------------------------------- im2col / col2im
@kernel
def _im2col(xc, cols, sh, sw, dh, dw, pt, pl):  # noqa: ANN001, ANN202
    """cols[c, i, j, y, x, :] = xc[c, y sh + i dh - pt, x sw + j dw - pl, :] (0 outside)."""
    n_ch, height, width, n = xc.shape
    _, kh, kw, oh, ow, _ = cols.shape
    zero = xc.dtype.type(0)
    for task in prange(n_ch * kh * kw):
        c, i, j = task // (kh * kw), (task // kw) % kh, task % kw
        for y in range(oh):
            row = y * sh + i * dh - pt
            for x in range(ow):
                col = x * sw + j * dw - pl
                if 0 <= row < height and 0 <= col < width:
                    for k in range(n):
                        cols[c, i, j, y, x, k] = xc[c, row, col, k]
                else:
                    for k in range(n):
                        cols[c, i, j, y, x, k] = zero


def im2col_reference(
    x: np.ndarray, cols: np.ndarray, stride: tuple, dilation: tuple, pad: Pad4
) -> None:
    """NumPy: x (N, C, H, W) zero-padded (stored C, H, W, N), then ONE strided copy of all
    its windows into ``cols`` (C, KH, KW, OH, OW, N)."""
    kh, kw, oh, ow = cols.shape[1:5]
    cols[...] = _windows(_pad_chwn(x, pad), (kh, kw), (oh, ow), stride, dilation)


def im2col(x: np.ndarray, cols: np.ndarray, stride: tuple, dilation: tuple, pad: Pad4) -> None:
    """Fill ``cols`` (C, KH, KW, OH, OW, N, C-contiguous) with the windows of x (N, C, H, W)."""
    if usable(x, cols) and x.dtype == cols.dtype and cols.flags.c_contiguous:
        xc = x.transpose(1, 2, 3, 0)
        if not xc.flags.c_contiguous:
            xc = np.ascontiguousarray(xc)  # the one layout change, as the padded copy is
        args = (stride[0], stride[1], dilation[0], dilation[1], pad[0], pad[2])
        launch(_im2col, cols.size, xc, cols, *args)
    else:
        im2col_reference(x, cols, stride, dilation, pad)


@kernel
def _col2im(cols, dx, sh, sw, dh, dw, pt, pl):  # noqa: ANN001, ANN202
    """dx[c, u, v, :] = sum of the columns read from pixel (u, v), window order (i, j)."""
    n_ch, height, width, n = dx.shape
    _, kh, kw, oh, ow, _ = cols.shape
    zero = dx.dtype.type(0)
    for c in prange(n_ch):
        dx[c] = zero
        for i in range(kh):
            for j in range(kw):
                for y in range(oh):
                    row = y * sh + i * dh - pt
                    if 0 <= row < height:
                        for x in range(ow):
                            col = x * sw + j * dw - pl
                            if 0 <= col < width:
                                for k in range(n):
                                    dx[c, row, col, k] += cols[c, i, j, y, x, k]


def col2im_reference(
    cols: np.ndarray, x_shape: tuple, stride: tuple, dilation: tuple, pad: Pad4
) -> np.ndarray:
    """NumPy: zeros padded (stored C, H, W, N), one strided add of each kernel position's
    columns, then the padding cropped off (a view)."""
    n, c, h, w = x_shape
    kh, kw, oh, ow = cols.shape[1:5]
    t, b, l, r = pad
    gcols = cols.transpose(1, 2, 5, 0, 3, 4)  # (KH, KW, N, C, OH, OW)
    dxp = _chwn((n, c, h + t + b, w + l + r), cols.dtype)  # stored like gcols
    for i in range(kh):
        for j in range(kw):
            _tap(dxp, i, j, (oh, ow), stride, dilation)[...] += gcols[i, j]
    return _crop(dxp, pad, h, w)


def col2im(
    cols: np.ndarray, x_shape: tuple, stride: tuple, dilation: tuple, pad: Pad4
) -> np.ndarray:
    """dL/dx (N, C, H, W), stored (C, H, W, N), from dL/dcols (C, KH, KW, OH, OW, N)."""
    if not (usable(cols) and cols.flags.c_contiguous):
        return col2im_reference(cols, x_shape, stride, dilation, pad)
    n, c, h, w = x_shape
    dx = np.empty((c, h, w, n), dtype=cols.dtype)
    args = (stride[0], stride[1], dilation[0], dilation[1], pad[0], pad[2])
    launch(_col2im, cols.size, cols, dx, *args)
    return dx.transpose(3, 0, 1, 2)


# ---------------------------------------------------------------------- pooling
def _planes(a: np.ndarray) -> np.ndarray | None:
    """An (N, C, H, W) array as planes (P, H, W, Q) without a copy: NCHW-contiguous ->
    (N C, H, W, 1), stored (C, H, W, N) -> (C, H, W, N); else None."""
    n, c, h, w = a.shape
    if a.flags.c_contiguous:
        return a.reshape(n * c, h, w, 1)
    chwn = a.transpose(1, 2, 3, 0)
    return chwn if chwn.flags.c_contiguous else None


def _new_planes(shape: tuple, like: np.ndarray, dtype: Any) -> tuple:
    """A new (N, C, H, W) array stored as ``like`` (planes-viewable) is, and its planes."""
    n, c, h, w = shape
    if like.flags.c_contiguous:
        out = np.empty((n, c, h, w), dtype=dtype)
        return out, out.reshape(n * c, h, w, 1)
    base = np.empty((c, h, w, n), dtype=dtype)
    return base.transpose(3, 0, 1, 2), base


def _padded(shape: tuple, pad: Pad4) -> tuple:
    n, c, h, w = shape
    return n, c, h + pad[0] + pad[1], w + pad[2] + pad[3]


def max_pool_reference(
    x: np.ndarray, k: tuple, s: tuple, pad: Pad4, d: tuple, out_hw: tuple
) -> tuple[np.ndarray, np.ndarray]:
    """NumPy: y = the running maximum over the window positions (padding -inf), stored as
    x is; arg (int32) = the first position (i KW + j) where the window's value equals y."""
    xp = _pad(x, pad, -np.inf)
    y = None
    for i in range(k[0]):
        for j in range(k[1]):
            tap = _tap(xp, i, j, out_hw, s, d)
            y = tap.copy(order="K") if y is None else np.maximum(y, tap, out=y)
    assert y is not None
    arg = np.empty_like(y, dtype=np.int32)
    arg[...] = -1
    for i in reversed(range(k[0])):  # the first position last: it wins ties
        for j in reversed(range(k[1])):
            np.copyto(arg, i * k[1] + j, where=_tap(xp, i, j, out_hw, s, d) == y)
    return y, arg


@kernel
def _max_pool(x, y, arg, kh, kw, sh, sw, dh, dw, pt, pl):  # noqa: ANN001, ANN202
    """y = max over the window (padding -inf); arg = i KW + j of the first maximum
    (-1 when it is NaN: the reference's y == x finds none). The running maximum of a
    window is kept for all Q columns at once (the contiguous innermost loop)."""
    n_planes, height, width, q = x.shape
    _, oh, ow, _ = y.shape
    for p in prange(n_planes):
        for oy in range(oh):
            for ox in range(ow):
                best, at = y[p, oy, ox], arg[p, oy, ox]
                for k in range(q):
                    best[k] = -np.inf
                    at[k] = 0
                for i in range(kh):
                    row = oy * sh + i * dh - pt
                    for j in range(kw):
                        col = ox * sw + j * dw - pl
                        if 0 <= row < height and 0 <= col < width:  # (padding never wins)
                            here = i * kw + j
                            for k in range(q):
                                v, b = x[p, row, col, k], best[k]
                                take = v > b or (v != v and b == b)
                                best[k] = v if take else b
                                at[k] = here if take else at[k]
                for k in range(q):
                    at[k] = at[k] if best[k] == best[k] else -1


def max_pool(
    x: np.ndarray, k: tuple, s: tuple, pad: Pad4, d: tuple, out_hw: tuple
) -> tuple[np.ndarray, np.ndarray]:
    """(y, arg) of max pooling x (N, C, H, W), both stored as x is (see the references)."""
    xp = _planes(x) if usable(x) else None
    if xp is None:
        return max_pool_reference(x, k, s, pad, d, out_hw)
    shape = (*x.shape[:2], *out_hw)
    y, yp = _new_planes(shape, x, x.dtype)
    arg, argp = _new_planes(shape, x, np.int32)
    args = (k[0], k[1], s[0], s[1], d[0], d[1], pad[0], pad[2])
    launch(_max_pool, yp.size * k[0] * k[1], xp, yp, argp, *args)
    return y, arg


def max_pool_backward_reference(
    g: np.ndarray, arg: np.ndarray, x_shape: tuple, k: tuple, s: tuple, pad: Pad4, d: tuple
) -> np.ndarray:
    """NumPy: dL/dx, stored as arg is: each window position adds dy where it was the first
    maximum; windows that share no pixel (stride >= kernel) are written, not added."""
    out_hw = arg.shape[2:]
    disjoint = d == (1, 1) and s[0] >= k[0] and s[1] >= k[1]
    padded = _padded(x_shape, pad)
    covered = disjoint and s == k and padded[2:] == (out_hw[0] * k[0], out_hw[1] * k[1])
    dxp = _alloc(arg, padded, None if covered else 0.0, g.dtype)
    g = _like(g, arg)  # in the memory layout of arg (and x): no strided reads below
    for i in range(k[0]):
        for j in range(k[1]):
            hit = arg == i * k[1] + j
            tap = _tap(dxp, i, j, out_hw, s, d)
            if disjoint:
                np.multiply(g, hit, out=tap)
            else:
                tap += g * hit
    return _crop(dxp, pad, x_shape[2], x_shape[3])


@kernel
def _max_pool_backward(g, arg, dx, kh, kw, sh, sw, dh, dw, pt, pl):  # noqa: ANN001, ANN202
    """dx at each window's first maximum += dy, window positions (i, j) row-major."""
    n_planes, height, width, q = dx.shape
    _, oh, ow, _ = g.shape
    zero = dx.dtype.type(0)
    for p in prange(n_planes):
        dx[p] = zero
        for i in range(kh):
            for j in range(kw):
                here = i * kw + j
                for oy in range(oh):
                    row = oy * sh + i * dh - pt
                    if 0 <= row < height:
                        for ox in range(ow):
                            col = ox * sw + j * dw - pl
                            if 0 <= col < width:
                                for k in range(q):
                                    if arg[p, oy, ox, k] == here:
                                        dx[p, row, col, k] += g[p, oy, ox, k]


def max_pool_backward(
    g: np.ndarray, arg: np.ndarray, x_shape: tuple, k: tuple, s: tuple, pad: Pad4, d: tuple
) -> np.ndarray:
    """dL/dx of max pooling (stored as arg is) from dL/dy and the first-maximum indices."""
    argp = _planes(arg)
    if not usable(g) or argp is None:
        return max_pool_backward_reference(g, arg, x_shape, k, s, pad, d)
    g = _like(g, arg)
    dx, dxp = _new_planes(x_shape, arg, g.dtype)
    args = (k[0], k[1], s[0], s[1], d[0], d[1], pad[0], pad[2])
    launch(_max_pool_backward, g.size * k[0] * k[1], _planes(g), argp, dxp, *args)
    return dx


def avg_pool_reference(
    x: np.ndarray, k: tuple, s: tuple, pad: Pad4, divisor: np.ndarray, out_hw: tuple
) -> np.ndarray:
    """NumPy: y = (sum over the window positions, padding 0) / divisor, stored as x is."""
    xp = _pad(x, pad)
    y = None
    for i in range(k[0]):
        for j in range(k[1]):
            tap = _tap(xp, i, j, out_hw, s, (1, 1))
            y = tap.copy(order="K") if y is None else np.add(y, tap, out=y)
    y /= divisor
    return y


@kernel
def _avg_pool(x, y, div, kh, kw, sh, sw, pt, pl):  # noqa: ANN001, ANN202
    """y = (sum over the window of x, padding 0, positions row-major) / div[oy, ox]; the
    sums of all Q columns at once (the contiguous innermost loop)."""
    n_planes, height, width, q = x.shape
    _, oh, ow, _ = y.shape
    zero = x.dtype.type(0)
    for p in prange(n_planes):
        for oy in range(oh):
            for ox in range(ow):
                acc = y[p, oy, ox]
                for i in range(kh):
                    row = oy * sh + i - pt
                    for j in range(kw):
                        col = ox * sw + j - pl
                        inside = 0 <= row < height and 0 <= col < width
                        if i == 0 and j == 0:
                            for k in range(q):
                                acc[k] = x[p, row, col, k] if inside else zero
                        elif inside:
                            for k in range(q):
                                acc[k] += x[p, row, col, k]
                        else:  # padding adds a zero (as the reference's padded copy)
                            for k in range(q):
                                acc[k] += zero
                d = div[oy, ox]
                for k in range(q):
                    acc[k] = acc[k] / d


def _divisor(divisor: np.ndarray, out_hw: tuple, dtype: np.dtype) -> np.ndarray:
    """The divisor as one value per output position (OH, OW)."""
    return np.ascontiguousarray(np.broadcast_to(np.asarray(divisor, dtype=dtype), out_hw))


def avg_pool(
    x: np.ndarray, k: tuple, s: tuple, pad: Pad4, divisor: np.ndarray, out_hw: tuple
) -> np.ndarray:
    """Average pooling of x (N, C, H, W), stored as x is; divisor 0-d or (OH, OW)."""
    xp = _planes(x) if usable(x) and np.asarray(divisor).dtype == x.dtype else None
    if xp is None:
        return avg_pool_reference(x, k, s, pad, divisor, out_hw)
    y, yp = _new_planes((*x.shape[:2], *out_hw), x, x.dtype)
    args = (k[0], k[1], s[0], s[1], pad[0], pad[2])
    launch(_avg_pool, yp.size * k[0] * k[1], xp, yp, _divisor(divisor, out_hw, x.dtype), *args)
    return y


def avg_pool_backward_reference(
    g: np.ndarray, like: np.ndarray, x_shape: tuple, k: tuple, s: tuple, pad: Pad4,
    divisor: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """NumPy: dL/dx, stored as ``like`` (the output y) is: every window position adds
    dy / divisor to its pixels."""
    dxp = _alloc(like, _padded(x_shape, pad), 0.0, g.dtype)
    gd = g / divisor
    for i in range(k[0]):
        for j in range(k[1]):
            _tap(dxp, i, j, g.shape[2:], s, (1, 1))[...] += gd
    return _crop(dxp, pad, x_shape[2], x_shape[3])


@kernel
def _avg_pool_backward(g, div, dx, kh, kw, sh, sw, pt, pl):  # noqa: ANN001, ANN202
    """dx at every pixel of each window += dy / div, window positions (i, j) row-major."""
    n_planes, height, width, q = dx.shape
    _, oh, ow, _ = g.shape
    zero = dx.dtype.type(0)
    for p in prange(n_planes):
        dx[p] = zero
        for i in range(kh):
            for j in range(kw):
                for oy in range(oh):
                    row = oy * sh + i - pt
                    if 0 <= row < height:
                        for ox in range(ow):
                            col = ox * sw + j - pl
                            if 0 <= col < width:
                                for k in range(q):
                                    dx[p, row, col, k] += g[p, oy, ox, k] / div[oy, ox]


def avg_pool_backward(
    g: np.ndarray, like: np.ndarray, x_shape: tuple, k: tuple, s: tuple, pad: Pad4,
    divisor: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """dL/dx of average pooling, stored as ``like`` (the output y) is."""
    likep = _planes(like)
    if not (usable(g) and np.asarray(divisor).dtype == g.dtype) or likep is None:
        return avg_pool_backward_reference(g, like, x_shape, k, s, pad, divisor)
    g = _like(g, like)
    dx, dxp = _new_planes(x_shape, like, g.dtype)
    args = (k[0], k[1], s[0], s[1], pad[0], pad[2])
    div = _divisor(divisor, g.shape[2:], g.dtype)
    launch(_avg_pool_backward, g.size * k[0] * k[1], _planes(g), div, dxp, *args)
    return dx
