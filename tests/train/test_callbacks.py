"""rb.callbacks: early stopping, convergence test, schedules (against torch's schedulers), CSV
logs, checkpoints, Ctrl-C, and the hooks' order and arguments."""

from __future__ import annotations

import csv
import os

import numpy as np
import pytest
import torch
from _train_helpers import mlp, weights

import rosenblatt as rb
from rosenblatt import nn


class RecordEpochEnd(rb.callbacks.Callback):
    def __init__(self):
        self.at_end = []

    def on_epoch_end(self, epoch, logs=None):
        self.at_end.append(weights(self.model))


def overfitting_problem(rng):
    """Few noisy training samples, a big network and a large step: the validation loss
    falls, then rises."""
    X = rng.normal(size=(200, 5)).astype(np.float32)
    y = (X[:, 0] - X[:, 1] + rng.normal(0, 1.0, 200) > 0).astype(np.int64)
    return X[:30], y[:30], X[30:], y[30:]


def keras_early_stopping_epoch(values, patience, min_delta=0.0):
    """Keras's rule, written out: the epoch at which EarlyStopping(mode='min') stops, or None."""
    best, wait = None, 0
    for epoch, v in enumerate(values):
        wait += 1
        if best is None or v + min_delta < best:
            best, wait = v, 0
            continue
        if wait >= patience and epoch > 0:
            return epoch
    return None


# ---------------------------------------------------------------------- EarlyStopping
@pytest.mark.parametrize("patience", [0, 3])
def test_early_stopping_restores_the_weights_of_the_best_epoch(rng, patience):
    X, y, Xv, yv = overfitting_problem(rng)
    model = mlp(5, 64, 2)
    rec = RecordEpochEnd()
    es = rb.callbacks.EarlyStopping(
        monitor="val_loss", patience=patience, restore_best_weights=True
    )
    h = rb.fit(model, X, y, optimizer=rb.optim.Adam(model.parameters(), lr=0.01), epochs=200,
               batch_size=None, validation_data=(Xv, yv), callbacks=[rec, es], verbose=0)  # fmt: skip
    val = h.history["val_loss"]
    assert len(val) < 200  # it stopped
    assert h.stopped_epoch == es.stopped_epoch == len(val) - 1
    assert es.stopped_epoch == keras_early_stopping_epoch(val, patience)
    best = int(np.argmin(val))
    assert es.best_epoch == best and es.best == val[best]
    assert best != len(val) - 1  # so restoring is visible
    w = weights(model)
    assert all(np.array_equal(w[k], rec.at_end[best][k]) for k in w)
    assert not np.array_equal(w["0.weight"], rec.at_end[-1]["0.weight"])


def test_early_stopping_without_restore_keeps_the_last_weights(rng):
    X, y, Xv, yv = overfitting_problem(rng)
    model = mlp(5, 64, 2)
    rec = RecordEpochEnd()
    rb.fit(model, X, y, optimizer=rb.optim.Adam(model.parameters(), lr=0.01), epochs=200,
           batch_size=None, validation_data=(Xv, yv), verbose=0,
           callbacks=[rec, rb.callbacks.EarlyStopping(patience=2)])  # fmt: skip
    w = weights(model)
    assert all(np.array_equal(w[k], rec.at_end[-1][k]) for k in w)


