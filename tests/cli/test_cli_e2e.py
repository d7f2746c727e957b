"""The ``rosenblatt`` command end to end, each call a fresh process (``python -m rosenblatt``
and the console script): train -> evaluate -> predict, bad input exits 2 with one line,
same seed -> bit-identical weights, Ctrl-C keeps the run, the default recipe reaches 0.97."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
from _cli_helpers import _ENV, one_error_line, run_cli
from safetensors.numpy import load_file

import rosenblatt as rb
from rosenblatt.recipe import predict


def test_help_and_version_exit_0(tmp_path):
    r = run_cli("--help", cwd=tmp_path)
    assert r.returncode == 0 and r.stderr == ""
    for command in ("train", "evaluate", "predict", "demo"):
        assert command in r.stdout
    r = run_cli("--version", cwd=tmp_path, module=False)  # the console script
    assert r.returncode == 0 and r.stdout.strip() == f"rosenblatt {rb.__version__}"


def test_train_evaluate_predict_round_trip(tmp_path, recipe_file, labelled_csv):
    r = run_cli("train", recipe_file, "--out", "run", "--quiet", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    run = tmp_path / "run"
    files = {p.name for p in run.iterdir()}
    assert {"model.safetensors", "history.csv", "metrics.json", "recipe.toml"} <= files
    assert {"loss_curve.png", "confusion_matrix.png", "roc_curve.png"} <= files
    metrics = json.loads((run / "metrics.json").read_text())
    history = pd.read_csv(run / "history.csv")
    assert len(history) == metrics["epochs_run"] == 30
    assert metrics["test"]["n_samples"] == 30 and metrics["n_train"] == 90
    assert f"test accuracy: {metrics['test']['accuracy']:.4f}" in r.stdout

    # the saved model, loaded here, is the oracle for what evaluate and predict print
    model = rb.load(run / "model.safetensors")
    assert model.classes == ["no", "yes"] and model.metadata["target"] == "label"
    df = pd.read_csv(labelled_csv)
    X = df[["a", "b", "c"]].to_numpy(np.float32)
    expected = predict(model, X, model.preprocessing)
    assert set(expected) == {"no", "yes"}

    r = run_cli("evaluate", run / "model.safetensors", "--data", labelled_csv, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    n_ok = int((expected == df["label"].to_numpy()).sum())
    assert f"evaluation accuracy: {n_ok / 120:.4f} ({n_ok}/120)" in r.stdout
    assert n_ok / 120 > 0.8  # it learnt something

    features_only = tmp_path / "new.csv"
    df[["c", "b", "a"]].to_csv(features_only, index=False)  # other order, no label
    r = run_cli("predict", run / "model.safetensors", "--data", features_only,
                "--out", "pred.csv", cwd=tmp_path)  # fmt: skip
    assert r.returncode == 0, r.stderr
    out = pd.read_csv(tmp_path / "pred.csv")
    assert list(out.columns) == ["label"]
    np.testing.assert_array_equal(out["label"].to_numpy(), expected)  # original labels


def test_unknown_key_in_recipe_exits_2_naming_the_key(tmp_path, labelled_csv):
    (tmp_path / "bad.toml").write_text(
        '[data]\nsource = "train.csv"\ntarget = "label"\n[training]\nepochs = 3\npatiense = 2\n'
    )
    line = one_error_line(run_cli("train", "bad.toml", cwd=tmp_path))
    assert "'training.patiense'" in line and "patience" in line
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_csv_without_the_target_column_exits_2(tmp_path, labelled_csv):
    (tmp_path / "r.toml").write_text('[data]\nsource = "train.csv"\ntarget = "class"\n')
    line = one_error_line(run_cli("train", "r.toml", cwd=tmp_path))
    assert "no target column 'class'" in line and "'label'" in line


def test_nan_in_csv_exits_2_saying_where(tmp_path, labelled_csv):
    df = pd.read_csv(labelled_csv)
    df.loc[[3, 7], "b"] = np.nan
    df.to_csv(tmp_path / "nan.csv", index=False)
    (tmp_path / "r.toml").write_text('[data]\nsource = "nan.csv"\ntarget = "label"\n')
    line = one_error_line(run_cli("train", "r.toml", cwd=tmp_path))
    assert "2 non-finite values (2 NaN, 0 inf) in column 'b' at lines [5, 9]" in line


def test_two_runs_with_the_same_seed_have_bit_identical_weights(tmp_path, recipe_file):
    for out in ("one", "two"):
        r = run_cli("train", recipe_file, "--out", out, "-q", "--epochs", "5", cwd=tmp_path)
        assert r.returncode == 0, r.stderr
    a = load_file(tmp_path / "one" / "model.safetensors")
    b = load_file(tmp_path / "two" / "model.safetensors")
    assert a.keys() == b.keys() and len(a) == 4
    for k in a:
        assert a[k].tobytes() == b[k].tobytes(), k


def test_demo_xor(tmp_path):
    r = run_cli("demo", "xor", "--out", "figs", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "accuracy: 1.00" in r.stdout
    rows = [line.split() for line in r.stdout.splitlines() if line.startswith(("  0", "  1"))]
    assert [(row[0], row[1], row[2], row[4]) for row in rows] == [
        ("0", "0", "0", "0"), ("0", "1", "1", "1"), ("1", "0", "1", "1"), ("1", "1", "0", "0"),
    ]  # fmt: skip
    assert (tmp_path / "figs" / "decision_boundary.png").stat().st_size > 1000


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process")
def test_ctrl_c_stops_training_and_saves_the_run(tmp_path):
    (tmp_path / "long.toml").write_text(
        '[data]\nsource = "digits"\n[model]\nlayers = [64]\n'
        "[training]\nepochs = 10000\nvalidation_split = 0.2\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "rosenblatt", "train", "long.toml", "--out", "run", "-q"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_ENV,
    )  # fmt: skip
    history = tmp_path / "run" / "history.csv"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait for 3 finished epochs
        if history.exists() and len(history.read_text().splitlines()) > 3:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (out, err)
    assert "Traceback" not in err
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["interrupted"] and 3 <= metrics["epochs_run"] < 10000
    assert "interrupted by Ctrl-C" in out
    val = pd.read_csv(history)["val_loss"].to_numpy()
    model = rb.load(tmp_path / "run" / "model.safetensors")  # a complete, loadable model
    assert model.metadata["metrics"]["accuracy"] == metrics["test"]["accuracy"]
    assert f"best weights: epoch {int(np.argmin(val)) + 1}" in out


@pytest.mark.slow
def test_default_recipe_reaches_97_percent_in_under_a_minute(tmp_path):
    r = run_cli("train", "--out", "default", cwd=tmp_path, timeout=300)
    assert r.returncode == 0, r.stderr
    metrics = json.loads((tmp_path / "default" / "metrics.json").read_text())
    print(f"default recipe: test accuracy {metrics['test']['accuracy']:.4f}, "
          f"training time {metrics['training_time_s']:.2f} s")  # fmt: skip
    assert metrics["test"]["accuracy"] >= 0.97
    assert metrics["training_time_s"] < 60
    assert metrics["data"] == "digits (built-in)" and metrics["n_test"] == 360
    assert "confusion matrix" in r.stdout and "training:" in r.stdout
