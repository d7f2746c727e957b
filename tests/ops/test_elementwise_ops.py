"""Elementwise ops against PyTorch and finite differences (one parametrized line per op)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from harness import check_op

import rosenblatt as rb

# Broadcasting pairs: same shape, trailing vector, both stretched, scalar on either side.
PAIRS = [
    ((3, 4), (3, 4)),
    ((3, 4), (4,)),
    ((2, 1, 3), (4, 1)),
    ((), (2, 3)),
    ((2, 3), ()),
    ((5,), (1,)),
]

BINARY = [
    ("add", lambda a, b: a + b, lambda a, b: a + b, {}),
    ("sub", lambda a, b: a - b, lambda a, b: a - b, {}),
    ("mul", lambda a, b: a * b, lambda a, b: a * b, {}),
    ("div", lambda a, b: a / b, lambda a, b: a / b, {"ranges": [(-2, 2), (0.5, 2)]}),
    ("div_neg", lambda a, b: a / b, lambda a, b: a / b, {"ranges": [(-2, 2), (-2, -0.5)]}),
    ("pow", lambda a, b: a**b, lambda a, b: a**b, {"ranges": [(0.5, 2), (-2, 2)]}),
    ("maximum", rb.maximum, torch.maximum, {}),
    ("minimum", rb.minimum, torch.minimum, {}),
    ("method_maximum", lambda a, b: a.maximum(b), torch.maximum, {}),
    ("method_pow", lambda a, b: a.pow(b), torch.pow, {"ranges": [(0.5, 2), (-1, 1)]}),
    ("ops_add", rb.ops.add, torch.add, {}),
    ("ops_sub", rb.ops.sub, torch.sub, {}),
    ("ops_mul", rb.ops.mul, torch.mul, {}),
    ("ops_div", rb.ops.div, torch.div, {"ranges": [(-2, 2), (0.5, 2)]}),
]


@pytest.mark.parametrize("shapes", PAIRS, ids=str)
@pytest.mark.parametrize("name,f,g,kw", BINARY, ids=[b[0] for b in BINARY])
def test_binary(name, f, g, kw, shapes):
    check_op(f, g, shapes, **kw)


# Python-scalar operands on both sides: the scalar keeps the tensor's dtype.
SCALAR = [
    ("t+s", lambda a: a + 2.5, {}),
    ("s+t", lambda a: 2.5 + a, {}),
    ("t-s", lambda a: a - 2.5, {}),
    ("s-t", lambda a: 2.5 - a, {}),
    ("t*s", lambda a: a * -3.0, {}),
    ("s*t", lambda a: 3 * a, {}),
    ("t/s", lambda a: a / 4.0, {}),
    ("s/t", lambda a: 4.0 / a, {"ranges": (0.5, 2)}),
    ("s/t_neg", lambda a: 4 / a, {"ranges": (-2, -0.5)}),
    ("t**2", lambda a: a**2, {}),
    ("t**3", lambda a: a**3, {}),
    ("t**0.5", lambda a: a**0.5, {"ranges": (0.2, 2)}),
    ("t**-1", lambda a: a**-1, {"ranges": (0.5, 2)}),
    ("t**-2.5", lambda a: a**-2.5, {"ranges": (0.5, 2)}),
    ("2**t", lambda a: 2**a, {}),
    ("0.5**t", lambda a: 0.5**a, {}),
    ("neg", lambda a: -a, {}),
    ("pos", lambda a: +(a * 1), {}),
    ("ops_neg", rb.ops.neg, {}),
]


@pytest.mark.parametrize("shape", [(3, 4), (5,), ()], ids=str)
@pytest.mark.parametrize("name,f,kw", SCALAR, ids=[s[0] for s in SCALAR])
def test_python_scalar_operands(name, f, kw, shape):
    tf = f if name != "ops_neg" else torch.neg
    check_op(f, tf, [shape], **kw)


UNARY = [
    ("exp", lambda a: a.exp(), torch.exp, {}),
    ("log", lambda a: a.log(), torch.log, {"ranges": (0.1, 3)}),
    ("sqrt", lambda a: a.sqrt(), torch.sqrt, {"ranges": (0.1, 3)}),
    ("abs", lambda a: a.abs(), torch.abs, {"kinks": [0.0]}),
    ("abs_builtin", abs, torch.abs, {"kinks": [0.0]}),
    ("tanh", lambda a: a.tanh(), torch.tanh, {"ranges": (-4, 4)}),
    ("sigmoid", lambda a: a.sigmoid(), torch.sigmoid, {"ranges": (-8, 8)}),
    ("relu", lambda a: a.relu(), torch.relu, {"kinks": [0.0]}),
    ("rb_exp", rb.exp, torch.exp, {}),
    ("rb_log", rb.log, torch.log, {"ranges": (0.1, 3)}),
    ("rb_sqrt", rb.sqrt, torch.sqrt, {"ranges": (0.1, 3)}),
    ("rb_abs", rb.abs, torch.abs, {"kinks": [0.0]}),
    ("rb_tanh", rb.tanh, torch.tanh, {}),
    ("rb_sigmoid", rb.sigmoid, torch.sigmoid, {}),
    ("rb_relu", rb.relu, torch.relu, {"kinks": [0.0]}),
    (
        "clip_both",
        lambda a: a.clip(-0.5, 1.0),
        lambda a: a.clamp(-0.5, 1.0),
        {"kinks": [-0.5, 1.0]},
    ),
    ("clip_min", lambda a: rb.clip(a, min=0.3), lambda a: a.clamp(min=0.3), {"kinks": [0.3]}),
    ("clip_max", lambda a: rb.clamp(a, max=-0.2), lambda a: a.clamp(max=-0.2), {"kinks": [-0.2]}),
    ("clamp_method", lambda a: a.clamp(-1, 1), lambda a: a.clamp(-1, 1), {"kinks": [-1, 1]}),
]


@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 2), (), (1,)], ids=str)
@pytest.mark.parametrize("name,f,g,kw", UNARY, ids=[u[0] for u in UNARY])
def test_unary(name, f, g, kw, shape):
    check_op(f, g, [shape], **kw)


def test_clip_with_array_bounds():
    lo = np.array([-1.0, -0.5, 0.0, 0.5])
    hi = np.array([1.5, 0.5, 1.0, 2.0])
    check_op(
        lambda a: rb.clip(a, rb.tensor(lo, dtype="float64"), rb.tensor(hi, dtype="float64")),
        lambda a: torch.clamp(a, torch.tensor(lo), torch.tensor(hi)),
        [(3, 4)],
        kinks=[-1.0, -0.5, 0.0, 0.5, 1.0, 1.5],
        f32=False,
    )


def test_clip_gradient_at_the_bounds_is_one():
    """At x == bound, torch.clamp passes the gradient (bounds are inside); so do we."""
    x = rb.tensor([-1.0, 0.0, 1.0, 2.0], requires_grad=True)
    x.clip(-1.0, 1.0).sum().backward()
    t = torch.tensor([-1.0, 0.0, 1.0, 2.0], requires_grad=True)
    t.clamp(-1.0, 1.0).sum().backward()
    np.testing.assert_array_equal(x.grad, t.grad.numpy())
    np.testing.assert_array_equal(x.grad, [1, 1, 1, 0])


@pytest.mark.parametrize("fn,tfn", [(rb.maximum, torch.maximum), (rb.minimum, torch.minimum)])
def test_maximum_minimum_ties_split_the_gradient(fn, tfn):
    a = np.array([1.0, 2.0, 3.0, -1.0])
    b = np.array([1.0, 0.0, 3.0, 5.0])
    x, y = rb.tensor(a, requires_grad=True), rb.tensor(b, requires_grad=True)
    fn(x, y).sum().backward()
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    tfn(tx, ty).sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy())
    np.testing.assert_allclose(y.grad, ty.grad.numpy())
    assert x.grad[0] == 0.5 and y.grad[0] == 0.5


WHERE_SHAPES = [
    ((3, 4), (3, 4), (3, 4)),
    ((3, 4), (3, 4), (4,)),
    ((2, 1, 4), (3, 1), (4,)),
    ((3, 4), (), (3, 4)),
]


@pytest.mark.parametrize("cshape,ashape,bshape", WHERE_SHAPES, ids=str)
def test_where(cshape, ashape, bshape):
    cond = np.random.default_rng(3).random(cshape) > 0.5
    check_op(
        lambda a, b: rb.where(cond, a, b),
        lambda a, b: torch.where(torch.tensor(cond), a, b),
        [ashape, bshape],
    )


def test_where_with_scalar_branch_and_tensor_condition():
    c = rb.tensor([True, False, True])
    check_op(
        lambda a: rb.where(c, a, 0.0),
        lambda a: torch.where(torch.tensor([True, False, True]), a, 0.0),
        [(3,)],
    )


def test_composite_expression():
    """A small graph mixing everything: shared inputs, broadcasting, reuse of a node."""

    def f(a, b):
        h = (a * b + a.exp()).tanh()
        return (h * h - h / (1 + b * b)).sigmoid() * a

    def g(a, b):
        h = torch.tanh(a * b + torch.exp(a))
        return torch.sigmoid(h * h - h / (1 + b * b)) * a

    check_op(f, g, [(3, 4), (4,)])


@pytest.mark.parametrize(
    "dtype,value,expected",
    [("int64", 2.5, [0.0, 2.5, 5.0]), ("bool", 0.5, [0.0, 0.5, 0.5])],
)
def test_integer_and_bool_tensors_times_a_float_are_not_truncated(dtype, value, expected):
    x = rb.tensor(np.array([0, 1, 2]).astype(dtype))
    np.testing.assert_allclose((x * value).numpy(), expected)
    np.testing.assert_allclose((value * x).numpy(), expected)
    tx = torch.tensor(np.array([0, 1, 2]).astype(dtype))
    np.testing.assert_allclose((x * value).numpy(), (tx * value).numpy())
    assert (x * value).dtype.kind == "f"


def test_integer_division_is_true_division():
    x = rb.tensor([1, 2, 3])
    np.testing.assert_allclose((x / 2).numpy(), [0.5, 1.0, 1.5])
