"""Hyperplane geometry of a linear model (Matteucci deck, "Hyperplanes Linear Algebra" and
"Perceptron Math").

A linear unit w^T x + w_0 separates the input space by the hyperplane L: w_0 + w^T x = 0::

    w* = w / ||w||                          the versor normal to L
    x_0 = -w_0 w / ||w||^2                  the point of L nearest the origin (w^T x_0 = -w_0)
    d(x) = w*^T (x - x_0) = (w^T x + w_0) / ||w||     the signed distance of x from L
    in 2-D:  x_2 = -w_0 / w_2 - (w_1 / w_2) x_1       the decision boundary as a line

so the score w^T x + w_0 is ||w|| times the distance from the boundary, and the perceptron
criterion D = -sum over misclassified of t_i (w^T x_i + w_0) is ||w|| times the summed
distance of the misclassified points.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Hyperplane", "hyperplane"]


@dataclass(frozen=True)
class Hyperplane:
    """The hyperplane w_0 + w^T x = 0 of a linear unit.

    Attributes
    ----------
    w : ndarray of shape (n_features,)
        The weights (``coef_``).
    w0 : float
        The bias (``intercept_``).
    """

    w: np.ndarray
    w0: float

    @property
    def normal(self) -> np.ndarray:
        """w* = w / ||w||, the unit normal pointing to the side where the unit fires."""
        return self.w / np.linalg.norm(self.w)

    @property
    def point(self) -> np.ndarray:
        """x_0 = -w_0 w / ||w||^2: the point of the plane nearest the origin."""
        return -self.w0 * self.w / float(self.w @ self.w)

    @property
    def offset(self) -> float:
        """-w_0 / ||w||: the signed distance of the plane from the origin along w*."""
        return -self.w0 / float(np.linalg.norm(self.w))

    def signed_distance(self, X: Any) -> np.ndarray:
        """d(x) = (w^T x + w_0) / ||w|| for each row of X (positive on the firing side)."""
        X = np.asarray(X, dtype=np.float64)
        return (X @ self.w + self.w0) / float(np.linalg.norm(self.w))

    def project(self, X: Any) -> np.ndarray:
        """The foot of the perpendicular from each x onto the plane: x - d(x) w*."""
        X = np.asarray(X, dtype=np.float64)
        return X - np.outer(self.signed_distance(X), self.normal)

    def boundary_x2(self, x1: Any) -> np.ndarray:
        """x_2 = -w_0 / w_2 - (w_1 / w_2) x_1: the 2-D boundary as a function of x_1."""
        if self.w.shape != (2,):
            raise ValueError(f"boundary_x2 needs 2 features, the plane has {self.w.shape[0]}")
        if self.w[1] == 0:
            raise ValueError("boundary_x2: w_2 = 0, the boundary is the vertical line x_1 = "
                             f"{-self.w0 / self.w[0]:g}")  # fmt: skip
        w1, w2 = self.w
        return -self.w0 / w2 - (w1 / w2) * np.asarray(x1, dtype=np.float64)


def hyperplane(model: Any = None, *, coef: Any = None, intercept: float = 0.0) -> Hyperplane:
    """The hyperplane of a fitted linear model, or of given weights.

    Parameters
    ----------
    model : estimator, optional
        A fitted binary linear model with ``coef_`` and ``intercept_`` (rosenblatt's or
        scikit-learn's Perceptron, Adaline, LogisticRegression, ThresholdUnit ...).
    coef : array-like of shape (n_features,), optional
        w, when no model is given.
    intercept : float
        w_0, when no model is given.

    Returns
    -------
    Hyperplane

    Examples
    --------
    >>> from rosenblatt.models.geometry import hyperplane
    >>> plane = hyperplane(coef=[1.0, 1.0], intercept=-0.5)  # the deck's OR unit
    >>> float(plane.boundary_x2(0.0)), float(plane.boundary_x2(0.5))
    (0.5, 0.0)
    >>> plane.signed_distance([[0, 0], [1, 1]]).round(4)
    array([-0.3536,  1.0607])
    """
    if model is not None:
        coef = np.ravel(model.coef_)
        b = np.ravel(model.intercept_)
        if b.size != 1:
            raise ValueError("hyperplane: a model with one decision function (binary) is needed")
        intercept = float(b[0])
    w = np.asarray(coef, dtype=np.float64).ravel()
    if w.size == 0 or not np.any(w):
        raise ValueError("hyperplane: w must have a nonzero entry")
    return Hyperplane(w, float(intercept))
