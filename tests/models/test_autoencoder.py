"""Autoencoder / AutoencoderAnomalyDetector: PCA's reconstruction as the linear oracle,
finite-difference gradients, denoising, anomaly detection (AUC, threshold, contamination),
scikit-learn's conventions and its estimator checks."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.utils.estimator_checks import parametrize_with_checks

from rosenblatt import nn
from rosenblatt.autograd import gradcheck
from rosenblatt.models import Autoencoder, AutoencoderAnomalyDetector
from rosenblatt.tensor import Tensor


def _quiet(est, X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X)


def _low_rank(n=300, rank=3, d=8, noise=0.05, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, rank)) @ rng.normal(size=(rank, d)) + noise * rng.normal(size=(n, d))


def _manifold(n, seed, d=10):
    """Normal samples: a curved 2-D surface in R^d plus small noise."""
    rng = np.random.default_rng(seed)
    A, B = np.random.default_rng(100).normal(size=(2, 2, d))  # the same surface every call
    t = rng.uniform(-1, 1, size=(n, 2))
    return t @ A + np.tanh(t) ** 2 @ B + 0.02 * rng.normal(size=(n, d))


# ---------------------------------------------------------------------- the PCA oracle
@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_linear_autoencoder_reconstructs_as_well_as_pca(solver):
    X = _low_rank()
    pca = PCA(n_components=3).fit(X)
    pca_error = np.mean((X - pca.inverse_transform(pca.transform(X))) ** 2)
    kw = {"max_iter": 800}
    if solver == "adam":  # full-batch Adam: no gradient noise to stall at
        kw = {
            "learning_rate_init": 3e-2,
            "batch_size": 300,
            "max_iter": 3000,
            "tol": 0.0,
            "n_iter_no_change": 3000,
        }
    ae = _quiet(Autoencoder((3,), "identity", solver=solver, random_state=0, **kw), X)
    err = ae.reconstruction_error(X).mean()
    # PCA is the optimum of the linear autoencoder: it cannot do better, and it gets there
    assert err >= pca_error * (1 - 1e-3)
    assert err == pytest.approx(pca_error, rel=0.02)
    # the code spans PCA's principal subspace: projecting the codes' span onto it is exact
    Z = ae.transform(X) - ae.transform(X).mean(0)
    P = pca.transform(X)
    coef, *_ = np.linalg.lstsq(Z, P, rcond=None)
    assert np.abs(Z @ coef - P).max() < 0.05 * np.abs(P).max()


def test_reconstruction_error_is_the_mean_squared_distance():
    X = _low_rank(n=50)
    ae = _quiet(Autoencoder((2,), "tanh", max_iter=5, random_state=0), X)
    expected = np.mean((X - ae.predict(X)) ** 2, axis=1)
    np.testing.assert_allclose(ae.reconstruction_error(X), expected, rtol=1e-12)
    assert ae.score(X) == pytest.approx(-expected.mean())
    np.testing.assert_allclose(ae.inverse_transform(ae.transform(X)), ae.predict(X), atol=1e-12)


# ---------------------------------------------------------------------- gradients
@pytest.mark.parametrize("out", ["identity", "sigmoid"])
def test_loss_gradient_wrt_parameters_matches_finite_differences(out):
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(6, 4))
    ae = _quiet(Autoencoder((3, 2), "tanh", out, max_iter=1, random_state=0), X)
    model = ae.model_.double()
    linears = [m for m in model if isinstance(m, nn.Linear)]
    params = [p.numpy() for m in linears for p in (m.weight, m.bias)]

    def loss(*leaves):
        for i, m in enumerate(linears):  # run the model with the leaves as its parameters
            for name, leaf in zip(("weight", "bias"), leaves[2 * i : 2 * i + 2]):
                m._parameters[name] = leaf
                object.__setattr__(m, name, leaf)
        return ae._loss(model(Tensor._make(X, None)), Tensor._make(X, None))

    assert gradcheck(loss, params, atol=1e-7, rtol=1e-5)


def test_training_step_gradient_equals_the_graph_gradient():
    """The chain of primitives that trains the network gives backward()'s gradients."""
    from rosenblatt.train.fast import Chain

    X = np.random.default_rng(1).uniform(size=(7, 5))
    ae = _quiet(Autoencoder((4, 2), "relu", "sigmoid", max_iter=1, random_state=0), X)
    model = ae.model_.double()
    chain = Chain.build(model, ae._loss, X)
    params = chain.params
    grads = {id(p): np.zeros(p.numpy().shape) for p in params}
    value, _ = chain.step(X, X, [grads[id(p)] for p in params])
    loss = ae._loss(model(Tensor._make(X, None)), Tensor._make(X, None))
    loss.backward()
    assert value == pytest.approx(float(loss.numpy()), rel=1e-12)
    for p in params:
        np.testing.assert_allclose(grads[id(p)], p.grad, rtol=1e-10, atol=1e-14)