def test_early_stopping_min_delta_mode_and_start_from_epoch():
    es = rb.callbacks.EarlyStopping(monitor="val_accuracy")
    assert es.mode == "max"
    assert rb.callbacks.EarlyStopping(monitor="loss").mode == "min"
    # drive the callback with a scripted sequence of values
    values = [1.0, 0.95, 0.949, 0.948, 0.9, 0.89]

    class Stub(nn.Module):
        pass

    for min_delta, patience in [(0.0, 0), (0.01, 0), (0.01, 1), (0.02, 2)]:
        es = rb.callbacks.EarlyStopping(monitor="loss", min_delta=min_delta, patience=patience)
        es.set_model(Stub())
        es.model.stop_training = False
        es.on_train_begin()
        stopped = None
        for e, v in enumerate(values):
            es.on_epoch_end(e, {"loss": v})
            if es.model.stop_training:
                stopped = e
                break
        assert stopped == keras_early_stopping_epoch(values, patience, min_delta)
    es = rb.callbacks.EarlyStopping(monitor="loss", patience=0, start_from_epoch=3)
    es.set_model(Stub())
    es.model.stop_training = False
    es.on_train_begin()
    for e, v in enumerate([1.0, 2.0, 3.0]):  # worse and worse, but not watched yet
        es.on_epoch_end(e, {"loss": v})
    assert not es.model.stop_training
    with pytest.raises(ValueError, match="mode"):
        rb.callbacks.EarlyStopping(mode="lowest")


def test_early_stopping_missing_monitor_warns(blobs):
    X, y = blobs
    with pytest.warns(RuntimeWarning, match="'val_loss' is not in the logs"):
        rb.fit(mlp(4, 3), X, y, epochs=2, callbacks=[rb.callbacks.EarlyStopping()], verbose=0)


# ---------------------------------------------------------------------- ConvergenceTest
def test_convergence_test_stops_when_the_decrease_is_below_tol(rng):
    X = rng.normal(size=(100, 3)).astype(np.float32)
    y = (X @ np.array([1.0, 2.0, -1.0]) + 0.5).astype(np.float32)
    model = nn.Sequential(nn.Linear(3, 1))
    ct = rb.callbacks.ConvergenceTest(tol=1e-3)
    h = rb.fit(model, X, y, nn.MSELoss(), rb.optim.SGD(model.parameters(), lr=0.05), epochs=500,
               batch_size=None, callbacks=[ct], verbose=0)  # fmt: skip
    J = h.history["loss"]
    assert 2 < len(J) < 500
    assert ct.converged and ct.converged_epoch == len(J) - 1
    decreases = -np.diff(J)
    assert decreases[-1] < 1e-3  # the deck's test fired at the last epoch ...
    assert np.all(decreases[:-1] >= 1e-3)  # ... and not before


def test_convergence_test_on_val_loss_and_increase_counts():
    ct = rb.callbacks.ConvergenceTest(tol=0.1, monitor="val_loss")

    class Stub(nn.Module):
        pass

    ct.set_model(Stub())
    ct.model.stop_training = False
    ct.on_train_begin()
    for e, v in enumerate([3.0, 2.0, 2.5]):  # the loss went UP: decreased by less than tol
        ct.on_epoch_end(e, {"val_loss": v})
    assert ct.converged_epoch == 2 and ct.model.stop_training
    with pytest.raises(ValueError, match="tol"):
        rb.callbacks.ConvergenceTest(tol=-1)


# ---------------------------------------------------------------------- schedules
def torch_lrs(make_sched, epochs, metrics=None, lr=0.1):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=lr)
    sched = make_sched(opt)
    lrs = []
    for e in range(epochs):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step(metrics[e]) if metrics is not None else sched.step()
    return lrs, opt.param_groups[0]["lr"]


@pytest.mark.parametrize("via", ["callback", "argument"])
def test_step_lr_changes_the_lr_every_epoch_like_torch(blobs, via):
    X, y = blobs
    model = mlp(4, 3)
    opt = rb.optim.SGD(model.parameters(), lr=0.1)
    sched = rb.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    kw = (
        {"callbacks": [rb.callbacks.LearningRateScheduler(sched)]}
        if via == "callback"
        else {"scheduler": sched}
    )
    h = rb.fit(model, X, y, optimizer=opt, epochs=7, verbose=0, **kw)
    expected, final = torch_lrs(lambda o: torch.optim.lr_scheduler.StepLR(o, 2, 0.5), 7)
    assert h.history["learning_rate"] == pytest.approx(expected, rel=1e-12)
    assert opt.param_groups[0]["lr"] == pytest.approx(final, rel=1e-12)


