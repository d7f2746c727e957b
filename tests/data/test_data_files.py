"""load_csv, read_idx/load_mnist and load_creditcard on small files the tests write."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rosenblatt import data

# ----------------------------------------------------------------------------- load_csv


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_load_csv_happy_path(tmp_path: Path) -> None:
    p = _write(tmp_path / "d.csv", "a,b,label,c\n1,2.5,0,3\n4,5,1,6\n7,8,2,9\n")
    X, y, names = data.load_csv(p, target="label")
    assert names == ["a", "b", "c"]
    assert X.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_array_equal(X, [[1, 2.5, 3], [4, 5, 6], [7, 8, 9]])
    np.testing.assert_array_equal(y, [0, 1, 2])
    # explicit features, in the order given; equals pandas
    X2, _, names2 = data.load_csv(p, target="label", features=["c", "a"])
    assert names2 == ["c", "a"]
    np.testing.assert_array_equal(X2, pd.read_csv(p)[["c", "a"]].to_numpy(np.float32))


def test_load_csv_target_kinds(tmp_path: Path) -> None:
    p = _write(tmp_path / "d.csv", "x,price,kind,flag\n1,2.5,cat,True\n2,3.5,dog,False\n")
    _, y, _ = data.load_csv(p, target="price", features=["x"])
    assert y.dtype == np.float32 and y.tolist() == [2.5, 3.5]
    _, y, _ = data.load_csv(p, target="kind", features=["x"])
    assert y.tolist() == ["cat", "dog"]
    X, y, names = data.load_csv(p, target=None, features=["x", "flag"])
    assert y is None and names == ["x", "flag"]
    np.testing.assert_array_equal(X, [[1, 1], [2, 0]])


def test_load_csv_missing_file(tmp_path: Path) -> None:
    with pytest.raises(OSError, match="no such file.*nope.csv"):
        data.load_csv(tmp_path / "nope.csv", target="y")


def test_load_csv_missing_target(tmp_path: Path) -> None:
    p = _write(tmp_path / "d.csv", "a,b\n1,2\n")
    with pytest.raises(ValueError, match=r"no target column 'label'; the columns are \['a', 'b'\]"):
        data.load_csv(p, target="label")


def test_load_csv_missing_features(tmp_path: Path) -> None:
    p = _write(tmp_path / "d.csv", "a,b,y\n1,2,0\n")
    with pytest.raises(ValueError, match=r"missing feature columns \['c', 'd'\]"):
        data.load_csv(p, target="y", features=["a", "c", "d"])
    with pytest.raises(ValueError, match="also listed as a feature"):
        data.load_csv(p, target="y", features=["a", "y"])


def test_load_csv_non_numeric_feature(tmp_path: Path) -> None:
    p = _write(tmp_path / "d.csv", "a,color,y\n1,red,0\n2,blue,1\n")
    with pytest.raises(ValueError, match=r"non-numeric feature column \['color'\]"):
        data.load_csv(p, target="y")


def test_load_csv_nan_reports_count_columns_and_lines(tmp_path: Path) -> None:
    p = _write(tmp_path / "d.csv", "a,b,y\n1,2,0\n,3,1\n4,,0\n5,inf,1\n6,7,1\n")
    with pytest.raises(ValueError) as e:
        data.load_csv(p, target="y")
    msg = str(e.value)
    assert "\n" not in msg
    assert "3 non-finite values (2 NaN, 1 inf)" in msg
    assert "'a' (1)" in msg and "'b' (2)" in msg
    assert "lines [3, 4, 5]" in msg  # header is line 1


def test_load_csv_nan_in_target(tmp_path: Path) -> None:
    p = _write(tmp_path / "d.csv", "a,y\n1,0.5\n2,\n3,1.5\n")
    with pytest.raises(ValueError, match=r"target column 'y' has 1 missing value at lines \[3\]"):
        data.load_csv(p, target="y")
    p = _write(tmp_path / "e.csv", "a,y\n1,0.5\n2,inf\n")
    with pytest.raises(
        ValueError, match=r"target.*1 non-finite value \(0 NaN, 1 inf\).*lines \[3\]"
    ):
        data.load_csv(p, target="y")


def test_load_csv_empty_and_header_only(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="empty"):
        data.load_csv(_write(tmp_path / "e.csv", ""), target="y")
    with pytest.raises(ValueError, match="no data rows"):
        data.load_csv(_write(tmp_path / "h.csv", "a,y\n"), target="y")


# ----------------------------------------------------------------------------- IDX / MNIST


def _idx_bytes(arr: np.ndarray, code: int) -> bytes:
    be = arr.astype(arr.dtype.newbyteorder(">"))
    return bytes([0, 0, code, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape) + be.tobytes()


@pytest.mark.parametrize(
    "dtype,code",
    [
        (np.uint8, 0x08),
        (np.int8, 0x09),
        (np.int16, 0x0B),
        (np.int32, 0x0C),
        (np.float32, 0x0D),
        (np.float64, 0x0E),
    ],
)
def test_read_idx_all_types(tmp_path: Path, dtype, code: int) -> None:
    arr = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    if dtype == np.uint8:
        arr = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    p = tmp_path / "a.idx"
    p.write_bytes(_idx_bytes(arr, code))
    got = data.read_idx(p)
    assert got.shape == (2, 3, 4) and got.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(got, arr)


def test_read_idx_gzip(tmp_path: Path) -> None:
    arr = np.arange(10, dtype=np.uint8)
    p = tmp_path / "labels.gz"
    p.write_bytes(gzip.compress(_idx_bytes(arr, 0x08)))
    np.testing.assert_array_equal(data.read_idx(p), arr)


def test_read_idx_errors(tmp_path: Path) -> None:
    good = _idx_bytes(np.arange(12, dtype=np.uint8).reshape(3, 4), 0x08)
    p = tmp_path / "x"
    p.write_bytes(b"\x08\x03" + good[2:])
    with pytest.raises(ValueError, match="not an IDX file"):
        data.read_idx(p)
    p.write_bytes(good[:2] + b"\x07" + good[3:])
    with pytest.raises(ValueError, match="unknown data type code 0x07"):
        data.read_idx(p)
    p.write_bytes(good[:-1])
    with pytest.raises(
        ValueError, match=r"truncated: shape \(3, 4\) of uint8 needs 12 data bytes, the file has 11"
    ):
        data.read_idx(p)
    p.write_bytes(good + b"\x00")
    with pytest.raises(ValueError, match="extra bytes"):
        data.read_idx(p)
    p.write_bytes(good[:6])
    with pytest.raises(ValueError, match="truncated inside its header"):
        data.read_idx(p)
    p.write_bytes(gzip.compress(good)[:-6])
    with pytest.raises(ValueError, match="damaged gzip"):
        data.read_idx(p)
    with pytest.raises(OSError):
        data.read_idx(tmp_path / "missing")


def _write_mnist(d: Path, n_train: int = 5, n_test: int = 3, gz: bool = True) -> dict:
    rng = np.random.default_rng(0)
    out = {}
    for split, n, (img, lbl) in [
        ("train", n_train, ("train-images-idx3-ubyte", "train-labels-idx1-ubyte")),
        ("test", n_test, ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")),
    ]:
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n, dtype=np.uint8)
        for name, arr, code in [(img, images, 0x08), (lbl, labels, 0x08)]:
            raw = _idx_bytes(arr, code)
            if gz:
                (d / (name + ".gz")).write_bytes(gzip.compress(raw))
            else:
                (d / name).write_bytes(raw)
        out[split] = (images, labels)
    return out


@pytest.mark.parametrize("gz", [True, False])
def test_load_mnist(tmp_path: Path, gz: bool) -> None:
    truth = _write_mnist(tmp_path, gz=gz)
    X, y = data.load_mnist(tmp_path)
    images, labels = truth["train"]
    assert X.shape == (5, 784) and X.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_array_equal(X, images.reshape(5, -1).astype(np.float32) / 255)
    np.testing.assert_array_equal(y, labels)
    Xt, yt = data.load_mnist(tmp_path, split="test", flatten=False)
    assert Xt.shape == (3, 1, 28, 28)
    np.testing.assert_array_equal(yt, truth["test"][1])
    X2, _ = data.load_dataset("mnist", directory=tmp_path)
    np.testing.assert_array_equal(X2, X)


def test_load_mnist_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        data.load_mnist(tmp_path)
    _write_mnist(tmp_path, gz=False)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(_idx_bytes(np.zeros(4, np.uint8), 0x08))
    with pytest.raises(ValueError, match="5 images but train-labels-idx1-ubyte has 4 labels"):
        data.load_mnist(tmp_path)
    with pytest.raises(ValueError, match="split"):
        data.load_mnist(tmp_path, split="valid")


# ----------------------------------------------------------------------------- credit card


def _creditcard_frame(n: int = 8) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"Time": np.arange(n, dtype=float) * 10})
    for i in range(1, 29):
        df[f"V{i}"] = rng.normal(size=n)
    df["Amount"] = rng.uniform(0, 500, size=n).round(2)
    df["Class"] = (np.arange(n) % 4 == 0).astype(int)
    return df


def test_load_creditcard(tmp_path: Path) -> None:
    df = _creditcard_frame()
    p = tmp_path / "creditcard.csv"
    df.to_csv(p, index=False, quoting=1)  # the Kaggle file quotes every field
    assert p.read_text().startswith('"Time","V1"')
    X, y = data.load_creditcard(p)
    assert X.shape == (8, 30) and X.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_array_equal(X, df[data.CREDITCARD_FEATURES].to_numpy(np.float32))
    np.testing.assert_array_equal(y, [1, 0, 0, 0, 1, 0, 0, 0])
    assert data.CREDITCARD_COLUMNS[-1] == "Class" and len(data.CREDITCARD_FEATURES) == 30
    X2, y2 = data.load_dataset("creditcard", path=p)
    np.testing.assert_array_equal(X2, X)


def test_load_creditcard_wrong_schema(tmp_path: Path) -> None:
    p = tmp_path / "c.csv"
    _creditcard_frame().drop(columns=["V7", "Amount"]).assign(Extra=1).to_csv(p, index=False)
    with pytest.raises(
        ValueError,
        match=r"not the credit-card schema.*missing columns \['V7', 'Amount'\]; unexpected columns \['Extra'\]",
    ):
        data.load_creditcard(p)


def test_load_creditcard_bad_values(tmp_path: Path) -> None:
    p = tmp_path / "c.csv"
    df = _creditcard_frame()
    df.loc[2, "Class"] = 2
    df.to_csv(p, index=False)
    with pytest.raises(ValueError, match=r"Class must be 0 or 1; 1 rows have other values \[2.0\]"):
        data.load_creditcard(p)
    df = _creditcard_frame()
    df.loc[3, "V5"] = np.nan
    df.to_csv(p, index=False)
    with pytest.raises(
        ValueError, match=r"1 non-finite value \(1 NaN, 0 inf\) in column 'V5' at lines \[5\]"
    ):
        data.load_creditcard(p)
