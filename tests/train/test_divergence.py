"""An exploding loss is divergence (issue 15, item 6): SGD at lr 1e12 used to "train" to a loss
of 1.4e12 and exit 0; now the one divergence guard stops it, keeps the last good weights and
says what to do. Also: rb.fit refuses counts that are not integers (batch_size=2.5)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import rosenblatt as rb
from rosenblatt import cli, nn, optim
from rosenblatt.train import TrainingDiverged
from rosenblatt.train.divergence import DivergenceGuard


def _moons():
    X, y = rb.data.make_moons(200, noise=0.1, random_state=0)
    return X, y


def _net():
    return nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))


def test_sgd_at_lr_1e12_is_stopped_with_the_weights_it_started_with() -> None:
    X, y = _moons()
    model = _net()
    start = {k: np.array(v) for k, v in model.state_dict().items()}
    opt = optim.SGD(model.parameters(), lr=1e12)
    with pytest.raises(
        TrainingDiverged, match="the loss exploded to .* more than 10000 times"
    ) as e:
        rb.fit(model, X, y, optimizer=opt, epochs=20, batch_size=32, verbose=0)
    assert e.value.epoch == 0 and e.value.batch >= 1
    assert "Lower the learning rate" in str(e.value)
    for k, v in model.state_dict().items():  # the last good weights: those of epoch 1's start
        np.testing.assert_array_equal(v, start[k])


@pytest.mark.parametrize("lr", [1e12, 1e6])
def test_exploding_loss_later_in_training_keeps_that_epochs_start(lr) -> None:
    """Train well for 3 epochs, then raise the learning rate: the weights come back to those
    at the start of the epoch that exploded (the oracle: a copy taken by a callback)."""
    X, y = _moons()
    model = _net()
    opt = optim.SGD(model.parameters(), lr=0.1)
    starts = {}

    class Boost(rb.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            starts[epoch] = {k: np.array(v) for k, v in model.state_dict().items()}
            if epoch == 3:
                opt.param_groups[0]["lr"] = lr

    with pytest.raises(TrainingDiverged) as e:
        rb.fit(model, X, y, optimizer=opt, epochs=10, batch_size=16, callbacks=[Boost()], verbose=0)
    assert e.value.epoch == 3 and len(e.value.history.history["loss"]) == 3
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, starts[3][k])


def test_ordinary_training_is_not_divergence() -> None:
    """A loss far above its best but not above where it started (a bumpy, too-large
    learning rate), and a regression whose loss starts huge, train to the end."""
    X, y = _moons()
    model = _net()
    h = rb.fit(model, X, y, optimizer=optim.SGD(model.parameters(), lr=3.0), epochs=15,
               batch_size=8, verbose=0)  # fmt: skip
    assert len(h.history["loss"]) == 15
    Xd, yd = rb.data.load_dataset("diabetes")  # targets ~ 150: the MSE starts near 3e4
    reg = nn.Sequential(nn.Linear(10, 8), nn.Tanh(), nn.Linear(8, 1))
    h = rb.fit(reg, Xd, yd, loss=nn.MSELoss(), optimizer=optim.Adam(reg.parameters(), lr=0.05),
               epochs=5, verbose=0)  # fmt: skip
    assert len(h.history["loss"]) == 5 and h.history["loss"][-1] < h.history["loss"][0]


def test_the_guard() -> None:
    guard = DivergenceGuard()
    assert guard.check(0.7) is None and guard.check(6999.0) is None
    assert "exploded to 7.01e+03" in guard.check(7010.0)
    assert guard.check(float("inf")) == "the loss became inf"
    negative = DivergenceGuard()  # no scale to compare with: only NaN/inf
    assert negative.check(-1.0) is None and negative.check(1e30) is None


def test_the_cli_says_diverged_and_keeps_the_run(capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "r.toml").write_text(
        '[data]\nsource = "moons"\n[optimizer]\nname = "sgd"\nlr = 1e12\n[training]\nepochs = 30\n'
    )
    code = cli.main(["train", "r.toml", "--out", "run", "-q"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1  # was exit 0 with a loss of 1.4e12
    assert "training diverged: the loss exploded" in err[0] and "saved in run" in err[0]
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["diverged"].startswith("training diverged: the loss exploded")
    model = rb.load(tmp_path / "run" / "model.safetensors")
    assert all(np.abs(p.numpy()).max() < 100 for p in model.parameters())


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"batch_size": 2.5}, "batch_size must be an integer >= 1 or None, got 2.5"),
        ({"batch_size": True}, "batch_size must be an integer >= 1 or None, got True"),
        ({"batch_size": 0}, "batch_size must be an integer >= 1 or None, got 0"),
        ({"epochs": 2.5}, "epochs must be an integer >= 0, got 2.5"),
        ({"epochs": -1}, "epochs must be an integer >= 0, got -1"),
    ],
)
def test_fit_refuses_counts_that_are_not_integers(kwargs, match) -> None:
    X, y = _moons()
    with pytest.raises(ValueError, match=match):
        rb.fit(_net(), X, y, verbose=0, **kwargs)
    rb.fit(_net(), X, y, epochs=np.int64(1), batch_size=np.int32(50), verbose=0)  # NumPy ints
