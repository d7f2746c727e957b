"""The data checks shared by fit, DataLoader, load_csv and the CLI."""

from __future__ import annotations

import numpy as np
import pytest

from rosenblatt.data import check_finite, check_labels, check_n_features, check_X_y


def test_check_finite_passes_and_returns_array() -> None:
    X = np.ones((3, 2), dtype=np.float32)
    assert check_finite(X) is X
    np.testing.assert_array_equal(check_finite([1, 2]), [1, 2])  # ints cannot be NaN


def test_check_finite_counts_and_locates() -> None:
    X = np.zeros((10, 4))
    X[[1, 3, 8], 2] = np.nan
    X[5, 0] = -np.inf
    with pytest.raises(ValueError) as e:
        check_finite(X, "features", columns=["a", "b", "c", "d"])
    assert str(e.value) == (
        "features contains 4 non-finite values (3 NaN, 1 inf) in columns ['a' (1), 'c' (3)] "
        "at rows [1, 3, 5, 8]"
    )


def test_check_finite_truncates_long_row_lists() -> None:
    y = np.full(50, np.nan, dtype=np.float32)
    with pytest.raises(
        ValueError,
        match=r"y contains 50 non-finite values \(50 NaN, 0 inf\) at rows \[0, 1, 2, 3, 4, \.\.\.\]",
    ):
        check_finite(y, "y")


def test_check_finite_higher_dims() -> None:
    X = np.zeros((4, 1, 3, 3))
    X[2, 0, 1, 1] = np.inf
    with pytest.raises(
        ValueError, match=r"X contains 1 non-finite value \(0 NaN, 1 inf\) at rows \[2\]"
    ):
        check_finite(X)


def test_check_labels_with_class_count() -> None:
    np.testing.assert_array_equal(check_labels([0, 2, 1], 3), [0, 2, 1])
    np.testing.assert_array_equal(check_labels(np.array([[0.0], [1.0]]), 2), [0, 1])
    with pytest.raises(
        ValueError, match=r"y contains 2 labels outside the classes 0..2: \[-1, 3\]"
    ):
        check_labels([0, 3, -1, 1], 3)
    with pytest.raises(ValueError, match="integer class indices"):
        check_labels([0.5, 1.0], 2)
    with pytest.raises(ValueError, match="integer class indices"):
        check_labels(["a", "b"], 2)


def test_check_labels_with_class_list() -> None:
    check_labels(["cat", "dog"], ["cat", "dog", "eel"])
    with pytest.raises(
        ValueError, match=r"labels contains 1 label outside the classes \['cat', 'dog'\]: \['cow'\]"
    ):
        check_labels(["cat", "cow"], ["cat", "dog"], name="labels")
    with pytest.raises(ValueError, match=r"outside the classes \[-1, 1\]: \[0\]"):
        check_labels([0, 1], [-1, 1])


def test_check_labels_shape_and_nan() -> None:
    with pytest.raises(ValueError, match=r"1-D vector of labels, got shape \(2, 2\)"):
        check_labels(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="1 NaN"):
        check_labels([0.0, np.nan])


def test_check_X_y() -> None:
    with pytest.raises(ValueError, match="X has 3, y has 2"):
        check_X_y(np.zeros((3, 2)), np.zeros(2))
    with pytest.raises(ValueError, match="X contains 1 non-finite"):
        check_X_y(np.array([[np.nan]]), np.zeros(1))


def test_check_n_features() -> None:
    check_n_features(np.zeros((2, 4)), 4, "Linear")
    with pytest.raises(
        ValueError,
        match=r"Linear\(in_features=4\) expects 4 features, got 3 \(X has shape \(5, 3\)\)",
    ):
        check_n_features(np.zeros((5, 3)), 4, "Linear(in_features=4)")
