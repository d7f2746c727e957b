"""Property test: any pair of broadcastable shapes, any binary op, equals torch (values and
gradients summed back over the broadcast dimensions)."""

from __future__ import annotations

import numpy as np
import torch
from harness import check_op
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import rosenblatt as rb

OPS = {
    "add": (lambda a, b: a + b, lambda a, b: a + b),
    "sub": (lambda a, b: a - b, lambda a, b: a - b),
    "mul": (lambda a, b: a * b, lambda a, b: a * b),
    "div": (lambda a, b: a / (b * b + 0.5), lambda a, b: a / (b * b + 0.5)),
    "maximum": (rb.maximum, torch.maximum),
    "where": (
        lambda a, b: rb.where(a.numpy() > b.numpy(), a * 2, b),
        lambda a, b: torch.where(a > b, a * 2, b),
    ),
    "matmul_like": (lambda a, b: (a * b).sum(axis=-1), lambda a, b: (a * b).sum(dim=-1)),
}


@settings(max_examples=40, deadline=None)
@given(
    shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3),
    op=st.sampled_from(sorted(OPS)),
    seed=st.integers(0, 2**16),
)
def test_broadcast_binary_ops_equal_torch(shapes, op, seed):
    f, g = OPS[op]
    sa, sb = shapes.input_shapes
    if op == "matmul_like" and len(shapes.result_shape) == 0:
        return  # nothing to reduce over
    check_op(f, g, [sa, sb], seed=seed, fd=np.prod(shapes.result_shape or (1,)) <= 24)
