"""Shared data and models for the training-loop tests."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler


@pytest.fixture(scope="session")
def digits():
    """sklearn digits, 80/20 stratified split, standardised on the training part (float32)."""
    X, y = load_digits(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, random_state=0, stratify=y)
    scaler = StandardScaler().fit(X_tr)
    f32 = lambda a: scaler.transform(a).astype(np.float32)  # noqa: E731
    return f32(X_tr), f32(X_te), y_tr.astype(np.int64), y_te.astype(np.int64)


@pytest.fixture
def blobs(rng):
    """A small 3-class problem: 120 samples, 4 features."""
    centers = rng.normal(0, 3, size=(3, 4))
    y = rng.integers(0, 3, 120)
    X = (centers[y] + rng.normal(size=(120, 4))).astype(np.float32)
    return X, y.astype(np.int64)
