"""Preprocessor: equals scikit-learn's transformers and round-trips through JSON exactly."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.preprocessing import LabelEncoder, MinMaxScaler, OneHotEncoder, StandardScaler

from rosenblatt.preprocessing import SCALINGS, Preprocessor, make_scaler

SKLEARN = {"standard": StandardScaler, "minmax": MinMaxScaler}


def _data(dtype=np.float32) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = (rng.normal(size=(40, 5)) * [1, 10, 0.1, 100, 3] + [0, 5, -2, 1000, 0]).astype(dtype)
    X[:, 4] = 7.0  # a constant feature: std 0, range 0
    return X, rng.integers(0, 3, size=40)


@pytest.mark.parametrize("scaling", ["standard", "minmax"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_transform_equals_sklearn_fitted_on_train_only(scaling: str, dtype) -> None:
    X, y = _data(dtype)
    train, test = X[:30], X[30:]
    pre = Preprocessor(scaling).fit(train, y[:30])
    ref = SKLEARN[scaling]().fit(train)
    for part in (train, test):
        out = pre.transform(part)
        assert out.dtype == dtype
        np.testing.assert_array_equal(out, ref.transform(part))
    if scaling == "standard":
        np.testing.assert_allclose(pre.transform(train).mean(0)[:4], 0, atol=1e-5)


def test_none_is_identity_and_ints_become_float32() -> None:
    X = np.arange(12).reshape(4, 3)
    out = Preprocessor("none").fit(X).transform(X)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, X)


@pytest.mark.parametrize("scaling", SCALINGS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_json_round_trip_is_exact(scaling: str, dtype) -> None:
    X, y = _data(dtype)
    pre = Preprocessor(scaling, feature_names=[f"f{i}" for i in range(5)]).fit(X[:30], y[:30])
    text = pre.to_json()
    parsed = json.loads(text)  # plain JSON: numbers, strings, lists
    assert parsed["classes"] == [0, 1, 2] and parsed["scaling"] == scaling
    back = Preprocessor.from_json(text)
    np.testing.assert_array_equal(back.transform(X[30:]), pre.transform(X[30:]))
    assert back.transform(X[30:]).dtype == dtype
    assert back.feature_names_ == pre.feature_names_ and back.n_features_in_ == 5
    np.testing.assert_array_equal(back.classes_, pre.classes_)
    assert back.to_json() == text


def test_labels_equal_label_encoder_and_one_hot() -> None:
    y = np.array(["virginica", "setosa", "versicolor", "setosa"])
    X = np.zeros((4, 2))
    pre = Preprocessor().fit(X, y)
    enc = LabelEncoder().fit(y)
    np.testing.assert_array_equal(pre.classes_, enc.classes_)
    idx = pre.transform_labels(y)
    assert idx.dtype == np.int64
    np.testing.assert_array_equal(idx, enc.transform(y))
    np.testing.assert_array_equal(pre.inverse_transform_labels(idx), y)
    oh = OneHotEncoder(sparse_output=False).fit(y.reshape(-1, 1)).transform(y.reshape(-1, 1))
    np.testing.assert_array_equal(pre.one_hot(y), oh)
    assert pre.one_hot(y).dtype == np.float32
    back = Preprocessor.from_json(pre.to_json())
    np.testing.assert_array_equal(back.inverse_transform_labels([2, 0]), ["virginica", "setosa"])
    np.testing.assert_array_equal(back.transform_labels(y), idx)


def test_signed_and_float_labels_round_trip() -> None:
    X = np.zeros((4, 2))
    pre = Preprocessor("none").fit(X, [-1, 1, 1, -1])
    back = Preprocessor.from_json(pre.to_json())
    assert back.classes_.dtype == np.int64
    np.testing.assert_array_equal(back.transform_labels([1, -1]), [1, 0])
    np.testing.assert_array_equal(back.inverse_transform_labels(np.array([0, 1])), [-1, 1])
    pre = Preprocessor("none").fit(X, [0.0, 1.0, 1.0, 0.0])
    assert Preprocessor.from_json(pre.to_json()).classes_.dtype == np.float64


def test_unknown_labels_and_indices_are_named() -> None:
    pre = Preprocessor().fit(np.zeros((3, 1)), ["a", "b", "a"])
    with pytest.raises(
        ValueError, match=r"y contains 1 label outside the classes \['a', 'b'\]: \['z'\]"
    ):
        pre.transform_labels(["a", "z"])
    with pytest.raises(
        ValueError, match=r"class indices contains 1 label outside the classes 0..1: \[2\]"
    ):
        pre.inverse_transform_labels([0, 2])


def test_regression_target_scaling_equals_sklearn_and_inverts() -> None:
    X, _ = _data()
    y = np.linspace(25, 346, 40).astype(np.float32)
    pre = Preprocessor("standard", task="regression", target_scaling="standard").fit(X, y)
    ref = StandardScaler().fit(y.reshape(-1, 1).astype(np.float64))
    t = pre.transform_targets(y)
    assert t.shape == y.shape and t.dtype == np.float32
    np.testing.assert_allclose(
        t, ref.transform(y.reshape(-1, 1).astype(np.float64))[:, 0], rtol=1e-6
    )
    np.testing.assert_allclose(pre.inverse_transform_targets(t), y, rtol=1e-6)
    back = Preprocessor.from_json(pre.to_json())
    np.testing.assert_array_equal(back.transform_targets(y), t)
    assert back.classes_ is None


def test_bad_input_errors() -> None:
    with pytest.raises(
        ValueError, match=r"unknown scaling 'robust'; allowed: 'standard', 'minmax', 'none'"
    ):
        Preprocessor("robust")
    with pytest.raises(ValueError, match="unknown scaling"):
        make_scaler("zscore")
    with pytest.raises(ValueError, match="unknown task"):
        Preprocessor(task="clustering")
    pre = Preprocessor()
    with pytest.raises(ValueError, match="not fitted"):
        pre.transform(np.zeros((2, 3)))
    pre.fit(np.ones((5, 3)))
    with pytest.raises(ValueError, match=r"fitted on 3 features, X has 4"):
        pre.transform(np.zeros((2, 4)))
    X = np.zeros((3, 3))
    X[1, 2] = np.nan
    with pytest.raises(
        ValueError,
        match=r"X contains 1 non-finite value \(1 NaN, 0 inf\) in column 2 at rows \[1\]",
    ):
        pre.transform(X)
    with pytest.raises(ValueError, match="no classes"):
        pre.transform_labels([0])


@pytest.mark.parametrize(
    "mutate,match",
    [
        (lambda d: d.pop("scaler"), "missing keys"),
        (lambda d: d.update(extra=1), "unexpected keys"),
        (lambda d: d["scaler"].update(mean=[0.0]), "list of 5 finite numbers"),
        (lambda d: d["scaler"].update(type="RobustScaler"), "StandardScaler"),
        (lambda d: d["scaler"].update(dtype="object"), "dtype"),
        (lambda d: d.update(scaling="minmax"), "does not match"),
        (lambda d: d.update(classes=[1, "a"]), "one type"),
        (lambda d: d.update(classes=[2, 1]), "sorted"),
        (lambda d: d.update(feature_names=["a"]), "feature_names"),
        (lambda d: d.update(version=99), "version"),
        (lambda d: d["scaler"].update(n_samples_seen=-1), "non-negative"),
    ],
)
def test_from_dict_rejects_malformed(mutate, match: str) -> None:
    X, y = _data()
    d = Preprocessor(feature_names=list("abcde")).fit(X, y).to_dict()
    mutate(d)
    with pytest.raises(ValueError, match=match):
        Preprocessor.from_dict(d)


def test_from_json_rejects_bad_json() -> None:
    with pytest.raises(ValueError, match="not valid JSON"):
        Preprocessor.from_json("{not json")
    X, y = _data()
    text = Preprocessor().fit(X, y).to_json().replace("[", "[NaN, ", 1)
    with pytest.raises(ValueError, match="NaN"):
        Preprocessor.from_json(text)
    with pytest.raises(ValueError, match="JSON object"):
        Preprocessor.from_json("[1, 2]")
