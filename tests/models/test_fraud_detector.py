"""The EDSF deck's fraud workflow on the data a user has (raw Time in seconds, Amount in
currency): the min-max scaling inside the detector (against scikit-learn's scalers), the
deck's distance and batch-sum loss, the same detector from raw and from pre-scaled rows,
and an AUC within 0.01 of a 15-component PCA reconstruction baseline on both."""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import MinMaxScaler, StandardScaler

import rosenblatt as rb
from rosenblatt.models import AutoencoderAnomalyDetector
from rosenblatt.models._input_scaling import InputScaler
from rosenblatt.models.fraud import DECK_THRESHOLDS, FraudDetector

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fraud_autoencoder.py"


def _example():
    spec = importlib.util.spec_from_file_location("fraud_autoencoder", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def split():
    """The example's generated credit-card-like table, 3 % frauds so the AUC is stable:
    train on half of the normal rows, test on the other half and every fraud."""
    X, y = _example().make_creditcard_like(5000, fraud_rate=0.03, seed=0)
    rng = np.random.default_rng(0)
    normal = rng.permutation(np.flatnonzero(y == 0))
    train = normal[: len(normal) // 2]
    test = np.r_[normal[len(normal) // 2 :], np.flatnonzero(y)]
    return X[train].astype(np.float64), X[test].astype(np.float64), y[test]


@pytest.fixture(scope="module")
def detectors(split):
    """One detector fitted on the raw rows, one on rows min-max scaled beforehand."""
    X_train, X_test, y_test = split
    pre = MinMaxScaler().fit(X_train)
    fitted = {}
    for name, (A, B) in {
        "raw": (X_train, X_test),
        "scaled": (pre.transform(X_train), pre.transform(X_test)),
    }.items():
        det = FraudDetector(batch_size=128, max_iter=40, learning_rate_init=3e-3, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the fixed epoch budget ends at max_iter
            det.fit(A)
        fitted[name] = (det, A, B)
    return fitted


# ---------------------------------------------------------------- the scaling helper
@pytest.mark.parametrize(
    "kind, reference", [("minmax", MinMaxScaler), ("standard", StandardScaler)]
)
def test_input_scaler_equals_scikit_learn(kind, reference):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 4)) * [1, 100, 1e4, 1] + [0, 5, -3, 7]
    X[:, 3] = 7.0  # a constant feature: divided by 1, as scikit-learn does
    ours = InputScaler(kind).fit(X)
    theirs = reference().fit(X)
    Z = rng.normal(size=(5, 4)) * 50
    np.testing.assert_allclose(ours.transform(Z), theirs.transform(Z), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours.inverse_transform(ours.transform(Z)), Z, rtol=1e-12)
    again = InputScaler.from_dict(ours.to_dict())
    np.testing.assert_array_equal(again.transform(Z), ours.transform(Z))
    assert InputScaler("none").fit(X).transform(Z).tolist() == Z.tolist()


def test_input_scaler_refuses_bad_input():
    with pytest.raises(ValueError, match="scaling must be one of"):
        InputScaler("robust")
    with pytest.raises(ValueError, match="NaN"):
        InputScaler().fit([[1.0, np.nan]])
    with pytest.raises(ValueError, match="fitted on 2"):
        InputScaler().fit([[0.0, 1.0], [1.0, 2.0]]).transform([[1.0, 2.0, 3.0]])
    with pytest.raises(ValueError, match="scale > 0"):
        InputScaler.from_dict({"kind": "minmax", "shift": [0.0], "scale": [0.0]})


# ---------------------------------------------------------------- the deck's workflow
def test_the_decks_defaults():
    det = FraudDetector()
    assert det.hidden_layer_sizes == (100, 100, 15) and det.scaling == "minmax"
    assert det.batch_size == 2048 and det.max_iter == 500 and det.metric == "sse"
    assert det.threshold == 0.20 and DECK_THRESHOLDS == (0.20, 0.55)


def test_batch_loss_is_the_decks_sum_of_distances():
    """loss = sum_{i in batch} ||x_i - x_hat_i||^2."""
    rng = np.random.default_rng(2)
    x, x_hat = rng.normal(size=(7, 5)), rng.normal(size=(7, 5))
    loss = FraudDetector()._loss(rb.tensor(x_hat), rb.tensor(x))
    assert loss.item() == pytest.approx(((x - x_hat) ** 2).sum(axis=1).sum(), rel=1e-12)


def test_distance_is_the_squared_norm_on_the_scaled_features(detectors):
    det, A, B = detectors["raw"]
    assert det.scaler_.kind == "minmax"
    np.testing.assert_allclose(det.scaler_.shift_, A.min(axis=0))
    np.testing.assert_allclose(det.scaler_.scale_, A.max(axis=0) - A.min(axis=0))
    x_scaled = det.scaler_.transform(B[:20])
    x_hat_scaled = det.scaler_.transform(det.reconstruct(B[:20]))  # reconstruct: raw units
    d = ((x_scaled - x_hat_scaled) ** 2).sum(axis=1)  # not divided by the 30 features
    np.testing.assert_allclose(det.anomaly_score(B[:20]), d, rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(det.reconstruction_error(B[:20]), d / 30, rtol=1e-6, atol=1e-12)


def test_raw_and_prescaled_rows_give_the_same_detector(detectors):
    raw, _, B_raw = detectors["raw"]
    scaled, _, B_scaled = detectors["scaled"]
    np.testing.assert_allclose(
        raw.anomaly_score(B_raw), scaled.anomaly_score(B_scaled), rtol=1e-3, atol=1e-7
    )


@pytest.mark.parametrize("data", ["raw", "scaled"])
def test_auc_is_within_0_01_of_a_15_component_pca(detectors, split, data):
    det, A, B = detectors[data]
    y = split[2]
    pca = PCA(n_components=15).fit(A)  # the baseline sees the same rows as the detector
    pca_distance = ((B - pca.inverse_transform(pca.transform(B))) ** 2).sum(axis=1)
    baseline = roc_auc_score(y, pca_distance)
    fpr, tpr, thresholds, auc = det.roc(B, y)
    assert auc == pytest.approx(roc_auc_score(y, det.anomaly_score(B)), rel=1e-12)
    assert baseline > 0.99
    assert abs(auc - baseline) <= 0.01, (auc, baseline)


def test_rates_at_the_decks_thresholds(detectors, split):
    det, _, B = detectors["raw"]
    y = split[2]
    d = det.anomaly_score(B)
    rates = det.deck_rates(B, y)
    assert list(rates) == [0.20, 0.55]
    for t, (fpr, tpr) in rates.items():  # FPR: normal -> fraud; TPR: fraud -> fraud
        assert fpr == pytest.approx(np.mean(d[y == 0] > t))
        assert tpr == pytest.approx(np.mean(d[y == 1] > t))
    assert rates[0.55][0] <= rates[0.20][0] and rates[0.55][1] <= rates[0.20][1]
    # predict flags d > threshold_ = 0.20 (the deck's first slide)
    np.testing.assert_array_equal(det.predict(B) == -1, d > 0.20)


def test_every_autoencoder_detector_scales_inside():
    """The plain AutoencoderAnomalyDetector too: min-max by default, raw = pre-scaled."""
    rng = np.random.default_rng(5)
    raw = rng.normal(size=(200, 2)) @ rng.normal(size=(2, 4)) * [1.0, 1e3, 1e-2, 1.0] + 50
    pre = MinMaxScaler().fit_transform(raw)
    kw = dict(hidden_layer_sizes=(2,), activation="identity", solver="lbfgs", random_state=0)
    a = AutoencoderAnomalyDetector(**kw).fit(raw)
    b = AutoencoderAnomalyDetector(**kw).fit(pre)
    assert a.scaling == "minmax" and a.scaler_.kind == "minmax"
    np.testing.assert_allclose(a.anomaly_score(raw), b.anomaly_score(pre), rtol=1e-4, atol=1e-9)
    np.testing.assert_allclose(
        a.reconstruct(raw)[:, 1],
        b.reconstruct(pre)[:, 1] * np.ptp(raw[:, 1]) + raw[:, 1].min(),
        rtol=1e-5,
    )
    none = AutoencoderAnomalyDetector(scaling="none", **kw).fit(raw)
    np.testing.assert_array_equal(none.scaler_.transform(raw), raw)
    with pytest.raises(ValueError, match="scaling"):
        AutoencoderAnomalyDetector(scaling="robust", **kw).fit(raw)


def test_the_example_runs_the_workflow(capsys, tmp_path):
    results = _example().main(
        ["--n", "3000", "--epochs", "3", "--batch-size", "256", "--roc", str(tmp_path / "roc.png")]
    )
    out = capsys.readouterr().out
    assert "d > 0.2" in out and "d > 0.55" in out and "PCA" in out and "AUC" in out
    assert {"auc", "pca_auc"} <= set(results) and (tmp_path / "roc.png").exists()
