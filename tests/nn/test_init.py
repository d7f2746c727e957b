"""nn.init: every initialiser against its formula (empirical moments and bounds on a
1000 x 1000 tensor), the gain table and the fan computation against PyTorch's."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import stats

import rosenblatt as rb
from rosenblatt.nn import init

N = 1000  # 10^6 samples: the standard deviation is estimated to ~0.07 %


def _big(shape=(N, N), dtype="float32"):
    return rb.zeros(shape, dtype=dtype)


def _uniform_ok(w, bound):
    assert np.abs(w).max() <= bound
    assert np.abs(w).max() > 0.999 * bound  # the whole interval is used
    assert abs(w.mean()) < 5 * bound / math.sqrt(3 * w.size)
    assert w.std() == pytest.approx(bound / math.sqrt(3), rel=0.005)


def _normal_ok(w, std, mean=0.0):
    assert abs(w.mean() - mean) < 5 * std / math.sqrt(w.size)
    assert w.std() == pytest.approx(std, rel=0.005)
    # kurtosis of a normal distribution is 3 (tells it apart from a uniform of equal std)
    assert stats.kurtosis(w.ravel()[:200_000], fisher=False) == pytest.approx(3.0, abs=0.05)


NONLINEARITIES = [
    ("linear", None),
    ("conv1d", None),
    ("conv2d", None),
    ("conv3d", None),
    ("conv_transpose1d", None),
    ("conv_transpose2d", None),
    ("conv_transpose3d", None),
    ("sigmoid", None),
    ("tanh", None),
    ("relu", None),
    ("leaky_relu", None),
    ("leaky_relu", 0.2),
    ("leaky_relu", 0),
    ("selu", None),
]


@pytest.mark.parametrize("name,param", NONLINEARITIES)
def test_calculate_gain_equals_torch(name, param):
    assert init.calculate_gain(name, param) == pytest.approx(
        torch.nn.init.calculate_gain(name, param), rel=1e-12
    )


def test_calculate_gain_unknown_is_an_error():
    with pytest.raises(ValueError, match="swish"):
        init.calculate_gain("swish")


@pytest.mark.parametrize("shape", [(5, 3), (64, 32, 3, 3), (8, 4, 5), (2, 3, 2, 2, 2), (7, 1)])
def test_fans_equal_torch(shape):
    got = init._calculate_fan_in_and_fan_out(rb.zeros(shape))
    want = torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(shape))
    assert got == want


def test_fans_need_two_dimensions():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(rb.zeros(5))


def test_uniform_and_normal():
    w = init.uniform_(_big(), -0.3, 0.7).numpy()
    assert w.min() >= -0.3 and w.max() <= 0.7
    assert w.mean() == pytest.approx(0.2, abs=0.002)
    assert w.std() == pytest.approx(1.0 / math.sqrt(12), rel=0.005)
    _normal_ok(init.normal_(_big(), 0.5, 2.0).numpy(), 2.0, mean=0.5)
    w = init.uniform_(_big()).numpy()
    assert w.min() >= 0 and w.max() <= 1


def test_constant_zeros_ones_eye():
    t = rb.zeros(3, 4)
    assert init.constant_(t, 0.25) is t and (t.numpy() == 0.25).all()
    assert (init.zeros_(t).numpy() == 0).all()
    assert (init.ones_(t).numpy() == 1).all()
    np.testing.assert_array_equal(init.eye_(t).numpy(), np.eye(3, 4))
    with pytest.raises(ValueError):
        init.eye_(rb.zeros(2, 2, 2))


@pytest.mark.parametrize("shape,gain", [((N, N), 1.0), ((N, 500), 2.0), ((128, 96, 3, 3), 1.0)])
def test_xavier_uniform(shape, gain):
    fan_in, fan_out = init._calculate_fan_in_and_fan_out(rb.zeros(shape))
    w = init.xavier_uniform_(_big(shape), gain=gain).numpy()
    _uniform_ok(w, gain * math.sqrt(6 / (fan_in + fan_out)))


@pytest.mark.parametrize("shape,gain", [((N, N), 1.0), ((N, 500), 0.5), ((128, 96, 3, 3), 1.0)])
def test_xavier_normal(shape, gain):
    fan_in, fan_out = init._calculate_fan_in_and_fan_out(rb.zeros(shape))
    w = init.xavier_normal_(_big(shape), gain=gain).numpy()
    _normal_ok(w, gain * math.sqrt(2 / (fan_in + fan_out)))


KAIMING = [
    ((N, N), 0.0, "fan_in", "relu"),
    ((N, 500), 0.0, "fan_out", "relu"),
    ((500, N), 0.2, "fan_in", "leaky_relu"),
    ((N, N), math.sqrt(5), "fan_in", "leaky_relu"),  # Linear's default
    ((128, 96, 3, 3), 0.0, "fan_in", "relu"),
    ((128, 96, 3, 3), 0.0, "fan_out", "tanh"),
]


@pytest.mark.parametrize("shape,a,mode,nl", KAIMING)
def test_kaiming_uniform(shape, a, mode, nl):
    fan_in, fan_out = init._calculate_fan_in_and_fan_out(rb.zeros(shape))
    fan = fan_in if mode == "fan_in" else fan_out
    gain = torch.nn.init.calculate_gain(nl, a)
    w = init.kaiming_uniform_(_big(shape), a=a, mode=mode, nonlinearity=nl).numpy()
    _uniform_ok(w, gain * math.sqrt(3 / fan))


@pytest.mark.parametrize("shape,a,mode,nl", KAIMING)
def test_kaiming_normal(shape, a, mode, nl):
    fan_in, fan_out = init._calculate_fan_in_and_fan_out(rb.zeros(shape))
    fan = fan_in if mode == "fan_in" else fan_out
    gain = torch.nn.init.calculate_gain(nl, a)
    w = init.kaiming_normal_(_big(shape), a=a, mode=mode, nonlinearity=nl).numpy()
    _normal_ok(w, gain / math.sqrt(fan))


def test_kaiming_default_is_he_for_relu():
    """Defaults a=0, fan_in, leaky_relu: std = sqrt(2 / fan_in) (He et al.)."""
    w = init.kaiming_normal_(_big()).numpy()
    _normal_ok(w, math.sqrt(2 / N))


def test_kaiming_bad_mode():
    with pytest.raises(ValueError, match="mode"):
        init.kaiming_uniform_(rb.zeros(3, 3), mode="fan_avg")


@pytest.mark.parametrize("shape", [(N, N), (N, 250), (128, 96, 3, 3)])
def test_lecun_normal(shape):
    fan_in, _ = init._calculate_fan_in_and_fan_out(rb.zeros(shape))
    _normal_ok(init.lecun_normal_(_big(shape)).numpy(), 1 / math.sqrt(fan_in))


def test_trunc_normal_against_scipy():
    mean, std, a, b = 0.5, 1.0, -1.0, 1.5
    w = init.trunc_normal_(_big(dtype="float64"), mean, std, a, b).numpy()
    assert w.min() >= a and w.max() <= b
    ref = stats.truncnorm((a - mean) / std, (b - mean) / std, loc=mean, scale=std)
    assert w.mean() == pytest.approx(ref.mean(), abs=0.003)
    assert w.std() == pytest.approx(ref.std(), rel=0.005)


@pytest.mark.parametrize("shape,gain", [((300, 200), 1.0), ((200, 300), 2.0), ((64, 8, 3, 3), 1.0)])
def test_orthogonal(shape, gain):
    w = init.orthogonal_(rb.zeros(shape, dtype="float64"), gain=gain).numpy()
    flat = w.reshape(shape[0], -1)
    small = min(flat.shape)
    gram = flat.T @ flat if flat.shape[0] >= flat.shape[1] else flat @ flat.T
    np.testing.assert_allclose(gram, gain**2 * np.eye(small), atol=1e-10)


def test_initialisers_are_seeded_and_in_place():
    for fn in (init.xavier_uniform_, init.kaiming_normal_, init.lecun_normal_, init.normal_):
        t = rb.zeros(20, 30)
        data = t.numpy()
        rb.manual_seed(5)
        assert fn(t) is t and t.numpy() is data
        first = t.numpy().copy()
        rb.manual_seed(5)
        fn(t)
        np.testing.assert_array_equal(t.numpy(), first)
    p = rb.nn.Parameter(np.zeros((4, 4), dtype=np.float64))
    init.xavier_normal_(p)
    assert p.dtype == np.float64 and p.numpy().std() > 0


@pytest.mark.parametrize(
    "name,fn",
    [
        ("glorot_uniform", init.xavier_uniform_),
        ("xavier_normal", init.xavier_normal_),
        ("he_normal", init.kaiming_normal_),
        ("lecun", init.lecun_normal_),
        ("zero", init.zeros_),
    ],
)
def test_initialiser_by_recipe_name(name, fn):
    assert init._by_name(name) is fn


def test_unknown_recipe_name():
    with pytest.raises(ValueError, match="bogus"):
        init._by_name("bogus")
