"""Bad input to rb.fit is caught before training with a clear message; a diverging loss stops
training with a message naming epoch and batch and leaves the last good weights."""

from __future__ import annotations

import re

import numpy as np
import pytest
from _train_helpers import mlp, weights

import rosenblatt as rb
from rosenblatt import nn


class RecordEpochStart(rb.callbacks.Callback):
    def __init__(self):
        self.at_start = []

    def on_epoch_begin(self, epoch, logs=None):
        self.at_start.append(weights(self.model))


def test_nan_in_X_is_reported_with_count_and_place(blobs):
    X, y = blobs
    X = X.copy()
    X[[3, 7], 1] = np.nan
    X[9, 2] = np.inf
    model = mlp(4, 3)
    before = weights(model)
    with pytest.raises(ValueError, match=r"X contains 3 non-finite values \(2 NaN, 1 inf\)") as e:
        rb.fit(model, X, y, verbose=0)
    assert "rows [3, 7, 9]" in str(e.value)
    assert all(np.array_equal(before[k], v) for k, v in weights(model).items())


def test_nan_in_y_and_in_validation_data(blobs):
    X, y = blobs
    yf = y.astype(np.float64)
    yf[5] = np.nan
    with pytest.raises(ValueError, match=r"y contains 1 non-finite value .* rows \[5\]"):
        rb.fit(mlp(4, 3), X, yf, verbose=0)
    Xv = X[:10].copy()
    Xv[0, 0] = np.nan
    with pytest.raises(ValueError, match=r"validation_data X contains 1 non-finite"):
        rb.fit(mlp(4, 3), X, y, validation_data=(Xv, y[:10]), verbose=0)


@pytest.mark.parametrize("bad", [3, -1, 10])
def test_label_outside_the_model_classes(blobs, bad):
    X, y = blobs
    y = y.copy()
    y[4] = bad
    with pytest.raises(ValueError, match=rf"outside the classes 0\.\.2: \[{bad}\]"):
        rb.fit(mlp(4, 3), X, y, verbose=0)


def test_binary_targets_outside_0_1(rng):
    X = rng.normal(size=(20, 2)).astype(np.float32)
    y = np.where(X[:, 0] > 0, 1.0, -1.0)  # {-1, +1}: not BCE targets
    with pytest.raises(
        ValueError, match=r"y holds 20 value\(s\) outside \[0, 1\]|outside \[0, 1\]"
    ):
        rb.fit(mlp(2, 1), X, y, loss=nn.BCEWithLogitsLoss(), verbose=0)


def test_feature_width_mismatch_names_layer_and_widths(blobs):
    X, y = blobs
    model = mlp(5, 8, 3)
    with pytest.raises(ValueError) as e:
        rb.fit(model, X, y, verbose=0)
    msg = str(e.value)
    assert "X has 4 features" in msg and "expects 5" in msg
    assert "'0'" in msg and "Linear(in_features=5, out_features=8" in msg


def test_width_mismatch_inside_a_custom_model_is_surfaced_before_training(blobs):
    X, y = blobs

    class TwoPath(nn.Module):  # its first Linear is fine, the second one is not
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(4, 6)
            self.b = nn.Linear(5, 3)

        def forward(self, x):
            return self.b(self.a(x).relu())

    with pytest.raises(
        ValueError, match=r"the model cannot take X of shape \(120, 4\).*5 features"
    ):
        rb.fit(TwoPath(), X, y, verbose=0)


def test_sample_count_and_target_shape_mismatch(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="X has 120, y has 119"):
        rb.fit(mlp(4, 3), X, y[:-1], verbose=0)
    with pytest.raises(ValueError, match=r"model outputs shape \(2,\) per sample"):
        rb.fit(mlp(4, 2), X, np.zeros((120, 3), np.float32), loss=nn.MSELoss(), verbose=0)


