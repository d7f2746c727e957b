"""nn.functional activations, softmax, linear and dropout against torch.nn.functional."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from harness import check_op

import rosenblatt as rb
import rosenblatt.nn.functional as F

SHAPES = [(4, 5), (2, 3, 4), (7,)]

ACTIVATIONS = [
    ("relu", F.relu, TF.relu, {"kinks": [0.0]}),
    ("leaky_relu", F.leaky_relu, TF.leaky_relu, {"kinks": [0.0]}),
    (
        "leaky_relu_0.2",
        lambda a: F.leaky_relu(a, 0.2),
        lambda a: TF.leaky_relu(a, 0.2),
        {"kinks": [0.0]},
    ),
    (
        "leaky_relu_kw",
        lambda a: F.leaky_relu(a, negative_slope=-0.5),
        lambda a: TF.leaky_relu(a, negative_slope=-0.5),
        {"kinks": [0.0]},
    ),
    ("sigmoid", F.sigmoid, torch.sigmoid, {"ranges": (-6, 6)}),
    ("tanh", F.tanh, torch.tanh, {"ranges": (-3, 3)}),
    ("gelu", F.gelu, TF.gelu, {"ranges": (-4, 4)}),
    (
        "gelu_tanh",
        lambda a: F.gelu(a, approximate="tanh"),
        lambda a: TF.gelu(a, approximate="tanh"),
        {"ranges": (-4, 4)},
    ),
    ("softplus", F.softplus, TF.softplus, {"ranges": (-5, 5)}),
    (
        "softplus_beta",
        lambda a: F.softplus(a, beta=2.0),
        lambda a: TF.softplus(a, beta=2.0),
        {"ranges": (-5, 5), "kinks": [10.0]},
    ),
    (
        "softplus_threshold",  # linear above x = threshold / beta = 1.5: crosses it
        lambda a: F.softplus(a, beta=2.0, threshold=3.0),
        lambda a: TF.softplus(a, beta=2.0, threshold=3.0),
        {"ranges": (-3, 3), "kinks": [1.5], "gap": 0.1},
    ),
    ("elu", F.elu, TF.elu, {"kinks": [0.0]}),
    (
        "elu_alpha",
        lambda a: F.elu(a, alpha=0.5),
        lambda a: TF.elu(a, alpha=0.5),
        {"kinks": [0.0]},
    ),
    ("selu", F.selu, TF.selu, {"kinks": [0.0]}),
    ("sign", F.sign, torch.sign, {"kinks": [0.0]}),
    ("identity", F.identity, lambda a: a * 1, {}),
]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name,f,g,kw", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activation(name, f, g, kw, shape):
    check_op(f, g, [shape], **kw)


def test_leaky_relu_and_elu_at_zero_match_torch():
    for f, g in [(F.leaky_relu, TF.leaky_relu), (F.elu, TF.elu), (F.selu, TF.selu)]:
        x = np.array([0.0, -0.0, 1.0])
        check_op(f, g, [x.shape], inputs=[x], fd=False)


def test_step_is_heaviside_with_zero_gradient():
    x = rb.tensor([-2.0, -0.0, 0.0, 0.5, 3.0], requires_grad=True)
    for value in (0.0, 0.5, 1.0):
        y = F.step(x, value)
        ref = torch.heaviside(torch.tensor(x.numpy()), torch.tensor(value, dtype=torch.float32))
        np.testing.assert_array_equal(y.numpy(), ref.numpy())
        assert y.dtype == np.float32
    F.step(x).sum().backward()
    np.testing.assert_array_equal(x.grad, np.zeros(5))
    check_op(F.step, lambda a: a * 0 + (a > 0).to(a.dtype), [(3, 4)], kinks=[0.0])


def test_sign_gradient_is_zero():
    x = rb.tensor([-2.0, 0.0, 3.0], requires_grad=True)
    y = F.sign(x)
    assert y.tolist() == [-1.0, 0.0, 1.0]
    (y * 5).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 0.0])


def test_gelu_rejects_unknown_approximation():
    with pytest.raises(ValueError, match="approximate"):
        F.gelu(rb.tensor([1.0]), approximate="erf")


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("fn,tfn", [(F.softmax, TF.softmax), (F.log_softmax, TF.log_softmax)])
def test_softmax_dims(fn, tfn, dim):
    check_op(lambda a: fn(a, dim=dim), lambda a: tfn(a, dim=dim), [(4, 5)], ranges=(-4, 4))
    check_op(lambda a: fn(a, dim), lambda a: tfn(a, dim), [(2, 3, 4)], ranges=(-4, 4))


def test_softmax_1d_default_dim():
    check_op(F.softmax, lambda a: TF.softmax(a, dim=-1), [(6,)])
    check_op(F.log_softmax, lambda a: TF.log_softmax(a, dim=-1), [(6,)])


@pytest.mark.parametrize(
    "xshape,bias", [((5, 3), True), ((5, 3), False), ((2, 4, 3), True), ((3,), True)], ids=str
)
def test_linear(xshape, bias):
    shapes = [xshape, (4, 3)] + ([(4,)] if bias else [])
    check_op(F.linear, TF.linear, shapes)


def test_linear_feature_mismatch_names_shapes():
    with pytest.raises(ValueError, match="3 features"):
        F.linear(rb.randn(2, 3), rb.randn(4, 5))


# ---------------------------------------------------------------------- dropout
def test_dropout_p0_and_eval_are_identity():
    x = rb.randn(10, 10, requires_grad=True)
    assert F.dropout(x, p=0.0) is x
    assert F.dropout(x, p=0.7, training=False) is x


def test_dropout_p1_zeros():
    x = rb.randn(4, 4, requires_grad=True)
    y = F.dropout(x, p=1.0)
    np.testing.assert_array_equal(y.numpy(), 0)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, 0)


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_mask_statistics_and_scaling(p):
    n = 200_000
    x = rb.ones(n, requires_grad=True)
    y = F.dropout(x, p=p)
    kept = y.numpy() != 0
    # each element is kept with probability 1 - p (binomial standard error, 5 sigma)
    assert abs(kept.mean() - (1 - p)) < 5 * np.sqrt(p * (1 - p) / n)
    np.testing.assert_allclose(y.numpy()[kept], 1 / (1 - p), rtol=1e-6)  # inverted dropout
    assert abs(y.numpy().mean() - 1.0) < 5 * np.sqrt(p / (1 - p) / n)  # E[y] = x
    y.backward(np.full(n, 2.0, dtype=np.float32))
    np.testing.assert_allclose(x.grad, np.where(kept, 2 / (1 - p), 0), rtol=1e-6)
    assert y.dtype == np.float32


def test_dropout_seeded_reproducibility():
    x = rb.ones(1000)
    rb.manual_seed(7)
    a = F.dropout(x, 0.5).numpy()
    b = F.dropout(x, 0.5).numpy()
    rb.manual_seed(7)
    np.testing.assert_array_equal(F.dropout(x, 0.5).numpy(), a)
    np.testing.assert_array_equal(F.dropout(x, 0.5).numpy(), b)
    assert not np.array_equal(a, b)


def test_dropout_rejects_bad_p():
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.dropout(rb.ones(3), p=1.5)


def test_dropout_module_follows_train_and_eval():
    drop = rb.nn.Dropout(0.5)
    x = rb.ones(1000)
    assert (drop(x).numpy() == 0).any()
    drop.eval()
    np.testing.assert_array_equal(drop(x).numpy(), x.numpy())
