"""nn.Corruption, the denoising autoencoder's input corruption: the noise drawn in training
mode only, its statistics, reproducible from rosenblatt's generator, saved by rb.save."""

import numpy as np
import pytest

import rosenblatt as rb
from rosenblatt import nn


def _x(n=4000, d=5):
    return rb.tensor(np.random.default_rng(0).uniform(1.0, 2.0, size=(n, d)).astype(np.float32))


def test_gaussian_corruption_adds_noise_of_the_given_std():
    x = _x()
    rb.manual_seed(0)
    e = (nn.Corruption(0.3)(x) - x).numpy()
    assert abs(e.mean()) < 0.01 and e.std() == pytest.approx(0.3, rel=0.02)


def test_masking_zeroes_features_with_probability_noise_without_rescaling():
    x = _x()
    rb.manual_seed(0)
    y = nn.Corruption(0.25, "masking")(x).numpy()
    zero = y == 0
    assert zero.mean() == pytest.approx(0.25, abs=0.01)
    np.testing.assert_array_equal(y[~zero], x.numpy()[~zero])  # kept features unscaled


def test_corruption_is_the_identity_in_eval_mode_and_reproducible_by_seed():
    x = _x(50)
    layer = nn.Corruption(0.5)
    rb.manual_seed(3)
    a = layer(x).numpy()
    rb.manual_seed(3)
    np.testing.assert_array_equal(layer(x).numpy(), a)
    np.testing.assert_array_equal(layer.eval()(x).numpy(), x.numpy())
    with pytest.raises(ValueError, match="noise_type"):
        nn.Corruption(0.1, "salt")


def test_save_and_load_rebuild_the_corruption(tmp_path):
    model = nn.Sequential(nn.Corruption(0.2, "masking"), nn.Linear(3, 2))
    rb.save(model, tmp_path / "m.safetensors")
    back = rb.load(tmp_path / "m.safetensors")
    assert isinstance(back[0], nn.Corruption)
    assert (back[0].noise, back[0].noise_type) == (0.2, "masking")