def test_bad_arguments(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="batch_size"):
        rb.fit(mlp(4, 3), X, y, batch_size=0, verbose=0)
    with pytest.raises(ValueError, match="validation_split"):
        rb.fit(mlp(4, 3), X, y, validation_split=1.5, verbose=0)
    with pytest.raises(ValueError, match="verbose"):
        rb.fit(mlp(4, 3), X, y, verbose=3)
    with pytest.raises(ValueError, match="dtype <U1"):
        rb.fit(mlp(4, 3), X, np.array(["a"] * 120), verbose=0)
    with pytest.raises(TypeError, match="callbacks must be"):
        rb.fit(mlp(4, 3), X, y, callbacks=[print], verbose=0)


def diverging_problem(rng):
    """Linear regression on unscaled features (values ~1e3) with a huge learning rate."""
    X = rng.uniform(0, 1000, size=(64, 3)).astype(np.float32)
    y = (X @ np.array([0.5, -1.0, 2.0])).astype(np.float32)
    model = nn.Sequential(nn.Linear(3, 1))
    return X, y, model, rb.optim.SGD(model.parameters(), lr=0.01)


def test_diverging_loss_stops_naming_epoch_and_batch_and_keeps_last_good_weights(rng):
    X, y, model, opt = diverging_problem(rng)
    rec = RecordEpochStart()
    with pytest.raises(rb.train.TrainingDiverged) as e:
        rb.fit(model, X, y, nn.MSELoss(), opt, epochs=50, batch_size=8, callbacks=[rec], verbose=0)
    err = e.value
    assert isinstance(err, FloatingPointError)
    # NaN/inf, or (first, since issue 15) the explosion on the way there
    m = re.search(
        r"loss (?:became (?:nan|inf)|exploded to \S+, more than 10000 times its value at the "
        r"start \(\S+\)) at epoch (\d+)/50, batch (\d+)/8",
        str(err),
    )
    assert m, str(err)
    assert int(m.group(1)) == err.epoch + 1 and int(m.group(2)) == err.batch + 1
    assert len(err.history.epoch) == err.epoch  # the finished epochs
    w = weights(model)
    assert all(np.isfinite(v).all() for v in w.values())
    start = rec.at_start[err.epoch]  # the weights at the start of the failing epoch
    assert all(np.array_equal(start[k], w[k]) for k in w)
    assert not opt.state  # the optimizer's (possibly NaN) state was cleared


def test_diverging_loss_with_terminate_on_nan_warns_and_returns(rng):
    X, y, model, opt = diverging_problem(rng)
    with pytest.warns(RuntimeWarning, match="training diverged: the loss (became|exploded)"):
        h = rb.fit(model, X, y, nn.MSELoss(), opt, epochs=50, batch_size=8,
                   callbacks=[rb.callbacks.TerminateOnNaN()], verbose=0)  # fmt: skip
    assert isinstance(h.diverged, rb.train.TrainingDiverged)
    assert len(h.epoch) < 50
    assert all(np.isfinite(v).all() for v in weights(model).values())


def test_weights_that_turn_nan_at_the_last_step_of_an_epoch_are_caught(blobs):
    """The last update of an epoch makes a weight NaN while every loss was finite: fit stops
    before evaluating or calling callbacks with NaN weights, and restores the epoch start."""
    X, y = blobs

    class PoisonOnce(rb.optim.SGD):
        calls = 0

        def step(self, closure=None):
            super().step(closure)
            PoisonOnce.calls += 1
            if PoisonOnce.calls == 2 * 4:  # the last batch of the 2nd epoch (4 batches)
                self.param_groups[0]["params"][0].numpy()[0, 0] = np.nan

    model = mlp(4, 3)
    rec = RecordEpochStart()
    with pytest.raises(
        rb.train.TrainingDiverged, match=r"weights became NaN/inf at epoch 2/5, batch 4/4"
    ):
        rb.fit(model, X, y, optimizer=PoisonOnce(model.parameters(), lr=0.1), epochs=5,
               batch_size=30, callbacks=[rec], verbose=0)  # fmt: skip
    w = weights(model)
    assert all(np.array_equal(rec.at_start[1][k], w[k]) for k in w)


def test_loss_that_is_not_one_number(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match=r"one-element Tensor .* got Tensor of shape \(2,\)"):
        rb.fit(mlp(4, 3), X, y, loss=nn.CrossEntropyLoss(reduction="none"), verbose=0)