def test_reduce_lr_on_plateau_gets_the_monitored_value(rng):
    X, y, Xv, yv = overfitting_problem(rng)
    model = mlp(5, 32, 2)
    opt = rb.optim.Adam(model.parameters(), lr=0.01)
    sched = rb.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1)
    h = rb.fit(model, X, y, optimizer=opt, epochs=25, batch_size=None,
               validation_data=(Xv, yv), scheduler=sched, verbose=0)  # fmt: skip
    expected, _ = torch_lrs(
        lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(o, factor=0.5, patience=1),
        25, metrics=h.history["val_loss"], lr=0.01,
    )  # fmt: skip
    assert h.history["learning_rate"] == pytest.approx(expected, rel=1e-12)
    assert min(expected) < 0.01  # it did reduce


def test_keras_style_schedule_function(blobs):
    X, y = blobs
    model = mlp(4, 3)
    opt = rb.optim.SGD(model.parameters(), lr=0.2)
    sched = rb.callbacks.LearningRateScheduler(lambda epoch, lr: lr if epoch < 2 else lr * 0.1)
    h = rb.fit(model, X, y, optimizer=opt, epochs=4, callbacks=[sched], verbose=0)
    assert h.history["learning_rate"] == pytest.approx([0.2, 0.2, 0.02, 0.002])
    with pytest.raises(TypeError, match="schedule must be"):
        rb.callbacks.LearningRateScheduler(0.1)


# ---------------------------------------------------------------------- files
def test_csv_logger_writes_one_row_per_epoch(blobs, tmp_path):
    X, y = blobs
    path = tmp_path / "log.csv"
    h = rb.fit(mlp(4, 3), X, y, epochs=4, validation_split=0.25, verbose=0,
               callbacks=[rb.callbacks.CSVLogger(path)])  # fmt: skip
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 4
    assert list(rows[0]) == ["epoch", "accuracy", "loss", "val_accuracy", "val_loss"]
    for e, row in enumerate(rows):
        assert int(row["epoch"]) == e
        for k, v in h.history.items():
            assert float(row[k]) == v[e]  # exact: written with repr
    # append=True adds rows without a second header; append=False starts over
    rb.fit(
        mlp(4, 3), X, y, epochs=2, verbose=0, callbacks=[rb.callbacks.CSVLogger(path, append=True)]
    )
    with open(path, newline="") as f:
        assert len(list(csv.DictReader(f))) == 6
    rb.fit(
        mlp(4, 3),
        X,
        y,
        epochs=1,
        verbose=0,
        callbacks=[rb.callbacks.CSVLogger(path, separator=";")],
    )
    assert open(path).read().splitlines()[0] == "epoch;accuracy;loss"


def test_model_checkpoint_best_only_weights(rng, tmp_path):
    X, y, Xv, yv = overfitting_problem(rng)
    model = mlp(5, 32, 2)
    rec = RecordEpochEnd()
    ckpt = rb.callbacks.ModelCheckpoint(tmp_path / "w-{epoch:02d}-{val_loss:.3f}.safetensors",
                                        save_best_only=True, save_weights_only=True)  # fmt: skip
    h = rb.fit(model, X, y, optimizer=rb.optim.Adam(model.parameters(), lr=0.01), epochs=30,
               batch_size=None, validation_data=(Xv, yv), callbacks=[rec, ckpt], verbose=0)  # fmt: skip
    val = h.history["val_loss"]
    improving = [e for e in range(len(val)) if val[e] < min(val[:e], default=np.inf)]
    names = sorted(os.listdir(tmp_path))
    assert names == [f"w-{e + 1:02d}-{val[e]:.3f}.safetensors" for e in improving]
    assert not any(n.startswith(".") for n in names)  # atomic: no temporary left behind
    best = improving[-1]
    arrays, _ = rb.io.load_state(tmp_path / names[-1])
    assert set(arrays) == set(rec.at_end[best])
    assert all(np.array_equal(arrays[k], rec.at_end[best][k]) for k in arrays)


