"""Built-in data sets: exact truth tables, shapes, dtypes, label sets, seeding."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.datasets

import rosenblatt as rb
from rosenblatt import data

INPUTS = [[0, 0], [0, 1], [1, 0], [1, 1]]


@pytest.mark.parametrize(
    "name,table",
    [
        ("and", [0, 0, 0, 1]),
        ("or", [0, 1, 1, 1]),
        ("nand", [1, 1, 1, 0]),
        ("xor", [0, 1, 1, 0]),
    ],
)
def test_gates_truth_tables(name: str, table: list[int]) -> None:
    X, y = data.gates(name)
    assert X.dtype == np.float32 and X.shape == (4, 2)
    assert y.dtype == np.int64
    np.testing.assert_array_equal(X, INPUTS)
    np.testing.assert_array_equal(y, table)
    Xs, ys = data.gates(name, signed=True)
    np.testing.assert_array_equal(Xs, INPUTS)  # the deck keeps inputs in {0, 1}
    np.testing.assert_array_equal(ys, 2 * np.array(table) - 1)


def test_gates_match_the_deck_perceptron_tables() -> None:
    # Matteucci deck, "Perceptron Example": OR targets -1, 1, 1, 1; XOR -1, 1, 1, -1
    np.testing.assert_array_equal(data.gates("or", signed=True)[1], [-1, 1, 1, 1])
    np.testing.assert_array_equal(data.gates("xor", signed=True)[1], [-1, 1, 1, -1])


def test_gates_unknown_name() -> None:
    with pytest.raises(ValueError, match=r"unknown gate 'nor'.*\['and', 'nand', 'or', 'xor'\]"):
        data.gates("nor")


@pytest.mark.parametrize(
    "loader,name,n_classes",
    [
        (data.load_digits, "digits", 10),
        (data.load_iris, "iris", 3),
        (data.load_wine, "wine", 3),
        (data.load_breast_cancer, "breast_cancer", 2),
    ],
)
def test_sklearn_classification_sets(loader, name: str, n_classes: int) -> None:
    X, y = loader()
    Xr, yr = getattr(sklearn.datasets, f"load_{name}")(return_X_y=True)
    assert X.dtype == np.float32 and y.dtype == np.int64
    assert X.shape == Xr.shape and X.flags.c_contiguous
    np.testing.assert_array_equal(X, Xr.astype(np.float32))
    np.testing.assert_array_equal(y, yr)
    np.testing.assert_array_equal(np.unique(y), np.arange(n_classes))
    assert data.dataset_task(name) == "classification"


def test_diabetes_is_regression() -> None:
    X, y = data.load_diabetes()
    Xr, yr = sklearn.datasets.load_diabetes(return_X_y=True)
    assert X.shape == (442, 10) and X.dtype == np.float32
    assert y.shape == (442,) and y.dtype == np.float32
    np.testing.assert_array_equal(y, yr.astype(np.float32))
    assert data.dataset_task("diabetes") == "regression"


@pytest.mark.parametrize("maker", ["make_moons", "make_circles"])
def test_moons_circles_equal_sklearn_and_are_seeded(maker: str) -> None:
    ours = getattr(data, maker)
    X, y = ours(60, noise=0.1, random_state=3)
    Xr, yr = getattr(sklearn.datasets, maker)(60, noise=0.1, random_state=3)
    assert X.dtype == np.float32 and y.dtype == np.int64 and X.shape == (60, 2)
    np.testing.assert_array_equal(X, Xr.astype(np.float32))
    np.testing.assert_array_equal(y, yr)
    rb.manual_seed(11)
    a = ours(40, noise=0.2)
    rb.manual_seed(11)
    b = ours(40, noise=0.2)
    c = ours(40, noise=0.2)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], c[0])


def test_spirals() -> None:
    X, y = data.make_spirals(301, n_classes=3, noise=0.0, random_state=0)
    assert X.shape == (301, 2) and X.dtype == np.float32 and y.dtype == np.int64
    assert np.bincount(y).tolist() == [101, 100, 100]
    # noiseless: each point lies on its arm, x = r (cos a, sin a), a = 2 pi (r + k/3)
    r = np.hypot(X[:, 0], X[:, 1])
    a = 2 * np.pi * (r + y / 3)
    np.testing.assert_allclose(X, np.stack([r * np.cos(a), r * np.sin(a)], 1), atol=1e-5)
    assert r.max() == pytest.approx(1.0)
    # seeded: same seed same data, noise changes it
    rb.manual_seed(2)
    p = data.make_spirals(50, noise=0.1)
    rb.manual_seed(2)
    q = data.make_spirals(50, noise=0.1)
    np.testing.assert_array_equal(p[0], q[0])
    np.testing.assert_array_equal(p[1], q[1])
    with pytest.raises(ValueError, match="n_samples"):
        data.make_spirals(2, n_classes=3)


def test_load_dataset_dispatch_and_errors() -> None:
    X, y = data.load_dataset("xor", signed=True)
    np.testing.assert_array_equal(y, [-1, 1, 1, -1])
    X, y = data.load_dataset("Breast-Cancer")
    assert X.shape == (569, 30)
    X, y = data.load_dataset("moons", n_samples=30, random_state=0)
    assert X.shape == (30, 2)
    with pytest.raises(ValueError, match=r"unknown data set 'mnits'; known names: .*digits.*xor"):
        data.load_dataset("mnits")
    with pytest.raises(TypeError, match="load_dataset\\('digits'\\)"):
        data.load_dataset("digits", n_samples=3)
    assert "spirals" in data.list_datasets()


def test_train_test_split_is_seeded_and_stratifies() -> None:
    X, y = data.load_iris()
    rb.manual_seed(4)
    a = data.train_test_split(X, y, test_size=0.2, stratify=True)
    rb.manual_seed(4)
    b = data.train_test_split(X, y, test_size=0.2, stratify=True)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    X_train, X_test, y_train, y_test = a
    assert X_test.shape == (30, 4) and X_train.shape == (120, 4)
    assert np.bincount(y_test).tolist() == [10, 10, 10]
