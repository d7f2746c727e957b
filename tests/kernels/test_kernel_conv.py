"""kernels.conv: im2col, col2im, max and average pooling (forward and backward) equal their
NumPy references bit for bit, in both memory layouts (NCHW and stored C, H, W, N), with
padding, strides, dilation, overlapping and disjoint windows; serial and parallel."""

from __future__ import annotations

import numpy as np
import pytest
from _check import VERSIONS

from rosenblatt.kernels import _jit
from rosenblatt.kernels import conv as K

# (kernel, stride, padding (top, bottom, left, right), dilation)
GEOMETRIES = [
    ((5, 5), (1, 1), (2, 2, 2, 2), (1, 1)),
    ((3, 3), (2, 2), (1, 1, 1, 1), (1, 1)),
    ((2, 3), (2, 1), (0, 1, 1, 0), (1, 1)),
    ((3, 2), (1, 2), (0, 0, 0, 0), (2, 1)),
    ((2, 2), (2, 2), (0, 0, 0, 0), (1, 1)),
]
POOLS = [g for g in GEOMETRIES if 2 * g[2][0] <= g[0][0] and 2 * g[2][2] <= g[0][1]]


@pytest.fixture(params=VERSIONS)
def version(request, monkeypatch):
    monkeypatch.setattr(_jit, "JIT", True)
    monkeypatch.setattr(_jit, "PARALLEL_MIN", 1 if request.param == "parallel" else 1 << 62)
    monkeypatch.setattr(_jit, "get_num_threads", lambda: 2)
    return request.param


def _image(rng, shape, layout, dtype=np.float32):
    x = rng.standard_normal(shape).astype(dtype)
    if layout == "chwn":
        x = np.ascontiguousarray(x.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)
    return x


def _out(size, lo, hi, k, s, d):
    return (size + lo + hi - d * (k - 1) - 1) // s + 1


def _out_hw(x, k, s, pad, d):
    return _out(x.shape[2], pad[0], pad[1], k[0], s[0], d[0]), _out(
        x.shape[3], pad[2], pad[3], k[1], s[1], d[1]
    )


@pytest.mark.parametrize("layout", ["nchw", "chwn"])
@pytest.mark.parametrize("k,s,pad,d", GEOMETRIES, ids=str)
def test_im2col_col2im(k, s, pad, d, layout, version, rng):
    x = _image(rng, (3, 2, 9, 8), layout)
    oh, ow = _out_hw(x, k, s, pad, d)
    shape = (2, k[0], k[1], oh, ow, 3)
    mine, ref = np.empty(shape, np.float32), np.empty(shape, np.float32)
    K.im2col(x, mine, s, d, pad)
    K.im2col_reference(x, ref, s, d, pad)
    np.testing.assert_array_equal(mine, ref)
    g = rng.standard_normal(shape).astype(np.float32)
    dx = K.col2im(g, x.shape, s, d, pad)
    np.testing.assert_array_equal(dx, K.col2im_reference(g, x.shape, s, d, pad))
    assert dx.transpose(1, 2, 3, 0).flags.c_contiguous  # stored (C, H, W, N)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", ["nchw", "chwn"])
@pytest.mark.parametrize("k,s,pad,d", POOLS, ids=str)
def test_max_pool(k, s, pad, d, layout, dtype, version, rng):
    x = _image(rng, (3, 2, 9, 8), layout, dtype)
    x[0, 0, 1:3, 1:3] = 0.5  # ties: the first maximum takes the gradient
    x[1, 1, 4, 4] = np.nan
    out_hw = _out_hw(x, k, s, pad, d)
    y, arg = K.max_pool(x, k, s, pad, d, out_hw)
    y_ref, arg_ref = K.max_pool_reference(x, k, s, pad, d, out_hw)
    np.testing.assert_array_equal(y, y_ref)
    np.testing.assert_array_equal(arg, arg_ref)
    assert y.strides == y_ref.strides
    g = rng.standard_normal(y.shape).astype(dtype)
    dx = K.max_pool_backward(g, arg, x.shape, k, s, pad, d)
    dx_ref = K.max_pool_backward_reference(g, arg_ref, x.shape, k, s, pad, d)
    np.testing.assert_array_equal(dx, dx_ref)  # (the sign of a zero gradient may differ)


@pytest.mark.parametrize("per_position", [False, True])
@pytest.mark.parametrize("layout", ["nchw", "chwn"])
@pytest.mark.parametrize("k,s,pad,d", [g for g in POOLS if g[3] == (1, 1)], ids=str)
def test_avg_pool(k, s, pad, d, layout, per_position, version, rng):
    x = _image(rng, (3, 2, 9, 8), layout)
    out_hw = _out_hw(x, k, s, pad, d)
    divisor = np.asarray(k[0] * k[1], np.float32)
    if per_position:
        divisor = rng.integers(1, 7, out_hw).astype(np.float32)
    y = K.avg_pool(x, k, s, pad, divisor, out_hw)
    y_ref = K.avg_pool_reference(x, k, s, pad, divisor, out_hw)
    np.testing.assert_array_equal(y, y_ref)
    assert np.array_equal(np.signbit(y), np.signbit(y_ref)) and y.strides == y_ref.strides
    g = rng.standard_normal(y.shape).astype(np.float32)
    dx = K.avg_pool_backward(g, y, x.shape, k, s, pad, divisor)
    np.testing.assert_array_equal(
        dx, K.avg_pool_backward_reference(g, y, x.shape, k, s, pad, divisor)
    )
