"""Labels at scale (issue 15, item 3): checking text labels is O(n log n), not a comparison of
every label with every class; a target with more classes than a classifier can learn is
refused with a message."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rosenblatt import cli
from rosenblatt import recipe as R
from rosenblatt.data import check_labels, is_member
from rosenblatt.preprocessing import Preprocessor

labels = st.one_of(st.integers(-5, 5), st.text(max_size=3), st.floats(allow_nan=True))


@settings(max_examples=200, deadline=None)
@given(values=st.lists(labels, max_size=30), allowed=st.lists(labels, max_size=10))
def test_is_member_equals_a_set_lookup(values, allowed) -> None:
    """Oracle: Python's own ``in`` over the allowed labels (as NumPy would store them)."""
    v = np.array(values, dtype=object)
    a = np.array(allowed, dtype=object)
    expected = [any(x == y for y in a.tolist()) for x in v.tolist()]
    assert is_member(v, a).tolist() == expected


@pytest.mark.parametrize("dtype", [object, str])
def test_text_labels_of_twenty_thousand_classes_in_well_under_a_second(dtype) -> None:
    """Was 7 s (np.isin on object arrays compares every pair); 10**5 classes hung."""
    rng = np.random.default_rng(0)
    for n in (20_000, 100_000):
        classes = np.array([f"class-{i:06d}" for i in range(n)], dtype=dtype)
        y = classes[rng.permutation(n)]
        start = time.perf_counter()
        pre = Preprocessor(scaling="none").fit(np.zeros((n, 1), np.float32), y)
        idx = pre.transform_labels(y)
        check_labels(y, pre.classes_.tolist())
        assert time.perf_counter() - start < (1.5 if n == 20_000 else 5.0)
        np.testing.assert_array_equal(pre.classes_[idx], y)  # the oracle: the labels back
    with pytest.raises(ValueError, match=r"1 label outside the classes .*'nope'"):
        check_labels(np.append(y, "nope"), pre.classes_.tolist())


def test_an_identifier_column_as_target_is_refused(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(500, 2)), columns=["a", "b"])
    df["customer"] = [f"id{i}" for i in range(500)]
    df.to_csv("d.csv", index=False)
    (tmp_path / "r.toml").write_text('[data]\nsource = "d.csv"\ntarget = "customer"\n')
    code = cli.main(["train", "r.toml", "--out", "run", "-q"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "'customer' has 500 distinct values for 500 samples, fewer than two per class" in err
    assert not (tmp_path / "run").exists()


def test_many_classes_with_enough_samples_are_a_classification() -> None:
    y = np.repeat(np.arange(150), 3)  # 150 classes, three samples each
    data = R.Data(np.zeros((450, 1), np.float32), y, ["x"], "y", "multiclass", "cross_entropy", "")
    R._check_class_count(data)  # accepted
    y = np.arange(101)
    data = R.Data(np.zeros((101, 1), np.float32), y, ["x"], "y", "multiclass", "cross_entropy", "")
    with pytest.raises(R.RecipeError, match="101 distinct values for 101 samples"):
        R._check_class_count(data)