# ---------------------------------------------------------------------- denoising
@pytest.mark.parametrize("noise_type, noise", [("gaussian", 0.3), ("masking", 0.25)])
def test_denoising_autoencoder_removes_the_noise(noise_type, noise):
    rng = np.random.default_rng(0)
    X = _low_rank(n=600, rank=2, d=12, noise=0.0)
    dae = Autoencoder(
        (2,),
        "identity",
        noise=noise,
        noise_type=noise_type,
        learning_rate_init=1e-2,
        max_iter=150,
        random_state=0,
    )
    _quiet(dae, X)
    assert isinstance(dae.model_[0], nn.Module) and dae.model_[0].training is False
    if noise_type == "gaussian":
        X_noisy = X + noise * rng.normal(size=X.shape)
    else:
        X_noisy = X * (rng.random(X.shape) >= noise)
    identity_error = np.mean((X_noisy - X) ** 2)
    denoised_error = np.mean((dae.predict(X_noisy) - X) ** 2)
    assert denoised_error < 0.5 * identity_error


def test_corruption_is_off_at_prediction_and_reproducible():
    X = _low_rank(n=80)
    a = _quiet(Autoencoder((3,), noise=0.2, max_iter=3, random_state=4), X)
    b = _quiet(Autoencoder((3,), noise=0.2, max_iter=3, random_state=4), X)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    np.testing.assert_array_equal(a.predict(X), a.predict(X))
    assert a.loss_curve_ == b.loss_curve_


# ---------------------------------------------------------------------- anomaly detection
@pytest.fixture(scope="module")
def detector_data():
    X_train = _manifold(1500, seed=0)
    normal = _manifold(500, seed=1)
    rng = np.random.default_rng(2)
    anomalies = rng.normal(size=(50, 10)) * normal.std(0) + normal.mean(0)  # off-manifold
    X_test = np.vstack([normal, anomalies])
    y_test = np.r_[np.zeros(500, int), np.ones(50, int)]
    det = AutoencoderAnomalyDetector(
        (16, 2), "tanh", contamination=0.05, learning_rate_init=3e-3, max_iter=60,
        batch_size=64, random_state=0,
    )  # fmt: skip
    return _quiet(det, X_train), X_train, X_test, y_test


def test_detector_separates_anomalies(detector_data):
    det, _, X_test, y_test = detector_data
    fpr, tpr, thresholds, auc = det.roc(X_test, y_test)
    assert auc > 0.95
    assert auc == pytest.approx(roc_auc_score(y_test, det.anomaly_score(X_test)))
    ref = roc_curve(y_test, det.anomaly_score(X_test))
    for got, want in zip((fpr, tpr, thresholds), ref):
        np.testing.assert_array_equal(got, want)
    # scikit-learn's coding (-1 = outlier) gives the same curve
    assert det.roc(X_test, np.where(y_test == 1, -1, 1))[3] == auc


def test_contamination_flags_that_fraction_of_training_points(detector_data):
    det, X_train, _, _ = detector_data
    flagged = det.predict(X_train) == -1
    assert flagged.mean() == pytest.approx(0.05, abs=1 / len(X_train))
    d = det.anomaly_score(X_train)
    assert det.threshold_ == pytest.approx(np.quantile(d, 0.95))
    np.testing.assert_array_equal(flagged, d > det.threshold_)


def test_sign_conventions(detector_data):
    det, _, X_test, y_test = detector_data
    d = det.anomaly_score(X_test)
    np.testing.assert_allclose(det.score_samples(X_test), -d)
    np.testing.assert_allclose(det.decision_function(X_test), det.threshold_ - d)
    assert det.offset_ == -det.threshold_
    pred = det.predict(X_test)
    assert set(np.unique(pred)) == {-1, 1}
    np.testing.assert_array_equal(pred, np.where(d > det.threshold_, -1, 1))
    assert pred.dtype.kind == "i"


def test_rates_at_threshold(detector_data):
    det, _, X_test, y_test = detector_data
    d = det.anomaly_score(X_test)
    t = np.quantile(d[y_test == 0], 0.9)
    fpr, tpr = det.rates_at(t, X_test, y_test)
    assert fpr == pytest.approx(np.mean(d[y_test == 0] > t))
    assert fpr == pytest.approx(0.1, abs=0.01)
    assert tpr == pytest.approx(np.mean(d[y_test == 1] > t))
    assert tpr > 0.9
    assert det.rates_at(t, X_test, y_test == 1) == (fpr, tpr)  # booleans
    with pytest.raises(ValueError, match="1 = anomaly"):
        det.rates_at(t, X_test, y_test + 5)
    with pytest.raises(ValueError, match="labels"):
        det.rates_at(t, X_test, y_test[:-1])


