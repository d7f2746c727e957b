"""The playground's generated data sets: each label follows its rule, a seed reproduces."""

from __future__ import annotations

import numpy as np
import pytest

from rosenblatt.playground.datasets import FEATURES, RADIUS, features, generate


@pytest.mark.parametrize("k", [2, 3, 5])
def test_circle_classes_are_rings(k):
    points, labels = generate("circle", 600, 0, k, seed=1)
    r = np.hypot(points[:, 0], points[:, 1])
    width = 5.0 / k
    assert set(labels.tolist()) == set(range(k))
    assert np.all(r >= labels * width - 1e-12) and np.all(r <= (labels + 1) * width + 1e-12)
    assert np.all(r[labels > 0] >= labels[labels > 0] * width + 0.3 * width - 1e-12)  # gaps


def test_xor_labels_are_the_sign_of_the_product_or_the_quadrant():
    points, labels = generate("xor", 400, 0, 2, seed=2)
    np.testing.assert_array_equal(labels, (points[:, 0] * points[:, 1] > 0).astype(int))
    assert np.all(np.abs(points) >= 0.3)
    points, labels = generate("xor", 400, 0, 4, seed=2)
    quadrant = {(True, True): 0, (False, True): 1, (False, False): 2, (True, False): 3}
    expected = [quadrant[(a > 0, b > 0)] for a, b in points]
    np.testing.assert_array_equal(labels, expected)


def test_gaussian_clusters_sit_around_their_centres():
    points, labels = generate("gaussian", 2000, 0, 2, seed=3)
    np.testing.assert_allclose(points[labels == 0].mean(axis=0), [2, 2], atol=0.15)
    np.testing.assert_allclose(points[labels == 1].mean(axis=0), [-2, -2], atol=0.15)


def test_spiral_arms_wind_with_the_radius():
    points, labels = generate("spiral", 300, 0, 3, seed=4)
    t = np.hypot(points[:, 0], points[:, 1]) / 5
    angle = 2 * np.pi * (1.25 * t + labels / 3)
    np.testing.assert_allclose(
        points, 5 * t[:, None] * np.stack([np.cos(angle), np.sin(angle)], 1), atol=1e-9
    )


def test_regression_targets():
    points, y = generate("plane", 300, 0, 2, seed=5)
    np.testing.assert_allclose(y, points.sum(axis=1) / 12)
    points, y = generate("multigaussian", 300, 0, 2, seed=5)
    assert np.all(np.abs(y) <= 1) and y.max() > 0.5 and y.min() < -0.5
    _, noisy = generate("plane", 300, 30, 2, seed=5)
    assert 0.2 < np.std(noisy - points.sum(axis=1) / 12) < 0.4  # noise 30 %: sd 0.3


@pytest.mark.parametrize("name", ["circle", "xor", "gaussian", "spiral", "plane", "multigaussian"])
def test_a_seed_reproduces_and_the_square_holds_the_points(name):
    a = generate(name, 200, 25, 2, seed=6)
    b = generate(name, 200, 25, 2, seed=6)
    c = generate(name, 200, 25, 2, seed=7)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], c[0])
    assert np.all(np.abs(a[0]) <= RADIUS)


def test_features_are_their_formulas():
    p = np.array([[2.0, -3.0], [0.5, 0.25]])
    table = features(p, list(FEATURES))
    a, b = p[:, 0], p[:, 1]
    expected = np.stack([a, b, a * a, b * b, a * b, np.sin(a), np.sin(b)], axis=1)
    np.testing.assert_allclose(table, expected)
