"""BackupAndRestore: a run killed with SIGKILL and started again ends with exactly the weights
and history of a run that was never interrupted; the training-state file round-trips."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from _train_helpers import mlp, weights

import rosenblatt as rb
from rosenblatt.train import state as train_state

SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    import numpy as np
    import rosenblatt as rb
    from rosenblatt import nn


    def main(backup_dir="", kill_at=-1):
        rb.manual_seed(0)
        g = np.random.default_rng(1)
        X = g.normal(size=(160, 6)).astype(np.float32)
        y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
        model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 2))
        opt = rb.optim.Adam(model.parameters(), lr=0.01)
        sched = rb.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.7)

        class Kill(rb.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                if epoch == kill_at:
                    os.kill(os.getpid(), signal.SIGKILL)

        callbacks = [Kill(), rb.callbacks.EarlyStopping(monitor="val_loss", patience=50)]
        if backup_dir:
            callbacks.append(rb.callbacks.BackupAndRestore(backup_dir))
        h = rb.fit(model, X, y, optimizer=opt, scheduler=sched, epochs=7, batch_size=32,
                   validation_split=0.25, callbacks=callbacks, verbose=0)
        return model, opt, h


    if __name__ == "__main__":
        model, opt, h = main(sys.argv[1], int(sys.argv[2]))
        meta = {"history": h.history, "epoch": h.epoch, "lr": opt.param_groups[0]["lr"]}
        rb.io.save_state(sys.argv[3], model.state_dict(), meta)
    """
)


def load_script(path):
    spec = importlib.util.spec_from_file_location("fit_script", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_script(script, *args):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, str(script), *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def test_sigkilled_run_resumes_to_the_uninterrupted_result(tmp_path):
    script = tmp_path / "fit_script.py"
    script.write_text(SCRIPT)
    backup = tmp_path / "backup"
    out = tmp_path / "resumed.safetensors"

    killed = run_script(script, backup, 3, out)  # dies at the end of epoch 3 (from 0)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert (backup / "backup.safetensors").exists() and not out.exists()
    _, saved = rb.io.load_state(backup / "backup.safetensors")
    assert train_state.unpack({}, saved["__dict__"][0][1]) == 2  # epochs 0..2 were backed up

    resumed = run_script(script, backup, -1, out)
    assert resumed.returncode == 0, resumed.stderr
    assert not backup.exists()  # deleted after a successful end (Keras's semantics)

    model, opt, h = load_script(script).main()  # uninterrupted, in this process
    arrays, meta = rb.io.load_state(out)
    ref = weights(model)
    assert set(arrays) == set(ref)
    assert all(np.array_equal(arrays[k], ref[k]) for k in ref)
    assert meta["history"] == h.history and meta["epoch"] == h.epoch == list(range(7))
    assert meta["lr"] == opt.param_groups[0]["lr"]


class Crash(rb.callbacks.Callback):
    def __init__(self, at):
        self.at = at

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.at:
            raise RuntimeError("simulated crash")


def fit_with(tmp_path, blobs, crash_at=None, backup=True):
    X, y = blobs
    rb.manual_seed(7)
    model = mlp(4, 12, 3, dropout=0.25)
    opt = rb.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    es = rb.callbacks.EarlyStopping(patience=100, restore_best_weights=True)
    ct = rb.callbacks.ConvergenceTest(tol=0.0, monitor="learning_rate")  # never fires
    plateau = rb.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=0)
    cbs = [Crash(crash_at), es, ct]
    if backup:
        cbs.append(rb.callbacks.BackupAndRestore(tmp_path / "bk"))
    h = rb.fit(model, X, y, optimizer=opt, epochs=6, batch_size=16, validation_split=0.2,
               callbacks=cbs, scheduler=plateau, verbose=0)  # fmt: skip
    return model, h, es


