"""Shape ops, indexing, cat/stack and matmul against PyTorch and finite differences."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from harness import check_op

import rosenblatt as rb

SHAPE_OPS = [
    ("reshape", (2, 3, 4), lambda a: a.reshape(4, 6), lambda a: a.reshape(4, 6)),
    ("reshape_tuple", (2, 3, 4), lambda a: a.reshape((6, -1)), lambda a: a.reshape((6, -1))),
    ("view", (2, 3, 4), lambda a: a.view(-1), lambda a: a.reshape(-1)),
    ("transpose01", (2, 3, 4), lambda a: a.transpose(0, 1), lambda a: a.transpose(0, 1)),
    ("transpose_neg", (2, 3, 4), lambda a: a.transpose(-1, 0), lambda a: a.transpose(-1, 0)),
    ("transpose2d", (3, 5), lambda a: a.transpose(1, 0), lambda a: a.transpose(1, 0)),
    ("permute", (2, 3, 4), lambda a: a.permute(2, 0, 1), lambda a: a.permute(2, 0, 1)),
    ("permute_tuple", (2, 3, 4), lambda a: a.permute((1, 2, 0)), lambda a: a.permute(1, 2, 0)),
    ("permute_neg", (2, 3, 4), lambda a: a.permute(-1, -3, -2), lambda a: a.permute(-1, -3, -2)),
    ("T2d", (3, 5), lambda a: a.T, lambda a: a.T),
    ("T1d", (5,), lambda a: a.T, lambda a: a),
    ("flatten", (2, 3, 4), lambda a: a.flatten(), lambda a: a.flatten()),
    ("flatten1", (2, 3, 4), lambda a: a.flatten(1), lambda a: a.flatten(1)),
    ("flatten_0_1", (2, 3, 4, 2), lambda a: a.flatten(0, 1), lambda a: a.flatten(0, 1)),
    ("flatten_neg", (2, 3, 4, 2), lambda a: a.flatten(-3, -2), lambda a: a.flatten(-3, -2)),
    ("squeeze", (1, 3, 1, 2), lambda a: a.squeeze(), lambda a: a.squeeze()),
    ("squeeze_dim", (1, 3, 1, 2), lambda a: a.squeeze(2), lambda a: a.squeeze(2)),
    ("squeeze_neg", (3, 1), lambda a: a.squeeze(-1), lambda a: a.squeeze(-1)),
    ("squeeze_noop", (3, 2), lambda a: a.squeeze(0), lambda a: a.squeeze(0)),
    ("unsqueeze0", (3, 2), lambda a: a.unsqueeze(0), lambda a: a.unsqueeze(0)),
    ("unsqueeze_last", (3, 2), lambda a: a.unsqueeze(-1), lambda a: a.unsqueeze(-1)),
    ("unsqueeze_mid", (3, 2), lambda a: a.unsqueeze(1), lambda a: a.unsqueeze(1)),
    ("expand", (3, 1), lambda a: a.expand(3, 4), lambda a: a.expand(3, 4)),
    ("expand_new", (3, 1), lambda a: a.expand(2, 3, 5), lambda a: a.expand(2, 3, 5)),
    ("expand_minus1", (3, 1), lambda a: a.expand(-1, 4), lambda a: a.expand(-1, 4)),
    ("expand_tuple", (1, 4), lambda a: a.expand((3, 4)), lambda a: a.expand((3, 4))),
    ("transpose_fn", (2, 3), lambda a: rb.ops.transpose(a, 0, 1), lambda a: a.transpose(0, 1)),
]


@pytest.mark.parametrize("name,shape,f,g", SHAPE_OPS, ids=[s[0] for s in SHAPE_OPS])
def test_shape_op(name, shape, f, g):
    check_op(f, g, [shape])


INDICES = [
    ("int", (4, 3), 1),
    ("neg_int", (4, 3), -1),
    ("slice", (5, 3), slice(1, 4)),
    ("slice_step", (6, 3), slice(None, None, 2)),
    ("neg_step", (6, 3), slice(None, None, -1)),
    ("neg_step2", (6, 3), slice(4, 0, -2)),
    ("2d", (4, 5), (slice(1, 3), slice(None, None, -2))),
    ("int_and_slice", (4, 5, 2), (1, slice(None), 0)),
    ("ellipsis", (2, 3, 4), (Ellipsis, 1)),
    ("none", (2, 3), (None, slice(None), 1)),
    ("fancy", (5, 3), [0, 3, 1]),
    ("fancy_repeated", (5, 3), [0, 3, 0, 0, 4]),
    ("fancy_array_repeated", (5, 3), np.array([[1, 1], [2, 1]])),
    ("fancy_two_axes", (4, 5), (np.array([0, 2, 0]), np.array([1, 1, 1]))),
    ("fancy_and_slice", (4, 5), (slice(1, None), [4, 4, 0])),
    ("bool_mask_rows", (5, 3), np.array([True, False, True, True, False])),
    ("bool_mask_full", (3, 4), "mask"),
]


@pytest.mark.parametrize("name,shape,index", INDICES, ids=[i[0] for i in INDICES])
def test_indexing(name, shape, index):
    if isinstance(index, str):  # an elementwise mask drawn for this shape
        index = np.random.default_rng(0).random(shape) > 0.4

    def tindex(i):
        if isinstance(i, tuple):
            return tuple(tindex(j) for j in i)
        if isinstance(i, slice) and i.step is not None and i.step < 0:
            return i  # handled by flip below
        if isinstance(i, (list, np.ndarray)):
            return torch.tensor(np.asarray(i))
        return i

    def torch_get(a):
        # torch has no negative steps: index the flipped-and-sliced equivalent on NumPy's
        # side, i.e. gather the same elements with an explicit index array.
        if _has_negative_step(index):
            flat = np.arange(a.numel()).reshape(tuple(a.shape))[index]
            return a.reshape(-1)[torch.tensor(flat.copy())]
        return a[tindex(index)]

    check_op(lambda a: a[index], torch_get, [shape])


def _has_negative_step(index):
    items = index if isinstance(index, tuple) else (index,)
    return any(isinstance(i, slice) and i.step is not None and i.step < 0 for i in items)


def test_index_with_tensors():
    idx = rb.tensor([2, 0, 2])
    mask = rb.tensor([True, False, True, True])
    check_op(lambda a: a[idx], lambda a: a[torch.tensor([2, 0, 2])], [(4, 2)])
    check_op(lambda a: a[mask], lambda a: a[torch.tensor([True, False, True, True])], [(4, 2)])
    check_op(lambda a: a[idx, 1], lambda a: a[torch.tensor([2, 0, 2]), 1], [(4, 2)])


def test_repeated_fancy_index_accumulates():
    x = rb.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 0.0, 1.0])


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_cat(axis):
    shapes = [(2, 3), (2, 3), (2, 3)]
    if axis == 0:
        shapes = [(1, 3), (2, 3), (4, 3)]
    elif axis in (1, -1):
        shapes = [(2, 1), (2, 3), (2, 2)]
    check_op(lambda *xs: rb.cat(list(xs), axis=axis), lambda *xs: torch.cat(xs, dim=axis), shapes)


def test_cat_dim_keyword_and_concatenate_alias():
    check_op(lambda a, b: rb.cat([a, b], dim=1), lambda a, b: torch.cat([a, b], 1), [(2, 1, 3)] * 2)
    check_op(lambda a, b: rb.concatenate((a, b)), lambda a, b: torch.cat([a, b]), [(1, 2), (3, 2)])


def test_cat_with_a_constant_input():
    const = np.ones((1, 3))
    check_op(
        lambda a: rb.cat([a, rb.tensor(const, dtype=a.dtype)]),
        lambda a: torch.cat([a, torch.tensor(const, dtype=a.dtype)]),
        [(2, 3)],
    )


@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_stack(axis):
    check_op(
        lambda *xs: rb.stack(list(xs), axis=axis),
        lambda *xs: torch.stack(xs, dim=axis),
        [(2, 3)] * 3,
    )


def test_stack_dim_keyword():
    check_op(lambda a, b: rb.stack([a, b], dim=1), lambda a, b: torch.stack([a, b], 1), [(4,)] * 2)


MATMUL = [
    ((3, 4), (4, 5)),  # 2-D @ 2-D
    ((4,), (4, 5)),  # 1-D @ 2-D
    ((3, 4), (4,)),  # 2-D @ 1-D
    ((4,), (4,)),  # 1-D @ 1-D (dot)
    ((2, 3, 4), (2, 4, 5)),  # batched
    ((2, 3, 4), (4, 5)),  # batched @ matrix (broadcast)
    ((3, 4), (2, 4, 5)),  # matrix @ batched
    ((2, 1, 3, 4), (5, 4, 2)),  # broadcast batch dims
    ((4,), (2, 4, 5)),  # vector @ batched
    ((2, 3, 4), (4,)),  # batched @ vector
]


@pytest.mark.parametrize("sa,sb", MATMUL, ids=str)
def test_matmul(sa, sb):
    check_op(lambda a, b: a @ b, torch.matmul, [sa, sb])


def test_matmul_function_and_numpy_operand():
    w = np.random.default_rng(0).standard_normal((4, 2))
    check_op(lambda a: rb.matmul(a, w), lambda a: a @ torch.tensor(w), [(3, 4)], f32=False)
    check_op(lambda a: w.T @ a, lambda a: torch.tensor(w.T) @ a, [(4, 3)], f32=False)


def test_linear_op_fused():
    check_op(rb.ops.linear, torch.nn.functional.linear, [(5, 3), (4, 3), (4,)])
    check_op(rb.ops.linear, torch.nn.functional.linear, [(2, 5, 3), (4, 3), (4,)])
    check_op(rb.ops.linear, torch.nn.functional.linear, [(5, 3), (4, 3)])
