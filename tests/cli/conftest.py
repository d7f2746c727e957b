"""Small data sets and recipes written by the tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest


@pytest.fixture
def labelled_csv(tmp_path) -> Path:
    """120 rows, features a, b, c and a text label: 'yes' where a + b > 0."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    df = pd.DataFrame(X, columns=["a", "b", "c"])
    df["label"] = np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")
    path = tmp_path / "train.csv"
    df.to_csv(path, index=False)
    return path


@pytest.fixture
def recipe_file(tmp_path, labelled_csv) -> Path:
    path = tmp_path / "small.toml"
    path.write_text(
        'name = "small"\n[data]\nsource = "train.csv"\ntarget = "label"\ntest_split = 0.25\n'
        'seed = 1\n[model]\nlayers = [8]\nactivation = "tanh"\n[optimizer]\nlr = 0.02\n'
        "[training]\nepochs = 30\nbatch_size = 16\n"
    )
    return path


@pytest.fixture
def regression_csv(tmp_path) -> Path:
    """y = 300 + 40 a - 25 b + noise: targets far from the unit scale."""
    rng = np.random.default_rng(2)
    X = rng.normal(size=(150, 2))
    df = pd.DataFrame(X, columns=["a", "b"])
    df["y"] = 300 + 40 * X[:, 0] - 25 * X[:, 1] + rng.normal(scale=2.0, size=150)
    path = tmp_path / "reg.csv"
    df.to_csv(path, index=False)
    return path