def test_model_checkpoint_every_epoch_full_model(blobs, tmp_path):
    X, y = blobs
    model = mlp(4, 3)
    rb.fit(model, X, y, epochs=2, verbose=0,
           callbacks=[rb.callbacks.ModelCheckpoint(tmp_path / "m{epoch}.safetensors")])  # fmt: skip
    assert sorted(os.listdir(tmp_path)) == ["m1.safetensors", "m2.safetensors"]
    loaded = rb.io.load(tmp_path / "m2.safetensors")
    with rb.no_grad():
        np.testing.assert_array_equal(loaded(rb.tensor(X)).numpy(), model(rb.tensor(X)).numpy())


def test_model_checkpoint_bad_filepath_field(blobs, tmp_path):
    X, y = blobs
    ckpt = rb.callbacks.ModelCheckpoint(tmp_path / "{val_acc}.st", save_weights_only=True)
    with pytest.raises(ValueError, match="cannot fill in filepath"):
        rb.fit(mlp(4, 3), X, y, epochs=1, verbose=0, callbacks=[ckpt])


# ---------------------------------------------------------------------- Ctrl-C and hooks
def test_keyboard_interrupt_stops_cleanly_and_restores_best_weights(rng, tmp_path):
    X, y, Xv, yv = overfitting_problem(rng)

    class CtrlC(rb.callbacks.Callback):
        def on_batch_end(self, batch, logs=None):
            if self.loop.history.epoch and len(self.loop.history.epoch) == 6:
                raise KeyboardInterrupt

    model = mlp(5, 32, 2)
    rec = RecordEpochEnd()
    es = rb.callbacks.EarlyStopping(patience=100, restore_best_weights=True)
    log = rb.callbacks.CSVLogger(tmp_path / "log.csv")
    with pytest.warns(RuntimeWarning, match="interrupted"):
        h = rb.fit(model, X, y, optimizer=rb.optim.Adam(model.parameters(), lr=0.01), epochs=50,
                   batch_size=10, validation_data=(Xv, yv), callbacks=[rec, es, log, CtrlC()],
                   verbose=0)  # fmt: skip
    assert h.interrupted and len(h.epoch) == 6
    best = int(np.argmin(h.history["val_loss"]))
    w = weights(model)
    assert all(np.array_equal(w[k], rec.at_end[best][k]) for k in w)
    assert log._file is None  # closed
    assert len(open(tmp_path / "log.csv").read().splitlines()) == 7


def test_hooks_are_called_in_order_with_keras_arguments(blobs):
    X, y = blobs
    events = []

    class Spy(rb.callbacks.Callback):
        def on_train_begin(self, logs=None):
            events.append(("train_begin", self.params["epochs"], self.params["steps"]))

        def on_epoch_begin(self, epoch, logs=None):
            events.append(("epoch_begin", epoch))

        def on_batch_begin(self, batch, logs=None):
            events.append(("batch_begin", batch))

        def on_batch_end(self, batch, logs=None):
            events.append(("batch_end", batch, sorted(logs)))

        def on_epoch_end(self, epoch, logs=None):
            events.append(("epoch_end", epoch, sorted(logs)))

        def on_train_end(self, logs=None):
            events.append(("train_end",))

    h = rb.fit(mlp(4, 3), X, y, epochs=2, batch_size=50, callbacks=Spy(), verbose=0)

    def batch(i):
        return [("batch_begin", i), ("batch_end", i, ["loss", "size"])]

    def epoch(e):
        batches = [*batch(0), *batch(1), *batch(2)]
        return [("epoch_begin", e), *batches, ("epoch_end", e, ["accuracy", "loss"])]

    assert events == [("train_begin", 2, 3), *epoch(0), *epoch(1), ("train_end",)]
    assert h.history["loss"]


def test_stop_training_from_a_custom_callback(blobs):
    X, y = blobs

    class StopAt2(rb.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 2:
                self.model.stop_training = True

    h = rb.fit(mlp(4, 3), X, y, epochs=10, callbacks=[StopAt2()], verbose=0)
    assert h.epoch == [0, 1, 2] and h.stopped_epoch == 2
