"""The commands in-process (``cli.main(argv)``): exit codes and messages for each kind of
bad input, internal errors, run folders, regression round trip, the demos."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import mean_absolute_error, r2_score

import rosenblatt as rb
from rosenblatt import cli
from rosenblatt import recipe as R


def main(capsys, *argv):
    """(exit status, stdout, stderr) of ``rosenblatt ARGV``."""
    try:
        code = cli.main([str(a) for a in argv])
    except SystemExit as e:  # argparse: --help, --version, usage errors
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


def bad(capsys, *argv) -> str:
    code, _, err = main(capsys, *argv)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, (code, err)
    assert lines[0].startswith("rosenblatt: error: ") and "Traceback" not in err
    return lines[0]


@pytest.fixture
def trained(tmp_path, capsys, recipe_file, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = main(capsys, "train", recipe_file, "--out", "run", "-q", "--epochs", "5")
    assert code == 0, err
    return tmp_path / "run" / "model.safetensors"


# ============================================================================ usage
def test_usage_errors_are_one_line(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing may be trained, but if it were: not in the repo
    assert "invalid choice: 'trian'" in bad(capsys, "trian")
    assert "unrecognized arguments: --epoch" in bad(capsys, "train", "--epoch", "3")
    assert "--data" in bad(capsys, "evaluate", "model.safetensors")
    assert "invalid int value: 'many'" in bad(capsys, "train", "--epochs", "many")
    assert "--epochs must be an integer >= 1, got 0" in bad(capsys, "train", "--epochs", "0")


def test_no_command_prints_help_and_exits_2(capsys):
    """No command: the help, on stderr, and exit status 2."""
    code, out, err = main(capsys)
    assert code == 2 and "usage: rosenblatt" in err and "train" in err


def test_train_help_lists_the_recipe_format(capsys):
    code, out, _ = main(capsys, "train", "--help")
    assert code == 0
    for key in ("[data]", "[model]", "[training]", "test_split", "convergence_tol", "'cosine'"):
        assert key in out


def test_print_recipe_prints_the_default(capsys):
    code, out, _ = main(capsys, "train", "--print-recipe")
    assert code == 0 and out == R.DEFAULT_RECIPE
    assert R.parse_recipe(out).to_dict() == R.default_recipe().to_dict()


# ============================================================================ bad input
def test_missing_recipe_and_model_files(capsys, tmp_path):
    assert "no such recipe file" in bad(capsys, "train", tmp_path / "nope.toml")
    assert "no such model file" in bad(capsys, "evaluate", tmp_path / "m", "--data", "x.csv")
    assert "no such model file" in bad(capsys, "predict", tmp_path / "m", "--data", "x.csv")


def test_a_file_that_is_not_a_model(capsys, tmp_path, labelled_csv):
    line = bad(capsys, "evaluate", labelled_csv, "--data", labelled_csv)
    assert "safetensors" in line


def test_evaluate_nan_and_unknown_labels(capsys, tmp_path, trained, labelled_csv):
    df = pd.read_csv(labelled_csv)
    df.loc[4, "c"] = np.inf
    df.to_csv(tmp_path / "inf.csv", index=False)
    line = bad(capsys, "evaluate", trained, "--data", tmp_path / "inf.csv")
    assert "1 non-finite value (0 NaN, 1 inf) in column 'c' at lines [6]" in line
    df = pd.read_csv(labelled_csv)
    df.loc[[1, 2], "label"] = "maybe"
    df.to_csv(tmp_path / "labels.csv", index=False)
    line = bad(capsys, "evaluate", trained, "--data", tmp_path / "labels.csv")
    assert "2 labels outside the classes ['no', 'yes']: ['maybe']" in line


def test_predict_with_a_missing_feature_column(capsys, tmp_path, trained, labelled_csv):
    pd.read_csv(labelled_csv).drop(columns="b").to_csv(tmp_path / "nob.csv", index=False)
    line = bad(capsys, "predict", trained, "--data", tmp_path / "nob.csv")
    assert "missing feature column ['b']" in line


def test_evaluate_needs_a_target_for_builtin_trained_models(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "iris.toml").write_text('[data]\nsource = "iris"\n[training]\nepochs = 2\n')
    assert main(capsys, "train", "iris.toml", "--out", "iris", "-q")[0] == 0
    X, y = rb.data.load_iris()
    names = R._feature_names("iris", 4)
    df = pd.DataFrame(X, columns=names).assign(species=y)
    df.to_csv(tmp_path / "iris.csv", index=False)
    model = tmp_path / "iris" / "model.safetensors"
    assert "name it with --target COLUMN" in bad(capsys, "evaluate", model, "--data", "iris.csv")
    code, out, _ = main(capsys, "evaluate", model, "--data", "iris.csv", "--target", "species")
    assert code == 0 and "evaluation accuracy" in out


def test_diverging_training_exits_2_keeps_the_run(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d.toml").write_text(
        '[data]\nsource = "diabetes"\nscaling = "none"\n[model]\nlayers = [16]\n'
        '[optimizer]\nname = "sgd"\nlr = 10.0\n[training]\nepochs = 5\n'
    )
    line = bad(capsys, "train", "d.toml", "--out", "run", "-q")
    assert re.search(
        r"training diverged: the loss (became (inf|nan)|exploded to \S+, more than 10000 times "
        r"its value at the start \(\S+\)) at epoch 1/5, batch \d+/12",
        line,
    )
    assert "saved in run" in line
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["diverged"].startswith("training diverged")
    model = rb.load(tmp_path / "run" / "model.safetensors")
    assert all(np.isfinite(p.numpy()).all() for p in model.parameters())


# ============================================================================ internal errors
def test_a_bug_after_training_started_exits_1_with_a_traceback(capsys, tmp_path, monkeypatch,
                                                               recipe_file):  # fmt: skip
    monkeypatch.chdir(tmp_path)

    def broken(*args, **kwargs):
        raise ValueError("an internal inconsistency")

    monkeypatch.setattr(R, "score", broken)  # a ValueError, but after the data were accepted
    code, _, err = main(capsys, "train", recipe_file, "--out", "run", "-q", "--epochs", "2")
    assert code == 1
    assert "Traceback" in err and "an internal inconsistency" in err
    assert "internal error" in err.splitlines()[-1]


def test_an_unexpected_exception_exits_1(capsys, monkeypatch):
    def boom(args):
        raise RuntimeError("boom")

    monkeypatch.setattr(cli, "cmd_demo", boom)
    code, _, err = main(capsys, "demo", "xor")
    assert code == 1 and "RuntimeError: boom" in err


# ============================================================================ runs
def test_run_folder_name_and_contents(capsys, tmp_path, monkeypatch, recipe_file):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli.time, "strftime", lambda fmt: "20240101-120000")
    for _ in range(2):
        assert main(capsys, "train", recipe_file, "-q", "--epochs", "2")[0] == 0
    runs = sorted(p.name for p in (tmp_path / "runs").iterdir())
    assert runs == ["small-20240101-120000", "small-20240101-120000-2"]
    folder = tmp_path / "runs" / runs[0]
    assert (folder / "recipe.toml").read_text() == recipe_file.read_text()
    model = rb.load(folder / "model.safetensors")
    assert model.metadata["recipe"]["name"] == "small"
    assert model.preprocessing.feature_names == ["a", "b", "c"]


def test_summary_shows_the_test_accuracy_and_confusion_matrix(capsys, tmp_path, monkeypatch,
                                                              recipe_file):  # fmt: skip
    monkeypatch.chdir(tmp_path)
    code, out, _ = main(capsys, "train", recipe_file, "--out", "r", "--epochs", "3")
    assert code == 0
    m = json.loads((tmp_path / "r" / "metrics.json").read_text())["test"]
    assert f"test accuracy: {m['accuracy']:.4f} ({m['n_correct']}/30)" in out
    assert "confusion matrix (rows: true class, columns: predicted class)" in out
    (no, yes) = m["confusion_matrix"]
    assert re.search(rf"\n\s*no\s+{no[0]}\s+{no[1]}\n\s*yes\s+{yes[0]}\s+{yes[1]}\n", out)
    assert "model:    3-8-2 Tanh (50 parameters)" in out
    assert re.search(r"training: 3 epochs in \d+\.\d\d s", out)


def test_regression_round_trip_in_target_units(capsys, tmp_path, monkeypatch, regression_csv):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "reg.toml").write_text(
        '[data]\nsource = "reg.csv"\ntarget = "y"\ntarget_scaling = "standard"\n'
        '[model]\nlayers = [16]\n[loss]\nname = "mse"\n[optimizer]\nlr = 0.01\n'
        "[training]\nepochs = 60\n"
    )
    code, out, _ = main(capsys, "train", "reg.toml", "--out", "run", "-q")
    assert code == 0 and "test R²" in out
    model_path = tmp_path / "run" / "model.safetensors"
    code, out, _ = main(capsys, "predict", model_path, "--data", "reg.csv")
    assert code == 0
    pred = pd.read_csv(pd.io.common.StringIO(out))["y"].to_numpy()
    truth = pd.read_csv(regression_csv)["y"].to_numpy()
    assert r2_score(truth, pred) > 0.95  # targets around 300: the scaling was undone
    code, out, _ = main(capsys, "evaluate", model_path, "--data", "reg.csv")
    assert code == 0
    assert f"R²: {r2_score(truth, pred):.4f}" in out
    assert f"MAE: {mean_absolute_error(truth, pred):.6g}" in out


# ============================================================================ demos
def test_demo_perceptron_or_prints_the_deck_run(capsys):
    code, out, _ = main(capsys, "demo", "perceptron-or")
    assert code == 0
    assert "converged after 3 updates in 4 epochs: w = [-0.5 1 1]" in out


def test_demo_not_yet_available(capsys, monkeypatch):
    import rosenblatt.models

    monkeypatch.delattr(rosenblatt.models, "perceptron_or_demo")
    code, out, _ = main(capsys, "demo", "perceptron-or")
    assert code == 0 and "not yet available" in out


def test_demo_universal_approximation_writes_the_fit(capsys, tmp_path):
    code, out, _ = main(capsys, "demo", "universal-approximation", "--out", tmp_path)
    assert code == 0 and (tmp_path / "function_fit.png").exists()
    r2 = float(re.search(r"R² ([0-9.]+)", out).group(1))
    assert r2 > 0.99


@pytest.mark.slow
def test_demo_optimizers_and_digits(capsys, tmp_path):
    code, out, _ = main(capsys, "demo", "optimizers", "--out", tmp_path / "opt")
    assert code == 0
    assert "not yet available" in out or (tmp_path / "opt" / "optimizers.png").exists()
    code, out, _ = main(capsys, "demo", "digits", "--out", tmp_path / "dig", "-q")
    assert code == 0 and (tmp_path / "dig" / "gradients.png").exists()
    assert float(re.search(r"test accuracy: ([0-9.]+)", out).group(1)) >= 0.97


def test_predict_with_a_model_saved_without_preprocessing(capsys, tmp_path):
    model = rb.nn.Sequential(rb.nn.Linear(2, 3))
    rb.save(model, tmp_path / "m.safetensors")
    pd.DataFrame({"u": [1.0, 2.0], "v": [0.5, -1.0], "w": [0.0, 0.0]}).to_csv(
        tmp_path / "three.csv", index=False
    )
    line = bad(capsys, "predict", tmp_path / "m.safetensors", "--data", tmp_path / "three.csv")
    assert (
        "first layer Linear(in_features=2, out_features=3, bias=True) expects 2 features, got 3"
        in line
    )
    pd.DataFrame({"u": [1.0, 2.0], "v": [0.5, -1.0]}).to_csv(tmp_path / "two.csv", index=False)
    code, out, _ = main(
        capsys, "predict", tmp_path / "m.safetensors", "--data", tmp_path / "two.csv"
    )
    assert code == 0
    got = pd.read_csv(pd.io.common.StringIO(out))
    assert list(got.columns) == ["output_0", "output_1", "output_2"]
    with rb.no_grad():
        expected = model(rb.tensor([[1.0, 0.5], [2.0, -1.0]])).numpy()
    np.testing.assert_allclose(got.to_numpy(), expected, rtol=1e-6)
