"""Progress and callbacks (issue 15, item 8): at 80 columns the epoch bar keeps a real bar and
shows the validation values; callback messages go above the bars (tqdm.write);
ModelCheckpoint makes its folder; a validation split that misses a class says so."""

from __future__ import annotations

import io
import re
import warnings

import numpy as np
import pytest

import rosenblatt as rb
from rosenblatt import cli, nn
from rosenblatt.train import callbacks as cb

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _iris(shuffled: bool = True):
    X, y = rb.data.load_iris()
    if shuffled:
        p = np.random.default_rng(0).permutation(len(X))
        X, y = X[p], y[p]
    return X, y


def _net():
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))


@pytest.mark.parametrize("columns", [80, 120, 60])
def test_the_epoch_bar_fits_the_terminal_with_its_validation_values(monkeypatch, columns):
    """Before: at 80 columns the bar was one character wide and val metrics were cut."""
    monkeypatch.setenv("COLUMNS", str(columns))
    buffer = io.StringIO()
    X, y = _iris()
    rb.fit(_net(), X, y, epochs=3, batch_size=16, validation_split=0.2, verbose=0,
           callbacks=[cb.ProgressBar(1, file=buffer)])  # fmt: skip
    lines = [_ANSI.sub("", x) for x in re.split(r"[\r\n]", buffer.getvalue()) if x.strip()]
    assert all(len(x) <= columns for x in lines), max(lines, key=len)
    last = [x for x in lines if x.startswith("epochs 3/3")][-1]
    bar = last.split("|")[1]
    assert len(bar) >= 12 and set(bar) == {"#"}  # a whole bar, complete
    assert "loss " in last
    if columns >= 80:
        assert "val_loss " in last and "val_acc " in last


def test_the_postfix_puts_validation_values_first():
    logs = {"loss": 0.123456, "accuracy": 0.9, "val_loss": 0.2, "val_accuracy": 0.85,
            "learning_rate": 0.001}  # fmt: skip
    assert cb._fitted_postfix(logs, 200) == "loss 0.123, val_loss 0.2, val_acc 0.85, acc 0.9"
    assert cb._fitted_postfix(logs, 30) == "loss 0.123, val_loss 0.2"


def test_callback_messages_go_above_the_bars(monkeypatch, tmp_path):
    said = []
    monkeypatch.setattr("tqdm.auto.tqdm.write", lambda message, file=None: said.append(message))
    X, y = _iris()
    model = _net()
    rb.fit(model, X, y, epochs=3, verbose=0, validation_split=0.2, callbacks=[
        cb.EarlyStopping(patience=0, min_delta=10.0, verbose=1, restore_best_weights=True),
        cb.ModelCheckpoint(tmp_path / "m.safetensors", verbose=1),
        cb.LearningRateScheduler(lambda epoch, lr: lr, verbose=1),
    ])  # fmt: skip
    assert "Epoch 1: saved model to " + str(tmp_path / "m.safetensors") in said
    assert "Epoch 1: learning rate = 0.001" in said
    assert "Epoch 2: early stopping" in said
    assert any(m.startswith("Restoring model weights") for m in said)


def test_model_checkpoint_makes_its_folder(tmp_path):
    """Before: ModelCheckpoint("new_dir/best.safetensors") crashed after epoch 1."""
    X, y = _iris()
    path = tmp_path / "new_dir" / "deeper" / "best-{epoch:02d}.safetensors"
    rb.fit(_net(), X, y, epochs=2, verbose=0, callbacks=[cb.ModelCheckpoint(path)])
    saved = sorted(p.name for p in (tmp_path / "new_dir" / "deeper").iterdir())
    assert saved == ["best-01.safetensors", "best-02.safetensors"]
    assert isinstance(rb.load(tmp_path / "new_dir" / "deeper" / "best-02.safetensors"), nn.Module)


def test_a_validation_split_of_class_sorted_data_warns():
    """rb's own iris is sorted by class: the last 20 % is class 2 only."""
    X, y = _iris(shuffled=False)
    with pytest.warns(RuntimeWarning, match=r"classes \[0, 1\] only in the training part.*shuf"):
        h = rb.fit(_net(), X, y, epochs=1, validation_split=0.2, verbose=0)
    assert h.history["val_accuracy"] == [0.0]  # what the warning explains
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # shuffled: both parts hold every class, no warning
        rb.fit(_net(), *_iris(), epochs=1, validation_split=0.2, verbose=0)


def test_the_recipe_shuffles_before_the_validation_split(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "r.toml").write_text(
        '[data]\nsource = "iris"\ntest_split = 0.0\n[model]\nlayers = [8]\n'
        "[optimizer]\nlr = 0.01\n[training]\nepochs = 40\nvalidation_split = 0.2\n"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        assert cli.main(["train", "r.toml", "--out", "run", "-q"]) == 0
    import pandas as pd

    history = pd.read_csv(tmp_path / "run" / "history.csv")
    assert history["val_accuracy"].iloc[-1] > 0.5
