"""Reductions (sum, mean, max, min, var, std) with axis, axis tuples and keepdims."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from harness import check_op

import rosenblatt as rb

# (shape, axis, keepdims); axis None means all elements
AXES = [
    ((3, 4), None, False),
    ((3, 4), 0, False),
    ((3, 4), 1, True),
    ((3, 4), -1, False),
    ((2, 3, 4), (0, 2), False),
    ((2, 3, 4), (0, 2), True),
    ((2, 3, 4), (-1, -2), True),
    ((2, 3, 4), (0, 1, 2), False),
    ((5,), 0, False),
    ((5,), None, True),
]


def _tdim(axis, ndim):
    return tuple(range(ndim)) if axis is None else axis


@pytest.mark.parametrize("shape,axis,keep", AXES, ids=str)
def test_sum(shape, axis, keep):
    check_op(
        lambda a: a.sum(axis=axis, keepdims=keep),
        lambda a: a.sum(dim=_tdim(axis, len(shape)), keepdim=keep),
        [shape],
    )


@pytest.mark.parametrize("shape,axis,keep", AXES, ids=str)
def test_mean(shape, axis, keep):
    check_op(
        lambda a: a.mean(axis=axis, keepdims=keep),
        lambda a: a.mean(dim=_tdim(axis, len(shape)), keepdim=keep),
        [shape],
    )


@pytest.mark.parametrize("shape,axis,keep", AXES, ids=str)
def test_max(shape, axis, keep):
    check_op(
        lambda a: a.amax(axis, keepdim=keep),
        lambda a: torch.amax(a, dim=_tdim(axis, len(shape)), keepdim=keep),
        [shape],
        distinct=True,
    )


@pytest.mark.parametrize("shape,axis,keep", AXES, ids=str)
def test_min(shape, axis, keep):
    check_op(
        lambda a: a.amin(axis, keepdim=keep),
        lambda a: torch.amin(a, dim=_tdim(axis, len(shape)), keepdim=keep),
        [shape],
        distinct=True,
    )


@pytest.mark.parametrize("correction", [0, 1])
@pytest.mark.parametrize("shape,axis,keep", AXES[:-2], ids=str)
def test_var(shape, axis, keep, correction):
    check_op(
        lambda a: a.var(axis=axis, keepdims=keep, correction=correction),
        lambda a: torch.var(a, dim=_tdim(axis, len(shape)), keepdim=keep, correction=correction),
        [shape],
    )


@pytest.mark.parametrize("shape,axis,keep", AXES[:-2], ids=str)
def test_std(shape, axis, keep):
    check_op(
        lambda a: a.std(axis=axis, keepdims=keep),
        lambda a: torch.std(a, dim=_tdim(axis, len(shape)), keepdim=keep),
        [shape],
    )


def test_torch_style_dim_keepdim_keywords():
    check_op(lambda a: a.sum(dim=1, keepdim=True), lambda a: a.sum(dim=1, keepdim=True), [(3, 4)])
    check_op(lambda a: a.mean(dim=[0, 1]), lambda a: a.mean(dim=[0, 1]), [(3, 4, 2)])
    check_op(
        lambda a: a.var(dim=0, unbiased=False), lambda a: a.var(dim=0, unbiased=False), [(5, 2)]
    )


def test_ops_functions():
    check_op(lambda a: rb.ops.sum(a, (0,)), lambda a: a.sum(0), [(3, 2)])
    check_op(lambda a: rb.ops.mean(a, 1, True), lambda a: a.mean(1, True), [(3, 2)])
    check_op(lambda a: rb.ops.amax(a, 0), lambda a: torch.amax(a, 0), [(3, 2)], distinct=True)
    check_op(lambda a: rb.ops.amin(a, 1), lambda a: torch.amin(a, 1), [(3, 2)], distinct=True)
    check_op(lambda a: rb.ops.var(a, 0, False, 0), lambda a: a.var(0, correction=0), [(3, 2)])


# Ties: the gradient of amax/amin is split evenly among the tied elements, exactly as
# torch.amax/amin and the full reduction torch.max() do. torch.max(x, dim) instead returns
# (values, indices) and sends the whole gradient to the index it returns (tested below).
TIES = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, -1.0], [5.0, 0.0, 5.0, 5.0]])


@pytest.mark.parametrize(
    "rb_fn,t_fn",
    [
        (lambda a: a.max(), lambda a: a.max()),
        (lambda a: a.amax(1), lambda a: torch.amax(a, 1)),
        (lambda a: a.amax(0, keepdim=True), lambda a: torch.amax(a, 0, keepdim=True)),
        (lambda a: a.min(), lambda a: a.min()),
        (lambda a: a.amin(1), lambda a: torch.amin(a, 1)),
        (lambda a: (-a).amin((0, 1)), lambda a: torch.amin(-a, (0, 1))),
    ],
)
def test_max_min_ties_split_evenly(rb_fn, t_fn):
    check_op(rb_fn, t_fn, [TIES.shape], inputs=[TIES], fd=False)


def test_max_tie_gradient_values():
    x = rb.tensor([[1.0, 3.0, 3.0]], requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(x.grad, [[0.0, 0.5, 0.5]])


def test_argmax_argmin_are_outside_the_graph():
    x = rb.tensor(TIES, requires_grad=True)
    np.testing.assert_array_equal(x.argmax(axis=1).numpy(), torch.tensor(TIES).argmax(1).numpy())
    np.testing.assert_array_equal(x.argmin(dim=0).numpy(), torch.tensor(TIES).argmin(0).numpy())
    assert x.argmax().grad_fn is None and not x.argmax().requires_grad


@pytest.mark.parametrize("dim,keepdim", [(0, False), (1, False), (1, True), (-1, True)])
@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_dim_return_values_indices_and_route_the_gradient_as_torch(name, dim, keepdim):
    """x.max(dim) is torch's named tuple; with ties the whole gradient goes to the index
    returned (the first), not split."""
    x = rb.tensor(TIES, dtype="float64", requires_grad=True)
    t = torch.tensor(TIES, requires_grad=True)
    mine, ref = getattr(x, name)(dim, keepdim), getattr(t, name)(dim, keepdim)
    assert type(mine).__name__ == "ValuesIndices" and mine._fields == ("values", "indices")
    np.testing.assert_array_equal(mine.values.numpy(), ref.values.detach().numpy())
    np.testing.assert_array_equal(mine.indices.numpy(), ref.indices.numpy())
    assert mine.indices.dtype == np.int64
    w = np.arange(mine.values.numel(), dtype=np.float64).reshape(mine.values.shape) + 1
    (mine.values * rb.tensor(w)).sum().backward()
    (ref.values * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())
    values, indices = getattr(rb, name)(x, dim)  # the function form unpacks too
    np.testing.assert_array_equal(indices.numpy(), getattr(torch, name)(t, dim)[1].numpy())
