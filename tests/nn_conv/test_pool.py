"""MaxPool2d / AvgPool2d and F.max_pool2d / F.avg_pool2d against PyTorch and finite differences."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _torch_check import check_module

import rosenblatt as rb
import rosenblatt.nn.functional as F
from rosenblatt import nn

MAX_CASES = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=3, stride=1, padding=1, dilation=2),
    dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 0)),
    dict(kernel_size=3, stride=2, ceil_mode=True),
    dict(kernel_size=2, stride=3, padding=1, ceil_mode=True),
]
AVG_CASES = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
    dict(kernel_size=(3, 2), stride=(1, 2), padding=(1, 1)),
    dict(kernel_size=3, stride=2, ceil_mode=True),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    dict(kernel_size=2, stride=3, padding=1, ceil_mode=True),
    dict(kernel_size=2, divisor_override=3),
]


def _distinct(shape, rng):
    """All values different: no ties in a max window, so finite differences are valid."""
    return rng.permutation(np.prod(shape)).reshape(shape) / np.prod(shape) * 4 - 2


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kw", MAX_CASES, ids=str)
def test_max_pool2d_matches_torch(kw, dtype, rng):
    x = _distinct((2, 3, 9, 8), rng)
    check_module(nn.MaxPool2d(**kw), torch.nn.MaxPool2d(**kw), [x], dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kw", AVG_CASES, ids=str)
def test_avg_pool2d_matches_torch(kw, dtype, rng):
    x = rng.standard_normal((2, 3, 9, 8))
    check_module(nn.AvgPool2d(**kw), torch.nn.AvgPool2d(**kw), [x], dtype)


def test_max_pool2d_ties_go_to_the_first_maximum_like_torch():
    """After a ReLU many windows are all zero: the gradient goes where PyTorch sends it."""
    x = np.maximum(np.random.default_rng(0).standard_normal((2, 2, 6, 6)), 0).round(0)
    for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1)):
        check_module(nn.MaxPool2d(**kw), torch.nn.MaxPool2d(**kw), [x])


@pytest.mark.parametrize("kw", MAX_CASES[:4], ids=str)
def test_max_pool2d_gradcheck(kw, rng):
    x = _distinct((1, 2, 7, 6), rng)
    weights = rb.tensor(
        rng.standard_normal(F.max_pool2d(rb.tensor(x), **kw).shape), dtype="float64"
    )
    assert rb.autograd.gradcheck(lambda x: F.max_pool2d(x, **kw) * weights, [x])


@pytest.mark.parametrize("kw", AVG_CASES, ids=str)
def test_avg_pool2d_gradcheck(kw, rng):
    x = rng.standard_normal((1, 2, 7, 6))
    weights = rb.tensor(
        rng.standard_normal(F.avg_pool2d(rb.tensor(x), **kw).shape), dtype="float64"
    )
    assert rb.autograd.gradcheck(lambda x: F.avg_pool2d(x, **kw) * weights, [x])


def test_pooling_unbatched_input(rng):
    x = rng.standard_normal((3, 6, 6))
    check_module(nn.MaxPool2d(2), torch.nn.MaxPool2d(2), [x])
    check_module(nn.AvgPool2d(3, 1, 1), torch.nn.AvgPool2d(3, 1, 1), [x])


def test_pooling_errors_name_the_problem():
    with pytest.raises(ValueError, match="at most half of the kernel size"):
        F.max_pool2d(rb.randn(1, 1, 8, 8), 2, padding=2)
    with pytest.raises(ValueError, match="larger than the padded input"):
        F.avg_pool2d(rb.randn(1, 1, 2, 2), 3)
    with pytest.raises(ValueError, match=r"4-D input .*\(8, 8\)"):
        F.max_pool2d(rb.randn(8, 8), 2)
    with pytest.raises(ValueError, match="kernel_size must be an int or a pair"):
        F.max_pool2d(rb.randn(1, 1, 8, 8), (2, 2, 2))