def test_resume_after_an_exception_restores_every_state(tmp_path, blobs):
    with pytest.raises(RuntimeError, match="simulated crash"):
        fit_with(tmp_path, blobs, crash_at=3)
    assert (tmp_path / "bk" / "backup.safetensors").exists()
    model, h, es = fit_with(tmp_path, blobs)
    ref_model, ref_h, ref_es = fit_with(tmp_path, blobs, backup=False)
    assert h.history == ref_h.history and h.epoch == ref_h.epoch
    assert es.best_epoch == ref_es.best_epoch
    w, ref = weights(model), weights(ref_model)
    assert all(np.array_equal(w[k], ref[k]) for k in ref)  # the best epoch's weights


def test_backup_kept_after_ctrl_c_and_refused_for_other_arguments(tmp_path, blobs):
    X, y = blobs

    class CtrlC(rb.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise KeyboardInterrupt

    bk = rb.callbacks.BackupAndRestore(tmp_path / "bk")
    with pytest.warns(RuntimeWarning, match="interrupted"):
        h = rb.fit(mlp(4, 3), X, y, epochs=5, callbacks=[CtrlC(), bk], verbose=0)
    assert h.interrupted and h.epoch == [0]
    assert (tmp_path / "bk" / "backup.safetensors").exists()
    with pytest.raises(ValueError, match="resume with the same arguments"):
        rb.fit(mlp(4, 3), X, y, epochs=5, verbose=0,
               callbacks=[rb.callbacks.CSVLogger(tmp_path / "l.csv"), CtrlC(), bk])  # fmt: skip
    with pytest.raises(ValueError, match="callback mismatch"):
        rb.fit(mlp(4, 3), X, y, epochs=5, verbose=0,
               callbacks=[rb.callbacks.TerminateOnNaN(), bk])  # fmt: skip


def test_a_corrupt_backup_is_an_error_not_a_silent_restart(tmp_path, blobs):
    X, y = blobs
    (tmp_path / "bk").mkdir()
    (tmp_path / "bk" / "backup.safetensors").write_bytes(b"\x10\x00\x00\x00garbage")
    with pytest.raises(ValueError):
        rb.fit(mlp(4, 3), X, y, epochs=2, verbose=0,
               callbacks=[rb.callbacks.BackupAndRestore(tmp_path / "bk")])  # fmt: skip


def test_pack_unpack_round_trip_is_exact():
    state = {
        "epoch": 3,
        "lr": 0.1 + 0.2,
        "betas": (0.9, 0.999),
        "inf": float("inf"),
        "none": None,
        "flag": True,
        "state": {0: {"step": 5, "exp_avg": np.arange(6, dtype=np.float32).reshape(2, 3)}},
        "scalar": np.float64(1 / 3),
        "zero_d": np.array(7, dtype=np.int64),
        "tensor": rb.tensor([1.0, 2.0]),
        "rng": rb.get_rng().bit_generator.state,
        "names": ["0.weight", "0.bias"],
    }
    arrays, skeleton = train_state.pack(state)
    back = train_state.unpack(arrays, skeleton)
    assert back["state"][0]["exp_avg"].dtype == np.float32
    np.testing.assert_array_equal(back["state"][0]["exp_avg"], state["state"][0]["exp_avg"])
    assert list(back["state"]) == [0] and back["betas"] == (0.9, 0.999)
    assert back["lr"] == state["lr"] and back["inf"] == float("inf")
    assert type(back["scalar"]) is np.float64 and back["scalar"] == state["scalar"]
    assert back["zero_d"].shape == () and back["zero_d"] == 7
    assert isinstance(back["tensor"], rb.Tensor)
    assert back["rng"] == state["rng"] and back["names"] == state["names"]
    with pytest.raises(TypeError, match="cannot save a value of type set"):
        train_state.pack({"bad": {1, 2}})
    with pytest.raises(ValueError, match="missing array"):
        train_state.unpack({}, skeleton)