def test_threshold_and_metrics():
    X = _low_rank(n=200)
    base = dict(hidden_layer_sizes=(3,), activation="identity", solver="lbfgs", random_state=0)
    mse = AutoencoderAnomalyDetector(threshold=0.01, **base).fit(X)
    assert mse.threshold_ == 0.01
    # threshold takes precedence over contamination
    assert (
        AutoencoderAnomalyDetector(threshold=0.01, contamination=0.3, **base).fit(X).threshold_
        == 0.01
    )
    sse = AutoencoderAnomalyDetector(metric="sse", **base).fit(X)
    euc = AutoencoderAnomalyDetector(metric="euclidean", **base).fit(X)
    d = mse.anomaly_score(X)
    np.testing.assert_allclose(d, mse.reconstruction_error(X))
    np.testing.assert_allclose(sse.anomaly_score(X), d * X.shape[1], rtol=1e-10)
    np.testing.assert_allclose(euc.anomaly_score(X), np.sqrt(d * X.shape[1]), rtol=1e-10)
    # no threshold, no contamination: every training sample is normal
    none = AutoencoderAnomalyDetector(contamination=None, **base).fit(X)
    assert none.threshold_ == pytest.approx(none.anomaly_score(X).max())
    assert (none.predict(X) == 1).all()


# ---------------------------------------------------------------------- estimator API
def test_mirrored_architecture_of_the_deck():
    X = np.random.default_rng(0).uniform(size=(40, 30))
    ae = _quiet(Autoencoder(output_activation="sigmoid", max_iter=1, random_state=0), X)
    sizes = [(m.in_features, m.out_features) for m in ae.model_ if isinstance(m, nn.Linear)]
    assert sizes == [(30, 100), (100, 100), (100, 15), (15, 100), (100, 100), (100, 30)]
    assert isinstance(ae.model_[-1], nn.Sigmoid)
    assert ae.transform(X).shape == (40, 15)
    assert ae.inverse_transform(np.zeros((2, 15))).shape == (2, 30)
    out = ae.predict(X)
    assert ((out > 0) & (out < 1)).all()
    assert list(ae.get_feature_names_out()) == [f"autoencoder{i}" for i in range(15)]
    with pytest.raises(ValueError, match="the code has 15"):
        ae.inverse_transform(np.zeros((2, 3)))


def test_per_layer_activations_are_mirrored():
    X = _low_rank(n=30)
    ae = _quiet(Autoencoder((6, 2), ["tanh", "relu"], max_iter=1, random_state=0), X)
    acts = [type(m).__name__ for m in ae.model_ if not isinstance(m, nn.Linear)]
    assert acts == ["Tanh", "ReLU", "Tanh"]
    assert [type(m).__name__ for m in ae.encoder_] == ["Linear", "Tanh", "Linear", "ReLU"]
    assert [type(m).__name__ for m in ae.decoder_] == ["Linear", "Tanh", "Linear"]


def test_params_clone_and_reproducibility():
    ae = Autoencoder((5, 2), "tanh", noise=0.1, max_iter=7, random_state=3)
    params = ae.get_params()
    assert params["hidden_layer_sizes"] == (5, 2) and params["noise"] == 0.1
    assert ae.set_params(max_iter=4) is ae and ae.max_iter == 4
    twin = clone(ae)
    assert twin.get_params() == ae.get_params() and not hasattr(twin, "model_")
    X = _low_rank(n=60)
    np.testing.assert_array_equal(_quiet(ae, X).predict(X), _quiet(twin, X).predict(X))
    det = AutoencoderAnomalyDetector(contamination=0.2, metric="sse")
    assert clone(det).get_params()["contamination"] == 0.2
    assert det.set_params(threshold=0.5).threshold == 0.5


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"output_activation": "softmax"}, "output_activation"),
        ({"noise": -1.0}, "noise"),
        ({"noise": 1.0, "noise_type": "masking"}, "masking probability"),
        ({"noise_type": "salt"}, "noise_type"),
        ({"noise": 0.1, "solver": "lbfgs"}, "stochastic solver"),
        ({"activation": ["tanh"]}, "one per encoder layer"),
    ],
)
def test_bad_parameters_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Autoencoder((4, 2), **kwargs).fit(_low_rank(n=20))


@pytest.mark.parametrize(
    "kwargs, match",
    [({"contamination": 0.7}, "contamination"), ({"metric": "l1"}, "metric")],
)
def test_bad_detector_parameters_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        AutoencoderAnomalyDetector((2,), **kwargs).fit(_low_rank(n=20))


def test_roc_needs_both_classes(detector_data):
    det, _, X_test, _ = detector_data
    with pytest.raises(ValueError, match="both"):
        det.roc(X_test, np.zeros(len(X_test)))


@parametrize_with_checks(
    [Autoencoder((8, 2), max_iter=50), AutoencoderAnomalyDetector((8, 2), max_iter=50)]
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_fraud_example_runs(tmp_path, capsys):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "examples" / "fraud_autoencoder.py"
    spec = importlib.util.spec_from_file_location("fraud_autoencoder", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    roc = tmp_path / "roc.png"
    results = module.main(["--n", "6000", "--epochs", "3", "--roc", str(roc)])
    out = capsys.readouterr().out
    assert "false positive rate" in out and "ROC AUC" in out
    assert roc.stat().st_size > 0
    assert results["fpr@0.1"] == pytest.approx(0.1, abs=0.01)
    assert 0.5 < results["auc"] <= 1.0
