"""Feature scaling that an estimator fits and keeps with itself, so raw rows can go in.

The EDSF deck's fraud detector pre-processes with min-max (its "Pre-processing : MinMAX"),
the Carrazza and KIT decks recommend standardisation or normalisation before gradient
descent. An estimator that holds its own :class:`InputScaler` (fitted on the training rows,
stored as arrays and as JSON with the model) gives the same answer on the raw table --
Time in seconds, Amount in currency, as a CSV arrives -- as on a pre-scaled one::

    "minmax"    x' = (x - min) / (max - min)     per feature, min and max of the training rows
    "standard"  x' = (x - mean) / std
    "none"      x' = x

A constant feature (max = min, or std = 0) is divided by 1 instead of 0, as scikit-learn's
scalers do.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["SCALINGS", "InputScaler"]

SCALINGS = ("minmax", "standard", "none")


class InputScaler:
    """x' = (x - shift) / scale per feature, fitted on the training rows.

    Parameters
    ----------
    kind : {"minmax", "standard", "none"}
        shift, scale = min, max - min (the deck's min-max); mean, std; or 0, 1.

    Attributes
    ----------
    shift_ : ndarray of shape (n_features,)
    scale_ : ndarray of shape (n_features,)

    Examples
    --------
    >>> import numpy as np
    >>> from rosenblatt.models._input_scaling import InputScaler
    >>> s = InputScaler("minmax").fit(np.array([[0.0, 10.0], [2.0, 30.0]]))
    >>> s.transform(np.array([[1.0, 20.0]]))
    array([[0.5, 0.5]])
    """

    def __init__(self, kind: str = "minmax") -> None:
        if kind not in SCALINGS:
            raise ValueError(f"scaling must be one of {SCALINGS}, got {kind!r}")
        self.kind = kind

    def fit(self, X: Any) -> InputScaler:
        """shift_ and scale_ from the rows of X (n_samples, n_features)."""
        X = self._rows(X)
        if self.kind == "minmax":
            shift, scale = X.min(axis=0), X.max(axis=0) - X.min(axis=0)
        elif self.kind == "standard":
            shift, scale = X.mean(axis=0), X.std(axis=0)
        else:
            shift, scale = np.zeros(X.shape[1]), np.ones(X.shape[1])
        self.shift_ = shift.astype(np.float64)
        self.scale_ = np.where(scale > 0, scale, 1.0).astype(np.float64)
        return self

    def transform(self, X: Any) -> np.ndarray:
        """x' = (x - shift_) / scale_ (float64)."""
        X = self._rows(X)
        if X.shape[1] != len(self.shift_):
            raise ValueError(
                f"X has {X.shape[1]} features, but the scaling was fitted on {len(self.shift_)}"
            )
        return (X - self.shift_) / self.scale_

    def inverse_transform(self, Xs: Any) -> np.ndarray:
        """x = x' scale_ + shift_."""
        return np.asarray(Xs, dtype=np.float64) * self.scale_ + self.shift_

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able description (kind, shift, scale) to store with the model."""
        return {"kind": self.kind, "shift": self.shift_.tolist(), "scale": self.scale_.tolist()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> InputScaler:
        """The scaler that :meth:`to_dict` described (checked: lengths and positive scales)."""
        scaler = cls(d["kind"])
        shift = np.asarray(d["shift"], dtype=np.float64)
        scale = np.asarray(d["scale"], dtype=np.float64)
        if shift.shape != scale.shape or shift.ndim != 1 or not np.all(scale > 0):
            raise ValueError(
                "InputScaler.from_dict: shift and scale must be equal-length, scale > 0"
            )
        scaler.shift_, scaler.scale_ = shift, scale
        return scaler

    @staticmethod
    def _rows(X: Any) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2:
            raise ValueError(f"expected a 2-D array (n_samples, n_features), got shape {X.shape}")
        if not np.all(np.isfinite(X)):
            bad = int((~np.isfinite(X)).sum())
            raise ValueError(f"X holds {bad} NaN or infinite values; clean them before scaling")
        return X
