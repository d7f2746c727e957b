"""conv2d's products cut into blocks along the pixel axis (ops/conv.py ``_blocks``) give the
same outputs and gradients as PyTorch; the cut is forced here with a tiny block limit."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _torch_check import check_module

from rosenblatt import nn
from rosenblatt.ops import conv as C


@pytest.mark.parametrize(
    "rows,inner,length,limit,min_block",
    [
        (6, 26, 50176, 1_000_000, 2048),
        (3, 10, 1000, 3000, 1),
        (1, 1, 7, 2, 1),
        (4, 4, 10, 10**6, 1),
    ],
)
def test_blocks_cover_the_axis_under_the_limit(rows, inner, length, limit, min_block, monkeypatch):
    monkeypatch.setattr(C, "_SMALL_GEMM", limit)
    monkeypatch.setattr(C, "_MIN_BLOCK", min_block)
    blocks = C._blocks(rows, inner, length)
    covered = np.concatenate([np.arange(length)[s] for s in blocks])
    np.testing.assert_array_equal(covered, np.arange(length))  # in order, no gap, no overlap
    sizes = [s.stop - s.start for s in blocks]
    if len(blocks) > 1:
        assert max(sizes) * rows * inner <= limit
        assert max(sizes) - min(sizes) <= max(sizes) // 2  # near-equal, not one sliver


def test_blocks_keep_one_product_when_blocks_would_be_short():
    """LeNet's second layer (16 x 151 weights, 6400 pixels): blocks under the limit would be
    shorter than _MIN_BLOCK, so the product stays whole (and BLAS-threaded)."""
    assert C._blocks(16, 151, 6400) == [slice(0, 6400)]
    assert len(C._blocks(6, 26, 50176)) == 8  # LeNet's first layer, batch 64


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("grad_inputs", [True, False])
def test_conv2d_in_blocks_matches_torch(bias, grad_inputs, rng, monkeypatch):
    # 2 * 8 * 8 = 128 pixels; weights 3 x (2*3*3 [+1]): blocks of at most 11-12 pixels
    monkeypatch.setattr(C, "_SMALL_GEMM", 3 * 19 * 12)
    monkeypatch.setattr(C, "_MIN_BLOCK", 1)
    assert len(C._blocks(3, 2 * 3 * 3 + bias, 128)) > 8
    ours = nn.Conv2d(2, 3, 3, padding=1, bias=bias)
    theirs = torch.nn.Conv2d(2, 3, 3, padding=1, bias=bias)
    x = rng.standard_normal((2, 2, 8, 8))
    for dtype in (np.float64, np.float32):
        check_module(ours, theirs, [x], dtype, grad_inputs=grad_inputs)
