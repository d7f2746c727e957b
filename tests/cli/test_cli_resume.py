"""Nothing half-written (issue 15, item 5), from the shell: ``rosenblatt train`` killed
(SIGKILL) at random points and continued with ``--resume`` ends with exactly the files of
an uninterrupted run -- the same weights bit for bit, the same history rows once each -- and
no stray file; two processes training into one folder are refused; the run folder is
marked COMPLETE only at the end. The oracle is the uninterrupted run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _cli_helpers import _ENV, one_error_line, run_cli

import rosenblatt as rb

RECIPE = (
    'name = "kill"\n[data]\nsource = "train.csv"\ntarget = "label"\ntest_split = 0.25\n'
    "[model]\nlayers = [16]\n[training]\nepochs = {epochs}\nbatch_size = 8\n"
    "validation_split = 0.2\npatience = 1000\n"
)
EPOCHS = 300  # a few seconds of training to kill into
RUN_FILES = {"COMPLETE", "model.safetensors", "history.csv", "metrics.json", "recipe.toml",
             "loss_curve.png", "confusion_matrix.png", "roc_curve.png"}  # fmt: skip


def _start(cwd: Path, folder: str, recipe: str = "r.toml") -> subprocess.Popen:
    """``--resume`` when the folder holds an interrupted (or complete) run, else a new run."""
    run = cwd / folder
    if (run / ".run.json").exists() or (run / "COMPLETE").exists():
        args = ["train", "--resume", folder, "-q"]
    else:
        args = ["train", recipe, "--out", folder, "-q"]
    return subprocess.Popen(
        [sys.executable, "-m", "rosenblatt", *args], cwd=cwd, env=_ENV,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _weights(path: Path) -> dict[str, np.ndarray]:
    return {k: np.asarray(v) for k, v in rb.load(path).state_dict().items()}


def _stray(run: Path) -> set[str]:
    return {p.name for p in run.iterdir()} - RUN_FILES


def _wait_for_rows(p: subprocess.Popen, history: Path, rows: int, extra: float) -> None:
    """Until the run's history.csv holds ``rows`` epochs (or the process ends), then
    ``extra`` seconds more; rows < 0: only the extra seconds (a kill while starting)."""
    deadline, started = time.monotonic() + 120, time.time()
    while rows >= 0 and p.poll() is None and time.monotonic() < deadline:
        try:  # rows written by this process (an earlier one left some too)
            if history.stat().st_mtime > started and len(history.read_text().splitlines()) > rows:
                break
        except OSError:
            pass
        time.sleep(0.01)
    try:
        p.wait(timeout=extra if rows >= 0 else extra + 0.5)
    except subprocess.TimeoutExpired:
        pass


def _kill_and_resume(tmp_path: Path, kills: int, seed: int) -> None:
    (tmp_path / "r.toml").write_text(RECIPE.format(epochs=EPOCHS))
    r = run_cli("train", "r.toml", "--out", "whole", "-q", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    rng = np.random.default_rng(seed)
    killed_in_training = 0
    history = tmp_path / "killed" / "history.csv"
    # kill points spread over the run: after epoch k (a random moment into the next one),
    # one in ten while starting, the last one while the run folder is being written
    plan = sorted(int(k) for k in rng.integers(1, EPOCHS, size=kills))
    for i, rows in enumerate(plan):
        rows = EPOCHS if i == kills - 1 else -1 if rng.random() < 0.1 else rows
        p = _start(tmp_path, "killed")
        _wait_for_rows(p, history, rows, rng.uniform(0, 0.2))
        if p.poll() is None:
            killed_in_training += 0 <= rows < EPOCHS
            p.send_signal(signal.SIGKILL)
        p.communicate()
    assert killed_in_training >= kills // 2  # most kills land during training
    p = _start(tmp_path, "killed")
    out, err = p.communicate(timeout=600)
    assert p.returncode == 0, err
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    assert _stray(killed) == set() and _stray(whole) == set()
    w1, w2 = _weights(whole / "model.safetensors"), _weights(killed / "model.safetensors")
    assert list(w1) == list(w2) and all(np.array_equal(w1[k], w2[k]) for k in w1)
    h1, h2 = pd.read_csv(whole / "history.csv"), pd.read_csv(killed / "history.csv")
    assert h2["epoch"].tolist() == list(range(EPOCHS))  # each epoch once
    pd.testing.assert_frame_equal(h1, h2)  # the same values, bit for bit
    m1, m2 = (json.loads((d / "metrics.json").read_text()) for d in (whole, killed))
    assert m1["test"] == m2["test"] and m2["epochs_run"] == EPOCHS


def test_killed_and_resumed_equals_uninterrupted(tmp_path, labelled_csv) -> None:
    _kill_and_resume(tmp_path, kills=3, seed=0)


@pytest.mark.slow
def test_killed_twenty_times_and_resumed_equals_uninterrupted(tmp_path, labelled_csv) -> None:
    _kill_and_resume(tmp_path, kills=20, seed=1)


def test_two_processes_in_one_folder_are_refused(tmp_path, labelled_csv) -> None:
    (tmp_path / "r.toml").write_text(RECIPE.format(epochs=400))
    first = _start(tmp_path, "run")
    lock = tmp_path / "run" / ".lock"
    deadline = time.monotonic() + 120
    while not (tmp_path / "run" / "history.csv").exists():  # the first one is training
        assert time.monotonic() < deadline and first.poll() is None
        time.sleep(0.05)
    assert lock.read_text().strip() == str(first.pid)
    second = run_cli("train", "r.toml", "--out", "run", "-q", cwd=tmp_path)
    line = one_error_line(second)
    assert f"is being written by another 'rosenblatt train' (pid {first.pid})" in line
    resumer = run_cli("train", "--resume", "run", "-q", cwd=tmp_path)
    assert "being written by another" in one_error_line(resumer)
    out, err = first.communicate(timeout=600)
    assert first.returncode == 0, err
    history = pd.read_csv(tmp_path / "run" / "history.csv")
    assert history["epoch"].tolist() == list(range(400))
    assert not lock.exists() and _stray(tmp_path / "run") == set()


def test_complete_is_written_last_and_resume_says_what_is_left(tmp_path, labelled_csv) -> None:
    (tmp_path / "r.toml").write_text(RECIPE.format(epochs=3))
    r = run_cli("train", "r.toml", "--out", "run", "-q", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    listed = json.loads((tmp_path / "run" / "COMPLETE").read_text())
    assert set(listed) == RUN_FILES - {"COMPLETE"}
    newest = max((tmp_path / "run" / f).stat().st_mtime_ns for f in listed)
    assert (tmp_path / "run" / "COMPLETE").stat().st_mtime_ns >= newest
    r = run_cli("train", "--resume", "run", "-q", cwd=tmp_path)
    assert r.returncode == 0 and "nothing to resume: the run in run is complete" in r.stdout
    assert "no such run folder" in one_error_line(
        run_cli("train", "--resume", "nope", cwd=tmp_path)
    )
    (tmp_path / "empty").mkdir()
    assert "holds no interrupted run" in one_error_line(
        run_cli("train", "--resume", "empty", cwd=tmp_path)
    )
    assert "give no recipe and no --out" in one_error_line(
        run_cli("train", "r.toml", "--resume", "run", cwd=tmp_path)
    )


def test_ctrl_c_then_resume_continues(tmp_path, labelled_csv) -> None:
    """Interrupted (SIGINT) runs are saved, not COMPLETE, and --resume finishes them."""
    (tmp_path / "r.toml").write_text(RECIPE.format(epochs=300))
    p = _start(tmp_path, "run")
    deadline = time.monotonic() + 120
    while not (tmp_path / "run" / ".backup" / "backup.safetensors").exists():
        assert time.monotonic() < deadline and p.poll() is None
        time.sleep(0.05)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=300)
    assert p.returncode == 130, err
    assert "--resume run" in out and not (tmp_path / "run" / "COMPLETE").exists()
    r = run_cli("train", "--resume", "run", "-q", "--epochs", "305", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert pd.read_csv(tmp_path / "run" / "history.csv")["epoch"].tolist() == list(range(305))
    assert _stray(tmp_path / "run") == set()


def test_a_damaged_backup_is_one_line_saying_what_to_delete(tmp_path, labelled_csv) -> None:
    (tmp_path / "r.toml").write_text(RECIPE.format(epochs=300))
    p = _start(tmp_path, "run")
    backup = tmp_path / "run" / ".backup" / "backup.safetensors"
    deadline = time.monotonic() + 120
    while not backup.exists():
        assert time.monotonic() < deadline and p.poll() is None
        time.sleep(0.05)
    p.send_signal(signal.SIGKILL)
    p.communicate()
    raw = bytearray(backup.read_bytes())
    raw[-3] ^= 0xFF
    backup.write_bytes(bytes(raw))
    line = one_error_line(run_cli("train", "--resume", "run", "-q", cwd=tmp_path))
    assert "is damaged" in line and "delete it" in line and "checksum" in line
    assert os.path.exists(backup)  # the user decides
