"""Conv2d and F.conv2d against PyTorch (state_dict, outputs, gradients) and finite differences."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from _torch_check import check_module

import rosenblatt as rb
import rosenblatt.nn.functional as F
from rosenblatt import nn

CASES = [
    # in, out, kernel, stride, padding, dilation, bias, input (N, C, H, W)
    dict(c=3, o=4, k=3, stride=1, padding=0, dilation=1, bias=True, hw=(9, 8)),
    dict(c=2, o=5, k=5, stride=1, padding=2, dilation=1, bias=True, hw=(12, 12)),
    dict(c=3, o=2, k=3, stride=2, padding=1, dilation=1, bias=False, hw=(9, 10)),
    dict(c=1, o=3, k=3, stride=1, padding=2, dilation=2, bias=True, hw=(7, 9)),
    dict(c=2, o=3, k=(3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2), bias=True, hw=(8, 7)),
    dict(c=4, o=2, k=1, stride=3, padding=0, dilation=1, bias=True, hw=(10, 11)),
    dict(c=2, o=3, k=(2, 4), stride=1, padding="same", dilation=1, bias=True, hw=(6, 7)),
    dict(c=2, o=3, k=3, stride=1, padding="valid", dilation=3, bias=True, hw=(9, 9)),
]


def _pair(module_cls, case):
    kw = dict(
        stride=case["stride"], padding=case["padding"], dilation=case["dilation"], bias=case["bias"]
    )
    return (
        nn.Conv2d(case["c"], case["o"], case["k"], **kw),
        torch.nn.Conv2d(case["c"], case["o"], case["k"], **kw),
    )


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "case", CASES, ids=lambda c: f"k{c['k']}s{c['stride']}p{c['padding']}d{c['dilation']}"
)
def test_conv2d_matches_torch(case, dtype, rng):
    ours, theirs = _pair(nn.Conv2d, case)
    x = rng.standard_normal((2, case["c"], *case["hw"]))
    check_module(ours, theirs, [x], dtype)


def test_conv2d_unbatched_input(rng):
    ours, theirs = nn.Conv2d(2, 3, 3, padding=1), torch.nn.Conv2d(2, 3, 3, padding=1)
    check_module(ours, theirs, [rng.standard_normal((2, 5, 6))])


def test_conv2d_first_layer_input_without_grad(rng):
    """The data batch needs no gradient: only the weights get one (col2im skipped)."""
    ours, theirs = nn.Conv2d(1, 2, 3), torch.nn.Conv2d(1, 2, 3)
    check_module(ours, theirs, [rng.standard_normal((3, 1, 6, 6))], grad_inputs=False)


@pytest.mark.parametrize(
    "stride,padding,dilation", [(1, 0, 1), (2, 1, 1), (1, 1, 2), ((1, 2), (0, 1), (2, 1))]
)
def test_conv2d_gradcheck(stride, padding, dilation, rng):
    x = rng.standard_normal((2, 2, 5, 6))
    w = rng.standard_normal((3, 2, 2, 3))
    b = rng.standard_normal(3)
    weights = rb.tensor(
        rng.standard_normal(
            F.conv2d(rb.tensor(x), rb.tensor(w), None, stride, padding, dilation).shape
        ),
        dtype="float64",
    )
    assert rb.autograd.gradcheck(
        lambda x, w, b: F.conv2d(x, w, b, stride, padding, dilation) * weights, [x, w, b]
    )


def test_functional_conv2d_matches_torch_without_bias(rng):
    x, w = rng.standard_normal((2, 3, 7, 7)), rng.standard_normal((4, 3, 3, 3))
    ours = F.conv2d(
        rb.tensor(x, dtype="float64"), rb.tensor(w, dtype="float64"), stride=2, padding=1
    )
    ref = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), stride=2, padding=1)
    np.testing.assert_allclose(ours.numpy(), ref.numpy(), rtol=1e-12, atol=1e-12)


def test_lenet_stack_matches_torch(rng):
    """conv-relu-pool-conv-relu-pool-flatten-linear: the layout of one layer feeds the next."""

    def lenet(lib):
        return lib.Sequential(
            lib.Conv2d(1, 6, 5, padding=2), lib.ReLU(), lib.MaxPool2d(2),
            lib.Conv2d(6, 16, 5), lib.ReLU(), lib.AvgPool2d(2),
            lib.Flatten(), lib.Linear(16 * 5 * 5, 10),
        )  # fmt: skip

    x = rng.standard_normal((3, 1, 28, 28))
    for dtype in (np.float64, np.float32):
        check_module(lenet(nn), lenet(torch.nn), [x], dtype)


def test_conv_batchnorm_stack_matches_torch(rng):
    """BatchNorm2d and pooling on convolution outputs (stored batch-innermost), train and eval."""

    def net(lib):
        return lib.Sequential(
            lib.Conv2d(2, 4, 3, padding=1), lib.BatchNorm2d(4), lib.ReLU(), lib.MaxPool2d(2),
            lib.Conv2d(4, 3, 3, stride=2), lib.BatchNorm2d(3), lib.Flatten(),
        )  # fmt: skip

    ours, theirs = net(nn), net(torch.nn)
    for mode in ("train", "eval"):
        getattr(ours, mode)()
        getattr(theirs, mode)()
        check_module(ours, theirs, [rng.standard_normal((5, 2, 10, 10))])


def test_conv2d_default_init_and_float32():
    conv = nn.Conv2d(3, 8, 5)
    bound = 1 / math.sqrt(3 * 5 * 5)
    assert conv.weight.dtype == np.float32 and conv.weight.shape == (8, 3, 5, 5)
    assert np.abs(conv.weight.numpy()).max() <= bound and np.abs(conv.bias.numpy()).max() <= bound
    # U(-b, b) has standard deviation b / sqrt(3)
    assert abs(conv.weight.numpy().std() - bound / math.sqrt(3)) < 0.1 * bound
    y = conv(rb.randn(2, 3, 9, 9))
    assert y.dtype == np.float32 and y.shape == (2, 8, 5, 5)


def test_conv2d_no_graph_under_no_grad():
    conv = nn.Conv2d(1, 2, 3)
    with rb.no_grad():
        y = conv(rb.randn(1, 1, 5, 5))
    assert y.grad_fn is None and not y.requires_grad


def test_conv2d_errors_name_the_problem():
    conv = nn.Conv2d(3, 4, 3)
    with pytest.raises(ValueError, match=r"expected input \(N, 3, H, W\).*\(2, 2, 8, 8\)"):
        conv(rb.randn(2, 2, 8, 8))
    with pytest.raises(ValueError, match="larger than the padded input"):
        conv(rb.randn(1, 3, 2, 8))
    with pytest.raises(ValueError, match="4-D"):
        F.conv2d(rb.randn(3, 8), conv.weight)
    with pytest.raises(NotImplementedError, match="groups"):
        nn.Conv2d(4, 4, 3, groups=2)
    with pytest.raises(ValueError, match="stride must be positive"):
        nn.Conv2d(1, 1, 3, stride=0)
    with pytest.raises(ValueError, match="'same' needs stride 1"):
        nn.Conv2d(1, 1, 3, stride=2, padding="same")


def test_conv2d_second_backward_raises_clearly():
    conv = nn.Conv2d(1, 2, 3)
    x = rb.randn(1, 1, 5, 5, requires_grad=True)
    y = conv(x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the same convolution twice"):
        y.backward()


def test_malloc_keeps_freed_memory_for_the_next_step(monkeypatch):
    """glibc tuning (see rosenblatt._memory): applied on Linux, skipped with ROSENBLATT_MALLOC=0."""
    import sys

    from rosenblatt._memory import keep_freed_memory

    monkeypatch.setenv("ROSENBLATT_MALLOC", "0")
    assert keep_freed_memory() is False
    monkeypatch.setenv("ROSENBLATT_MALLOC", "1")
    if sys.platform.startswith("linux"):
        assert keep_freed_memory() is True
