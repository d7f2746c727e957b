"""Nothing half-written (issue 15, item 5), in the library: rb.fit with BackupAndRestore killed
at random points and run again ends bit-identical to an uninterrupted fit with no stray file
in the backup folder; CSVLogger(append=True) keeps one row per epoch across resumes and
drops a line a kill cut off; pictures and files are written atomically, and the
temporaries of killed writers are removed."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import rosenblatt as rb
from rosenblatt import io, nn, viz

_SCRIPT = textwrap.dedent(
    """
    import sys
    import numpy as np
    import rosenblatt as rb
    from rosenblatt import nn, optim

    backup, out, epochs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rb.manual_seed(0)
    X = np.random.default_rng(0).normal(size=(256, 8)).astype(np.float32)
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    model = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.BatchNorm1d(64), nn.Linear(64, 2))
    opt = optim.Adam(model.parameters(), lr=1e-2)
    callbacks = [rb.callbacks.BackupAndRestore(backup),
                 rb.callbacks.EarlyStopping("val_loss", patience=10**6, restore_best_weights=True),
                 rb.callbacks.CSVLogger(out + ".csv", append=True)]
    h = rb.fit(model, X, y, optimizer=opt, epochs=epochs, batch_size=16, validation_split=0.25,
               callbacks=callbacks, verbose=0)
    rb.save(model, out)
    """
)


def _fit_process(tmp_path: Path, name: str, epochs: int) -> subprocess.Popen:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.Popen(
        [sys.executable, "-c", _SCRIPT, str(tmp_path / f"{name}-backup"),
         str(tmp_path / f"{name}.safetensors"), str(epochs)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _kill_backup_folder(tmp_path: Path, kills: int, seed: int) -> None:
    epochs = 40
    whole = _fit_process(tmp_path, "whole", epochs)
    assert whole.wait(timeout=600) == 0, whole.communicate()[1]
    rng = np.random.default_rng(seed)
    backup = tmp_path / "killed-backup"
    log = tmp_path / "killed.safetensors.csv"
    in_training = 0
    for _ in range(kills):  # at a random epoch, a random moment into it
        p = _fit_process(tmp_path, "killed", epochs)
        rows, deadline, started = int(rng.integers(0, epochs)), time.monotonic() + 120, time.time()
        while p.poll() is None and time.monotonic() < deadline:
            # rows written by this process (an earlier one left some too)
            if (
                log.exists()
                and log.stat().st_mtime > started
                and len(log.read_text().splitlines()) > rows
            ):
                break
            time.sleep(0.005)
        try:
            p.wait(timeout=rng.uniform(0, 0.05))
        except subprocess.TimeoutExpired:
            in_training += 1
            p.send_signal(signal.SIGKILL)
        p.communicate()
    assert in_training >= kills // 2
    p = _fit_process(tmp_path, "killed", epochs)
    assert p.wait(timeout=600) == 0, p.communicate()[1]
    assert not backup.exists()  # deleted at the end, with any killed write's temporary
    assert not list(tmp_path.glob(".*.tmp*"))
    a = rb.load(tmp_path / "whole.safetensors").state_dict()
    b = rb.load(tmp_path / "killed.safetensors").state_dict()
    assert all(np.array_equal(a[k], b[k]) for k in a)
    rows_a = (tmp_path / "whole.safetensors.csv").read_text()
    rows_b = (tmp_path / "killed.safetensors.csv").read_text()
    assert rows_a == rows_b and len(rows_b.splitlines()) == epochs + 1


def test_a_killed_fit_resumes_bit_identical_without_stray_files(tmp_path) -> None:
    _kill_backup_folder(tmp_path, kills=3, seed=0)


@pytest.mark.slow
def test_a_fit_killed_twenty_times(tmp_path) -> None:
    _kill_backup_folder(tmp_path, kills=20, seed=1)


# ----------------------------------------------------------------------------- CSVLogger
def _data():
    X = np.random.default_rng(0).normal(size=(64, 3)).astype(np.float32)
    return X, (X[:, 0] > 0).astype(np.int64)


def _fit(epochs: int, tmp_path: Path, callbacks=()):
    rb.manual_seed(0)
    X, y = _data()
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    return rb.fit(model, X, y, epochs=epochs, batch_size=16, verbose=0, callbacks=[
        rb.callbacks.BackupAndRestore(tmp_path / "b"),
        rb.callbacks.CSVLogger(tmp_path / "log.csv", append=True), *callbacks])  # fmt: skip


class _StopAt(rb.callbacks.Callback):
    def __init__(self, epoch: int) -> None:
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise KeyboardInterrupt


def test_csv_logger_with_backup_has_one_row_per_epoch(tmp_path) -> None:
    """A run stopped at epoch 4; the rows a kill would leave behind (epoch 4's row written,
    its backup not, and half a line); the resumed run: rows 0..7 once, equal to the
    uninterrupted run's history."""
    (tmp_path / "whole").mkdir()
    whole = _fit(8, tmp_path / "whole")
    with pytest.warns(RuntimeWarning, match="interrupted"):
        _fit(8, tmp_path, [_StopAt(4)])
    log = tmp_path / "log.csv"
    rows = log.read_text().splitlines()
    assert len(rows) == 5  # header + epochs 0..3
    with open(log, "a") as f:
        f.write(rows[-1].replace("3,", "4,", 1) + "\r\n" + "5,0.12")  # a duplicate, a cut line
    _fit(8, tmp_path, [_StopAt(-1)])
    with open(log, newline="") as f:
        got = list(csv.DictReader(f))
    assert [int(r["epoch"]) for r in got] == list(range(8))
    for k, values in whole.history.items():
        assert [float(r[k]) for r in got] == values


