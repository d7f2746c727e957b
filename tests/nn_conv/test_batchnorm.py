"""BatchNorm1d / BatchNorm2d against PyTorch: train and eval, running statistics, state_dict."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _torch_check import check_module, check_state_dict

import rosenblatt as rb
import rosenblatt.nn.functional as F
from rosenblatt import nn

SHAPES = {  # layer -> input shapes it accepts
    "BatchNorm1d": [(6, 3), (4, 3, 5)],
    "BatchNorm2d": [(3, 3, 4, 5)],
}
CASES = [(name, shape) for name, shapes in SHAPES.items() for shape in shapes]
OPTIONS = [
    dict(),
    dict(momentum=None),
    dict(affine=False),
    dict(track_running_stats=False),
    dict(eps=1e-2, momentum=0.3),
]


def _pair(name, **kw):
    return getattr(nn, name)(3, **kw), getattr(torch.nn, name)(3, **kw)


def _randomize(tm, rng):
    """Non-trivial gamma, beta and running statistics in the torch module."""
    with torch.no_grad():
        if tm.affine:
            tm.weight.copy_(torch.tensor(rng.uniform(0.5, 2.0, 3)))
            tm.bias.copy_(torch.tensor(rng.standard_normal(3)))
        if tm.track_running_stats:
            tm.running_mean.copy_(torch.tensor(rng.standard_normal(3)))
            tm.running_var.copy_(torch.tensor(rng.uniform(0.5, 2.0, 3)))
            tm.num_batches_tracked.fill_(7)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kw", OPTIONS, ids=str)
@pytest.mark.parametrize("name,shape", CASES)
def test_batchnorm_train_and_eval_match_torch(name, shape, kw, dtype, rng):
    ours, theirs = _pair(name, **kw)
    _randomize(theirs.double(), rng)
    x = rng.standard_normal(shape) * 2 + 1
    # training: batch statistics, gradients through them, running statistics updated
    check_module(ours, theirs, [x], dtype)
    tol = 1e-9 if dtype == np.float64 else 1e-5
    for k, v in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[k], v.numpy(), rtol=tol, atol=tol, err_msg=k)
    # a second training step on other data (momentum=None: cumulative average)
    x2 = rng.standard_normal(shape)
    check_module(ours, theirs, [x2], dtype, load=False)
    for k, v in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[k], v.numpy(), rtol=tol, atol=tol, err_msg=k)
    # evaluation: running statistics (batch statistics without track_running_stats)
    ours.eval()
    theirs.eval()
    check_module(ours, theirs, [rng.standard_normal(shape)], dtype)


def test_batchnorm_state_dict_keys_dtypes_and_defaults():
    ours, theirs = _pair("BatchNorm2d")
    check_state_dict(ours, theirs)
    sd = ours.state_dict()
    assert list(sd) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert sd["num_batches_tracked"].dtype == np.int64 and sd["num_batches_tracked"].shape == ()
    assert sd["running_mean"].dtype == np.float32
    for k, v in theirs.state_dict().items():
        np.testing.assert_array_equal(sd[k], v.numpy())  # 1, 0, 0, 1, 0
    ours.double()
    assert ours.state_dict()["num_batches_tracked"].dtype == np.int64
    assert list(nn.BatchNorm1d(3, affine=False, track_running_stats=False).state_dict()) == []
    assert [n for n, _ in nn.BatchNorm1d(3).named_parameters()] == ["weight", "bias"]


def test_batchnorm_torch_state_dict_loads_and_counts_batches(rng):
    ours, theirs = _pair("BatchNorm1d")
    theirs.train()
    for _ in range(3):
        theirs(torch.tensor(rng.standard_normal((5, 3)), dtype=torch.float32))
    ours.load_state_dict(theirs.state_dict())
    assert int(ours.num_batches_tracked.numpy()) == 3
    ours(rb.randn(4, 3))
    assert int(ours.num_batches_tracked.numpy()) == 4
    ours.eval()
    ours(rb.randn(4, 3))
    assert int(ours.num_batches_tracked.numpy()) == 4


@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 2), (3, 3, 2, 2)])
def test_batch_norm_training_gradcheck(shape, rng):
    x = rng.standard_normal(shape)
    gamma, beta = rng.uniform(0.5, 2, 3), rng.standard_normal(3)
    weights = rb.tensor(rng.standard_normal(shape), dtype="float64")
    assert rb.autograd.gradcheck(
        lambda x, g, b: F.batch_norm(x, None, None, g, b, training=True) * weights,
        [x, gamma, beta],
    )


def test_batch_norm_eval_gradcheck(rng):
    x = rng.standard_normal((4, 3, 2))
    gamma, beta = rng.uniform(0.5, 2, 3), rng.standard_normal(3)
    mean = rb.tensor(rng.standard_normal(3), dtype="float64")
    var = rb.tensor(rng.uniform(0.5, 2, 3), dtype="float64")
    weights = rb.tensor(rng.standard_normal(x.shape), dtype="float64")
    assert rb.autograd.gradcheck(
        lambda x, g, b: F.batch_norm(x, mean, var, g, b, training=False) * weights,
        [x, gamma, beta],
    )


def test_functional_batch_norm_matches_torch(rng):
    x = rng.standard_normal((6, 3, 4))
    rm, rv = rng.standard_normal(3), rng.uniform(0.5, 2, 3)
    r_rm, r_rv = rb.tensor(rm, dtype="float64"), rb.tensor(rv, dtype="float64")
    t_rm, t_rv = torch.tensor(rm), torch.tensor(rv)
    ours = F.batch_norm(rb.tensor(x, dtype="float64"), r_rm, r_rv, training=True, momentum=0.2)
    ref = torch.nn.functional.batch_norm(torch.tensor(x), t_rm, t_rv, training=True, momentum=0.2)
    np.testing.assert_allclose(ours.numpy(), ref.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(r_rm.numpy(), t_rm.numpy(), rtol=1e-12)
    np.testing.assert_allclose(r_rv.numpy(), t_rv.numpy(), rtol=1e-12)  # unbiased variance


def test_batchnorm_errors_name_the_problem():
    with pytest.raises(ValueError, match=r"BatchNorm2d: expected 4D input, got shape \(2, 3\)"):
        nn.BatchNorm2d(3)(rb.randn(2, 3))
    with pytest.raises(ValueError, match=r"BatchNorm1d\(3\): input has 4 channels"):
        nn.BatchNorm1d(3)(rb.randn(2, 4))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(rb.randn(1, 3))
    bn = nn.BatchNorm1d(3).eval()
    assert bn(rb.randn(1, 3)).shape == (1, 3)  # fine in evaluation
