"""The one weighting of rosenblatt (``train.objective``): w_i = sample_weight_i * c(y_i) with
Keras's class weights for rb.fit and scikit-learn's for the estimators, against
scikit-learn's compute_sample_weight and against repeating rows."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from sklearn.utils.class_weight import compute_sample_weight

from rosenblatt.models import LinearRegression, LogisticRegression
from rosenblatt.train.objective import estimator_weights, mean_one, sample_weights

LABELS = {
    "ints": np.array([0, 0, 0, 1, 1, 2, 2, 2, 2, 2]),
    "strings": np.array(["cat", "cat", "dog", "dog", "dog", "dog", "emu", "cat", "dog", "emu"]),
    "negative ints": np.array([-1, 1, 1, 1, -1, 1, 1, 1, 1, 1]),
}


@pytest.mark.parametrize("kind", LABELS)
@pytest.mark.parametrize("class_weight", ["balanced", "dict", "partial dict"])
def test_sklearn_class_weights_are_compute_sample_weight(kind, class_weight):
    y = LABELS[kind]
    classes = np.unique(y)
    if class_weight == "dict":
        class_weight = {c: 1.0 + i for i, c in enumerate(classes.tolist())}
    elif class_weight == "partial dict":  # a class it does not name weighs 1
        class_weight = {classes[0].item(): 4.0}
    ours = sample_weights(None, class_weight, y, len(y), convention="sklearn")
    np.testing.assert_allclose(ours, compute_sample_weight(class_weight, y), rtol=1e-15)


@pytest.mark.parametrize("kind", LABELS)
def test_balanced_with_integer_sample_weights_equals_repeating_the_rows(kind):
    """ "balanced" counts the samples by their weights: weight k is k copies of the row."""
    y = LABELS[kind]
    k = np.array([1, 3, 0, 2, 1, 1, 4, 2, 1, 1])
    ours = sample_weights(k.astype(float), "balanced", y, len(y), convention="sklearn")
    repeated = compute_sample_weight("balanced", np.repeat(y, k))
    np.testing.assert_allclose(np.repeat(ours / np.maximum(k, 1), k), repeated, rtol=1e-14)


def test_keras_class_weights_multiply_the_sample_weights():
    y = np.array([[0], [1], [1], [2]])  # (n, 1) class-index targets as rb.fit holds them
    s = np.array([1.0, 2.0, 0.5, 1.0])
    w = sample_weights(s, {0: 3.0, 1: 1.0, 2: 0.25}, y, 4)
    np.testing.assert_array_equal(w, [3.0, 2.0, 0.5, 0.25])
    np.testing.assert_array_equal(sample_weights(s, None, y, 4), s)


@pytest.mark.parametrize(
    "args, match",
    [
        ((None, {0: 1.0}, np.array([0, 1]), 2), "no weight for the classes \\[1\\]"),
        ((None, "balanced", np.array([0, 1]), 2), "dict"),
        ((None, {0: 1.0}, np.array([0.5, 1.0]), 2), "class-index"),
        ((np.ones(3), None, np.array([0, 1]), 2), "shape"),
        ((np.array([1.0, -1.0]), None, np.array([0, 1]), 2), ">= 0"),
        ((np.array([1.0, np.nan]), None, np.array([0, 1]), 2), "finite"),
        ((np.zeros(2), None, np.array([0, 1]), 2), "all zero"),
    ],
)
def test_keras_weights_refuse_what_keras_cannot_mean(args, match):
    with pytest.raises(ValueError, match=match):
        sample_weights(*args)


def test_the_conventions_differ_only_in_the_class_weights():
    with pytest.raises(ValueError, match="convention"):
        sample_weights(None, None, np.array([0, 1]), 2, convention="torch")
    y = np.array([0, 1, 1])
    cw = {0: 2.0, 1: 0.5}
    np.testing.assert_array_equal(
        sample_weights([1.0, 2.0, 3.0], cw, y, 3),
        sample_weights([1.0, 2.0, 3.0], cw, y, 3, convention="sklearn"),
    )


def test_estimator_weights_read_the_estimators_class_weight():
    X, y = np.zeros((5, 2)), np.array(["a", "b", "b", "b", "a"])
    assert estimator_weights(LogisticRegression(), None, X, y) is None
    assert estimator_weights(LinearRegression(), None, X) is None
    np.testing.assert_array_equal(estimator_weights(LinearRegression(), 2.0, X), np.full(5, 2.0))
    balanced = estimator_weights(LogisticRegression(class_weight="balanced"), [1, 1, 2, 1, 1], X, y)
    np.testing.assert_allclose(balanced, [1.5, 0.75, 1.5, 0.75, 1.5], rtol=1e-15)
    # scikit-learn's own estimator gets the same weights from the same parameters
    sk = SkLogisticRegression(class_weight="balanced")
    np.testing.assert_allclose(estimator_weights(sk, [1, 1, 2, 1, 1], X, y), balanced)


def test_estimator_weights_errors_name_the_estimator():
    X, y = np.zeros((3, 1)), np.array([0, 1, 1])
    with pytest.raises(ValueError, match="(?i)zero"):
        estimator_weights(LogisticRegression(), np.zeros(3), X, y)
    zero = LogisticRegression(class_weight={0: 0.0, 1: 0.0})
    with pytest.raises(ValueError, match="LogisticRegression: the sample weights are all zero"):
        estimator_weights(zero, None, X, y)
    with pytest.raises(ValueError, match="(?i)negative"):
        estimator_weights(LogisticRegression(), -np.ones(3), X, y)
    with pytest.raises(ValueError, match="LogisticRegression: The classes, \\[1\\]"):
        estimator_weights(LogisticRegression(class_weight={0: 1.0, 5: 2.0}), None, X, y)


def test_mean_one_turns_keras_normalisation_into_the_weighted_mean():
    rng = np.random.default_rng(0)
    w, losses = rng.uniform(0, 3, 7), rng.normal(size=7) ** 2
    m = mean_one(w)
    assert m.mean() == pytest.approx(1.0, rel=1e-15)
    assert np.sum(m * losses) / len(m) == pytest.approx(np.average(losses, weights=w), rel=1e-14)
    assert mean_one(None) is None
