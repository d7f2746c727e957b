"""Exporting whole predictors (issue 15, item 10): fitted estimators (also after scikit-learn
scalers in a Pipeline) and models from ``rosenblatt train`` with their scaling. The oracle:
the estimator's own predict / predict_proba, and ``recipe.predict`` for the CLI's models;
onnxruntime runs the files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

import rosenblatt as rb
from rosenblatt import cli
from rosenblatt.recipe import predict, predict_scores

ort = pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")


def _run(path, X):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(None, {"input": X.astype(np.float32)})))


def _data(n=120, seed=0, classes=("no", "yes")):
    rng = np.random.default_rng(seed)
    X = rng.normal(loc=[5.0, -3.0, 100.0], scale=[1.0, 4.0, 30.0], size=(n, 3))
    score = (X[:, 0] - 5) + (X[:, 1] + 3) / 4
    y = np.asarray(classes)[
        np.digitize(score, np.quantile(score, np.linspace(0, 1, len(classes) + 1)[1:-1]))
    ]
    return X.astype(np.float32), y


def _estimators():
    from rosenblatt import models as M

    return {
        "mlp-binary-text": (
            lambda: M.MLPClassifier((8,), max_iter=30, random_state=0),
            ("no", "yes"),
        ),
        "mlp-3-classes": (
            lambda: M.MLPClassifier((8, 4), activation="tanh", max_iter=30, random_state=0),
            (0, 1, 2),
        ),  # fmt: skip
        "logistic": (lambda: M.LogisticRegression(), ("a", "b")),
        "logistic-3": (lambda: M.LogisticRegression(), (3, 5, 7)),
        "perceptron": (lambda: M.Perceptron(random_state=0), (-1, 1)),
        "lda": (lambda: M.LinearDiscriminantAnalysis(), ("x", "y", "z")),
    }


@pytest.mark.parametrize("name", list(_estimators()))
@pytest.mark.parametrize("scaler", [None, StandardScaler, MinMaxScaler])
def test_fitted_classifiers_with_their_scaling(tmp_path, name, scaler) -> None:
    make, classes = _estimators()[name]
    X, y = _data(classes=classes)
    est = make() if scaler is None else make_pipeline(scaler(), make())
    if scaler is None and name.startswith(("mlp", "logistic")):
        est = make_pipeline(StandardScaler(), make())  # these need scaled features
    est.fit(X, y)
    rb.onnx.export(est, X[:4], tmp_path / "m.onnx")
    X_new, _ = _data(n=37, seed=1, classes=classes)
    out = _run(tmp_path / "m.onnx", X_new)
    labels = out["label"]
    want = est.predict(X_new)
    assert labels.tolist() == (want.astype(str) if labels.dtype == object else want).tolist()
    if hasattr(est, "predict_proba"):
        np.testing.assert_allclose(
            out["probabilities"], est.predict_proba(X_new), rtol=1e-5, atol=1e-5
        )
    else:
        assert "probabilities" not in out


@pytest.mark.parametrize("targets", [1, 2])
def test_fitted_regressors(tmp_path, targets) -> None:
    from rosenblatt import models as M

    X, _ = _data()
    y = X @ np.arange(1.0, 1.0 + 3 * targets).reshape(3, targets)
    y = y[:, 0] if targets == 1 else y
    for est in (make_pipeline(StandardScaler(), M.MLPRegressor((8,), max_iter=20, random_state=0)),
                M.LinearRegression()):  # fmt: skip
        est.fit(X, y)
        rb.onnx.export(est, X[:3], tmp_path / "r.onnx")
        got = _run(tmp_path / "r.onnx", X[:50])["prediction"]
        np.testing.assert_allclose(got, est.predict(X[:50]), rtol=1e-5, atol=1e-4)


@pytest.fixture
def trained_run(tmp_path, monkeypatch, capsys):
    def train(data: pd.DataFrame, recipe: str):
        monkeypatch.chdir(tmp_path)
        data.to_csv("d.csv", index=False)
        (tmp_path / "r.toml").write_text(recipe)
        assert cli.main(["train", "r.toml", "--out", "run", "-q"]) == 0, capsys.readouterr().err
        capsys.readouterr()
        return tmp_path / "run" / "model.safetensors"

    return train


@pytest.mark.parametrize("scaling,classes", [("standard", ("no", "yes")),
                                              ("minmax", (1, 2, 3)), ("none", ("a", "b", "c"))])  # fmt: skip
def test_cli_export_of_a_trained_classifier(
    trained_run, tmp_path, capsys, scaling, classes
) -> None:
    X, y = _data(classes=classes)
    df = pd.DataFrame(X, columns=["a", "b", "c"]).assign(label=y)
    path = trained_run(df, '[data]\nsource = "d.csv"\ntarget = "label"\nscaling = '
                       f'"{scaling}"\n[model]\nlayers = [6]\n[training]\nepochs = 5\n')  # fmt: skip
    assert cli.main(["export", str(path), "--onnx", "out.onnx"]) == 0
    assert "outputs label, probabilities" in capsys.readouterr().out
    model = rb.load(path)
    X_new, _ = _data(n=40, seed=2, classes=classes)
    out = _run(tmp_path / "out.onnx", X_new)
    want = predict(model, X_new, model.preprocessing)
    assert (
        out["label"].tolist()
        == (want.astype(str) if out["label"].dtype == object else want).tolist()
    )
    np.testing.assert_allclose(
        out["probabilities"],
        predict_scores(model, X_new, model.preprocessing),
        rtol=1e-5,
        atol=1e-5,
    )


def test_cli_export_of_a_trained_regressor_in_target_units(trained_run, tmp_path, capsys) -> None:
    X, _ = _data()
    df = pd.DataFrame(X, columns=["a", "b", "c"]).assign(y=300 + 40 * X[:, 0] - 2 * X[:, 2])
    path = trained_run(df, '[data]\nsource = "d.csv"\ntarget = "y"\ntarget_scaling = "standard"\n'
                       '[loss]\nname = "mse"\n[training]\nepochs = 5\n')  # fmt: skip
    assert cli.main(["export", str(path), "--onnx", "out.onnx"]) == 0
    model = rb.load(path)
    got = _run(tmp_path / "out.onnx", X[:30])["prediction"]
    np.testing.assert_allclose(
        got, predict_scores(model, X[:30], model.preprocessing), rtol=1e-5, atol=1e-3
    )


def test_cli_export_of_a_cnn_needs_its_input_shape(tmp_path, monkeypatch, capsys) -> None:
    from rosenblatt import nn

    monkeypatch.chdir(tmp_path)
    cnn = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(2 * 6 * 6, 3))
    rb.save(cnn, tmp_path / "cnn.safetensors")
    assert cli.main(["export", "cnn.safetensors", "--onnx", "c.onnx"]) == 2
    assert "--input-shape" in capsys.readouterr().err
    assert (
        cli.main(["export", "cnn.safetensors", "--onnx", "c.onnx", "--input-shape", "1,8,8"]) == 0
    )
    X = np.random.default_rng(0).normal(size=(5, 1, 8, 8)).astype(np.float32)
    with rb.no_grad():
        want = cnn.eval()(rb.tensor(X)).numpy()
    np.testing.assert_allclose(_run(tmp_path / "c.onnx", X)["output"], want, rtol=1e-5, atol=1e-5)
    assert cli.main(["export", "cnn.safetensors", "--onnx", "c.onnx", "--input-shape", "x"]) == 2
