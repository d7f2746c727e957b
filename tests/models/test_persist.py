"""rb.save / rb.load of fitted estimators: one safetensors file, no pickle, and every
prediction of the loaded estimator identical to the saved one's."""

from __future__ import annotations

import io
import json
import struct
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning

import rosenblatt as rb
from rosenblatt import models

X, Y = make_classification(80, 5, n_informative=3, n_redundant=0, n_classes=3, random_state=0)
LABELS = np.array(["cat", "dog", "owl"])[Y]
BINARY = (Y > 0).astype(int)
UNIT = (X - X.min(0)) / (X.max(0) - X.min(0))

ESTIMATORS = {
    "threshold": (models.ThresholdUnit(), BINARY),
    "perceptron": (models.Perceptron(random_state=0), BINARY),
    "adaline": (models.Adaline(random_state=0), BINARY),
    "linear": (models.LinearRegression(), X[:, 0] - X[:, 1]),
    "logistic": (models.LogisticRegression(class_weight="balanced"), LABELS),
    "lda": (models.LinearDiscriminantAnalysis(), LABELS),
    "qda": (models.QuadraticDiscriminantAnalysis(), Y),
    "mlp": (models.MLPClassifier((8,), batch_norm=True, dropout=0.1, max_iter=20), LABELS),
    "mlp-binary": (models.MLPClassifier((6,), solver="lbfgs", max_iter=30), BINARY),
    "mlp-regressor": (models.MLPRegressor((8,), max_iter=20), X[:, :2]),
    "autoencoder": (models.Autoencoder((4, 2), noise=0.1, max_iter=10), None),
    "detector": (models.AutoencoderAnomalyDetector((4, 2), max_iter=10), None),
    "vae": (models.VAE(2, (8,), max_iter=3), "unit"),
    "gan": (models.GAN(2, max_iter=3), None),
    "rbm": (models.RBM(4, n_iter=3), "unit"),
}
METHODS = ("predict", "predict_proba", "decision_function", "transform", "score_samples",
           "reconstruct", "anomaly_score", "discriminate", "inverse_transform")  # fmt: skip


def _fitted(name):
    est, y = ESTIMATORS[name]
    est = rb.models.__dict__[type(est).__name__](**est.get_params())
    if "random_state" in est.get_params():
        est.set_params(random_state=0)
    data = UNIT if isinstance(y, str) else X
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(data) if y is None or isinstance(y, str) else est.fit(data, y), data


@pytest.mark.parametrize("name", ESTIMATORS)
def test_a_fitted_estimator_round_trips_with_identical_predictions(name, tmp_path):
    est, data = _fitted(name)
    path = tmp_path / f"{name}.safetensors"
    rb.save(est, path)
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    assert header["__metadata__"]["rosenblatt.kind"] == "estimator"  # a safetensors file
    back = rb.load(path)
    assert type(back) is type(est) and back.get_params() == est.get_params()
    compared = 0
    for method in METHODS:
        if not hasattr(est, method):
            continue
        inputs = est.transform(data) if method == "inverse_transform" else data
        np.testing.assert_array_equal(getattr(back, method)(inputs), getattr(est, method)(inputs))
        compared += 1
    if hasattr(est, "sample"):  # the same generator state: the same samples
        np.testing.assert_array_equal(back.sample(4), est.sample(4))
        compared += 1
    assert compared
    for attr in ("classes_", "coef_", "loss_curve_", "n_iter_", "threshold_"):
        if hasattr(est, attr):
            np.testing.assert_array_equal(getattr(back, attr), getattr(est, attr))


def test_a_loaded_network_trains_on(tmp_path):
    est, _ = _fitted("mlp")
    buffer = io.BytesIO()
    rb.save(est, buffer)
    buffer.seek(0)
    back = rb.load(buffer)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        back.partial_fit(X, LABELS)
    assert back.n_iter_ == est.n_iter_ + 1


def test_only_rosenblatts_estimators_are_rebuilt_and_a_changed_file_is_refused(tmp_path):
    from rosenblatt.io.estimators import rebuild

    with pytest.raises(ValueError, match="not an estimator of rosenblatt.models"):
        rebuild({"estimator": "os.system", "params": {}, "fitted": {}}, "here")
    with pytest.raises(ValueError, match="malformed fitted attribute"):
        rebuild({"estimator": "Perceptron", "params": {}, "fitted": {"fit": 1}}, "here")
    with pytest.raises(ValueError, match="unknown bit generator"):
        rebuild({"estimator": "VAE", "params": {}, "fitted": {"_rng": {"__generator__": {}}}},
                "here")  # fmt: skip
    with pytest.raises(TypeError, match="RandomState"):
        rb.save(models.Perceptron(random_state=np.random.RandomState(0)), io.BytesIO())
    est, _ = _fitted("logistic")
    path = tmp_path / "logistic.safetensors"
    rb.save(est, path)
    raw = path.read_bytes().replace(b"LogisticRegression", b"LogisticRegressiom")
    path.write_bytes(raw)
    with pytest.raises(ValueError):
        rb.load(path)
