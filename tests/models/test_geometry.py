"""Hyperplane geometry of linear models (Matteucci deck): the deck's OR boundary, signed
distances against scikit-learn's decision function and a projection onto the plane, and
the perceptron criterion as ||w|| times the distance of the misclassified points."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import Perceptron as SkPerceptron

import rosenblatt as rb
import rosenblatt.nn.functional as F
from rosenblatt.models import ThresholdUnit
from rosenblatt.models.geometry import hyperplane

BOOLEAN = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)


def test_the_decks_or_unit():
    """h_OR = -1/2 + x1 + x2: boundary x2 = 1/2 - x1, normal (1, 1)/sqrt 2."""
    unit = ThresholdUnit(weights=[1.0, 1.0], bias=-0.5).fit(BOOLEAN, [0, 1, 1, 1])
    plane = hyperplane(unit)
    x1 = np.linspace(-1, 2, 7)
    np.testing.assert_allclose(plane.boundary_x2(x1), 0.5 - x1)
    np.testing.assert_allclose(plane.normal, [2**-0.5, 2**-0.5])
    np.testing.assert_allclose(
        plane.signed_distance(BOOLEAN), np.array([-0.5, 0.5, 0.5, 1.5]) / 2**0.5
    )
    assert plane.offset == pytest.approx(0.5 / 2**0.5)
    np.testing.assert_allclose(plane.point, [0.25, 0.25])  # w^T x_0 = -w_0
    # the side of the plane is the unit's output
    np.testing.assert_array_equal(plane.signed_distance(BOOLEAN) > 0, unit.predict(BOOLEAN) == 1)
    # the deck's AND unit -2 + 3/2 x1 + x2: boundary x2 = 2 - 3/2 x1
    and_plane = hyperplane(coef=[1.5, 1.0], intercept=-2.0)
    np.testing.assert_allclose(and_plane.boundary_x2(x1), 2 - 1.5 * x1)


def test_signed_distance_is_the_decision_function_over_the_norm():
    X, y = make_classification(n_samples=60, n_features=4, n_redundant=0, random_state=2)
    model = SkPerceptron(random_state=0).fit(X, y)
    plane = hyperplane(model)
    w = model.coef_.ravel()
    np.testing.assert_allclose(
        plane.signed_distance(X), model.decision_function(X) / np.linalg.norm(w), rtol=1e-12
    )
    # x - d(x) w* lies on the plane, and is the nearest point of it: |x - p| = |d(x)|
    P = plane.project(X)
    np.testing.assert_allclose(P @ w + model.intercept_[0], 0.0, atol=1e-10)
    np.testing.assert_allclose(np.linalg.norm(X - P, axis=1), np.abs(plane.signed_distance(X)))
    # any two points of the plane differ by a vector orthogonal to w
    np.testing.assert_allclose((P[0] - P[1]) @ w, 0.0, atol=1e-10)


def test_perceptron_criterion_is_norm_times_distance_of_the_misclassified():
    """D(w, w0) = -sum_{i in M} t_i (w^T x_i + w0) = ||w|| sum_{i in M} |d(x_i)|."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 2))
    t = np.where(X[:, 0] + 0.3 * X[:, 1] > 0, 1.0, -1.0)
    w, w0 = np.array([0.4, 1.0]), 0.2  # a poor boundary: some points are misclassified
    plane = hyperplane(coef=w, intercept=w0)
    scores = rb.tensor(X @ w + w0, dtype="float64")
    D = float(F.perceptron_criterion(scores, rb.tensor(t, dtype="float64")))
    wrong = t * (X @ w + w0) <= 0
    assert wrong.sum() > 0
    assert D == pytest.approx(np.linalg.norm(w) * np.abs(plane.signed_distance(X[wrong])).sum())


def test_bad_planes_are_refused():
    with pytest.raises(ValueError, match="nonzero"):
        hyperplane(coef=[0.0, 0.0])
    with pytest.raises(ValueError, match="2 features"):
        hyperplane(coef=[1.0, 1.0, 1.0]).boundary_x2(0.0)
    with pytest.raises(ValueError, match="vertical"):
        hyperplane(coef=[1.0, 0.0], intercept=1.0).boundary_x2(0.0)