def test_csv_logger_append_without_backup_appends_as_keras(tmp_path) -> None:
    log = tmp_path / "log.csv"
    log.write_text("epoch,loss\r\n0,1.0\r\n1,0.5\r\n2,0.4")  # the last line was cut off
    X, y = _data()
    rb.fit(nn.Linear(3, 2), X, y, epochs=2, verbose=0,
           callbacks=[rb.callbacks.CSVLogger(log, append=True)])  # fmt: skip
    epochs = [r["epoch"] for r in csv.DictReader(open(log, newline=""))]
    assert epochs == ["0", "1", "0", "1"]


# ----------------------------------------------------------------------------- atomic files
def test_a_picture_is_whole_or_absent(tmp_path, monkeypatch) -> None:
    """savefig killed half-way (here: failing after writing some bytes) leaves the old
    picture and no temporary."""
    history = {"loss": [1.0, 0.5, 0.25]}
    path = tmp_path / "loss.png"
    viz.plot_loss_curve(history, path)
    before = path.read_bytes()
    assert before.startswith(b"\x89PNG")
    from matplotlib.figure import Figure

    def broken(self, fname, **kwargs):
        Path(fname).write_bytes(b"\x89PNG half")
        raise OSError("disk full")

    monkeypatch.setattr(Figure, "savefig", broken)
    with pytest.raises(OSError, match="disk full"):
        viz.plot_loss_curve({"loss": [3.0, 2.0]}, path)
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["loss.png"]


def test_temporaries_of_killed_writers_are_removed(tmp_path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".m.safetensors.{dead.pid}.abcd1234.tmp"
    stale_png = tmp_path / f".loss.png.{dead.pid}.x_yz5678.tmp.png"
    live = tmp_path / f".m.safetensors.{os.getpid()}.abcd1234.tmp"
    for p in (stale, stale_png, live):
        p.write_bytes(b"half")
    io.atomic_write(tmp_path / "m.safetensors", b"whole")
    assert not stale.exists() and live.exists() and stale_png.exists()  # only m's
    assert io.remove_stale_temporaries(tmp_path) == [stale_png]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["m.safetensors", live.name])
