"""ConvergenceTest(restore_on_rise=True): when J rose (the step overshot), the weights of
the epoch before the rise are put back; without it the last epoch's weights stay."""

import numpy as np
import pytest

import rosenblatt as rb
from rosenblatt import nn
from rosenblatt.train.callbacks import Callback, get_weights


class Record(Callback):
    def __init__(self):
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append(get_weights(self.model))


@pytest.mark.parametrize("restore", [True, False])
def test_restore_on_rise_puts_back_the_weights_of_the_epoch_before(restore):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 3)).astype(np.float32)
    y = (X @ np.array([1.0, -2.0, 0.5]) + 0.3).astype(np.float32)[:, None]
    rb.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 1))
    record = Record()
    test = rb.callbacks.ConvergenceTest(tol=1e-6, restore_on_rise=restore)
    h = rb.fit(
        model,
        X,
        y,
        nn.MSELoss(),
        rb.optim.SGD(model.parameters(), lr=1.2),
        epochs=50,
        batch_size=None,
        callbacks=[record, test],
        verbose=0,
    )
    J = h.history["loss"]
    assert test.stopped_on_rise and J[-1] > J[-2]  # lr = 1.2 overshoots: J rose
    kept = record.weights[-2] if restore else record.weights[-1]
    for name, w in get_weights(model).items():
        np.testing.assert_array_equal(w, kept[name])
    assert not np.array_equal(record.weights[-1][name], record.weights[-2][name])
