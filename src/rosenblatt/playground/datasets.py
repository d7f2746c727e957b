"""The playground's data: six generated 2-D problems and the seven input features.

Every generator draws ``n`` points (x1, x2) in the square [-6, 6]^2 from its own
``numpy.random.Generator`` (never rosenblatt's global one, which belongs to training) and
returns ``(points, labels)``:

==============  ===============  ============================================================
name            task             how the points and labels are made
==============  ===============  ============================================================
circle          classification   k rings around the origin, class c at radius in
                                 [5c/k, 5(c+1)/k) with a small gap between rings
xor             classification   uniform in the square away from the axes; 2 classes: sign of
                                 x1 x2, 4 classes: the quadrant
gaussian        classification   k Gaussian clusters on a circle of radius 3 (k = 2: at
                                 (2, 2) and (-2, -2)); the noise widens them
spiral          classification   k interleaved arms, r = 5t, angle = 2 pi (1.25 t + c/k)
plane           regression       y = (x1 + x2) / 12, in [-1, 1]
multigaussian   regression       y = sum of six signed Gaussian bumps, clipped to [-1, 1]
==============  ===============  ============================================================

``noise`` is a percentage (0-50, as on TensorFlow Playground's slider): classification
points move by Gaussian noise of standard deviation ``noise/100 * 2.5`` (so noisy points
cross the boundary), regression targets get noise of standard deviation ``noise/100``.

The features are functions of (x1, x2); :func:`features` computes any subset of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

__all__ = ["CLASSIFICATION", "FEATURES", "REGRESSION", "features", "generate"]

RADIUS = 6.0  # the plane shown on the page is [-RADIUS, RADIUS]^2

Points = tuple[np.ndarray, np.ndarray]  # (points (n, 2), labels or targets (n,))
Generator = Callable[[int, float, int, np.random.Generator], Points]


def _shift(points: np.ndarray, noise: float, rng: np.random.Generator) -> np.ndarray:
    """Move the points by N(0, (noise * 2.5)^2) in both coordinates, kept in the square."""
    if noise > 0:
        points = points + rng.normal(scale=noise * 2.5, size=points.shape)
    return np.clip(points, -RADIUS, RADIUS)


def circle(n: int, noise: float, k: int, rng: np.random.Generator) -> Points:
    """k concentric rings; class c lies at radius [5c/k + gap, 5(c+1)/k], gap = 0.3 * 5/k."""
    labels = rng.integers(0, k, size=n)
    width = 5.0 / k
    gap = 0.3 * width * (labels > 0)
    r = labels * width + gap + rng.uniform(0.0, 1.0, size=n) * (width - gap)
    angle = rng.uniform(0.0, 2 * np.pi, size=n)
    points = np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1)
    return _shift(points, noise, rng), labels


def xor(n: int, noise: float, k: int, rng: np.random.Generator) -> Points:
    """Uniform points at least 0.3 away from the axes; the label is sign(x1 x2) (k = 2) or
    the quadrant 0..3 (k = 4)."""
    magnitude = rng.uniform(0.3, 5.0, size=(n, 2))
    points = magnitude * rng.choice([-1.0, 1.0], size=(n, 2))
    right, top = points[:, 0] > 0, points[:, 1] > 0
    if k == 2:
        labels = (right == top).astype(np.int64)
    else:  # quadrants I..IV counter-clockwise: 0 (+, +), 1 (-, +), 2 (-, -), 3 (+, -)
        labels = np.where(top, np.where(right, 0, 1), np.where(right, 3, 2))
    return _shift(points, noise, rng), labels


def gaussian(n: int, noise: float, k: int, rng: np.random.Generator) -> Points:
    """k clusters of standard deviation 1 + 3 * noise around centres on a circle."""
    labels = rng.integers(0, k, size=n)
    angle = np.pi / 4 + 2 * np.pi * labels / k
    radius = 2 * np.sqrt(2)
    centres = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    points = centres + rng.normal(scale=1.0 + 3.0 * noise, size=(n, 2))
    return np.clip(points, -RADIUS, RADIUS), labels


def spiral(n: int, noise: float, k: int, rng: np.random.Generator) -> Points:
    """k arms: t uniform in [0, 1], r = 5t, angle = 2 pi (1.25 t + c/k)."""
    labels = rng.integers(0, k, size=n)
    t = rng.uniform(0.0, 1.0, size=n)
    angle = 2 * np.pi * (1.25 * t + labels / k)
    points = np.stack([5 * t * np.cos(angle), 5 * t * np.sin(angle)], axis=1)
    return _shift(points, noise, rng), labels


def _uniform(n: int, rng: np.random.Generator) -> np.ndarray:
    return rng.uniform(-RADIUS, RADIUS, size=(n, 2))


def plane(n: int, noise: float, k: int, rng: np.random.Generator) -> Points:
    """y = (x1 + x2) / 12 (+ noise): a linear target in [-1, 1]."""
    points = _uniform(n, rng)
    y = points.sum(axis=1) / (2 * RADIUS)
    return points, y + rng.normal(scale=noise, size=n)


# (centre x1, centre x2, sign) of the bumps of "multigaussian"
_BUMPS = [
    (-3.5, 2.5, 1),
    (0.0, 2.5, -1),
    (3.5, 2.5, 1),
    (-3.5, -2.5, -1),
    (0.0, -2.5, 1),
    (3.5, -2.5, -1),
]


def multigaussian(n: int, noise: float, k: int, rng: np.random.Generator) -> Points:
    """y = sum_b sign_b exp(-|x - c_b|^2 / 2), clipped to [-1, 1] (+ noise)."""
    points = _uniform(n, rng)
    y = np.zeros(n)
    for cx, cy, sign in _BUMPS:
        y += sign * np.exp(-((points[:, 0] - cx) ** 2 + (points[:, 1] - cy) ** 2) / 2)
    y = np.clip(y, -1.0, 1.0)
    return points, y + rng.normal(scale=noise, size=n)


CLASSIFICATION: dict[str, Generator] = {
    "circle": circle,
    "xor": xor,
    "gaussian": gaussian,
    "spiral": spiral,
}
REGRESSION: dict[str, Generator] = {"plane": plane, "multigaussian": multigaussian}


def generate(
    name: str, n: int, noise: float, classes: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Points (n, 2) float64 and labels (int64 classes or float64 targets) of a data set.

    Parameters
    ----------
    name : str
        A key of CLASSIFICATION or REGRESSION.
    n : int
        Number of points.
    noise : float
        Percent, 0-50.
    classes : int
        Number of classes (classification only).
    seed : int
        Seeds the data's own generator: same seed, same points.
    """
    rng = np.random.default_rng([seed, 2016])  # not rosenblatt's global training generator
    make = CLASSIFICATION.get(name) or REGRESSION[name]
    points, labels = make(n, noise / 100.0, classes, rng)
    return np.asarray(points, dtype=np.float64), np.asarray(labels)


# feature id -> (column name in the data CSV, formula on (x1, x2))
FEATURES: dict[str, tuple[str, Callable[[np.ndarray, np.ndarray], np.ndarray]]] = {
    "x1": ("x1", lambda a, b: a),
    "x2": ("x2", lambda a, b: b),
    "x1sq": ("x1^2", lambda a, b: a * a),
    "x2sq": ("x2^2", lambda a, b: b * b),
    "x1x2": ("x1*x2", lambda a, b: a * b),
    "sinx1": ("sin(x1)", lambda a, b: np.sin(a)),
    "sinx2": ("sin(x2)", lambda a, b: np.sin(b)),
}


def features(points: np.ndarray, ids: Sequence[str]) -> np.ndarray:
    """The columns ``ids`` (keys of FEATURES) of points (n, 2): shape (n, len(ids)).

    >>> features(np.array([[2.0, 3.0]]), ["x1x2", "x1sq"])
    array([[6., 4.]])
    """
    a, b = points[:, 0], points[:, 1]
    return np.stack([FEATURES[f][1](a, b) for f in ids], axis=1)
