"""Data from files: CSV tables, MNIST IDX files, the credit-card-fraud CSV.

Every reader checks what it reads and raises ``ValueError`` (``FileNotFoundError`` for a
missing file) with one line naming the file and what is wrong: a missing column, a
non-numeric feature, NaN/inf (how many and where), a truncated IDX file.

load_csv(path, target=None, features=None) -> (X, y, feature_names)
read_idx(path) -> ndarray
load_mnist(directory, split="train", flatten=True) -> (X, y)
load_creditcard(path) -> (X, y)
"""

from __future__ import annotations

import gzip
import os
import struct
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .validation import check_finite

__all__ = [
    "CREDITCARD_COLUMNS",
    "CREDITCARD_FEATURES",
    "load_creditcard",
    "load_csv",
    "load_mnist",
    "read_idx",
]

PathLike = str | os.PathLike


def _read_table(path: PathLike, who: str) -> Any:
    import pandas as pd

    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"{who}: no such file: {str(p)!r}")
    try:
        return pd.read_csv(p)
    except pd.errors.EmptyDataError as e:
        raise ValueError(f"{who}: {str(p)!r} is empty (no header row)") from e
    except (pd.errors.ParserError, UnicodeDecodeError) as e:
        msg = str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__
        raise ValueError(f"{who}: cannot parse {str(p)!r} as CSV: {msg}") from e


def _numeric_block(df: Any, columns: list[str], what: str, where: str) -> np.ndarray:
    """The columns as a float array; non-numeric columns and NaN/inf raise ValueError."""
    import pandas as pd

    bad = [
        c
        for c in columns
        if not (pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c]))
    ]
    if bad:
        raise ValueError(
            f"{where}: non-numeric {what} column{'s' if len(bad) > 1 else ''} {bad}; "
            "one-hot encode them (data.categorical = 'onehot' in the recipe) or leave them "
            "out of the features"
        )
    block = df[columns].to_numpy(dtype=np.float64)
    # rows are reported as file lines: the header is line 1, the first data row line 2
    check_finite(block, f"{where}: {what}", columns=columns, row_offset=2, row_label="lines")
    _check_float32(block, columns, what, where)
    return block


def _check_float32(block: np.ndarray, columns: list[str], what: str, where: str) -> None:
    """Values finite in float64 but beyond float32's range (|x| > 3.4e38), which rosenblatt
    computes in, are named by column and file line instead of turning into inf later."""
    with np.errstate(over="ignore"):
        overflow = np.isinf(block.astype(np.float32))
    if overflow.any():
        rows, cols = np.nonzero(overflow)
        lines = sorted(set((rows + 2).tolist()))
        names = [columns[c] for c in dict.fromkeys(cols.tolist())]
        raise ValueError(
            f"{where}: {int(overflow.sum())} {what} value(s) beyond float32's range "
            f"(|x| > {float(np.finfo(np.float32).max):.4g}), e.g. {block[rows[0], cols[0]]:g}, "
            f"in column(s) {names[:5]} at lines {lines[:5]}{' ...' if len(lines) > 5 else ''}; "
            "rescale them (e.g. change the unit)"
        )


def _did_you_mean(name: str, columns: list[str]) -> str:
    """' (did you mean 'label'?)' for the closest column name, or ''."""
    import difflib

    close = difflib.get_close_matches(name, columns, n=1, cutoff=0.6)
    if not close:
        lowered = {c.lower().strip(): c for c in columns}
        close = [lowered[name.lower().strip()]] if name.lower().strip() in lowered else []
    return f" (did you mean {close[0]!r}?)" if close else ""


def load_csv(
    path: PathLike,
    target: str | None = None,
    features: Sequence[str] | None = None,
    raw: bool = False,
) -> tuple[np.ndarray, np.ndarray | None, list[str]]:
    """Read a CSV file with a header row into features X and target y (via pandas).

    Parameters
    ----------
    path : str or Path
    target : str or None
        Name of the target column. None reads features only (for prediction); y is None.
    features : sequence of str, optional
        Feature columns, in this order. Default: every column except ``target``.
    raw : bool, default False
        Return the feature columns as they are (an object array: text, missing values), for
        ``rosenblatt.preprocessing.ColumnEncoder``; the target is checked as always.

    Returns
    -------
    X : float32 array, shape (n_rows, n_features)
    y : array, shape (n_rows,), or None
        int64 for an integer column, float32 for a float column, the raw values (e.g.
        strings, as a NumPy array) for any other column: class labels that
        ``rosenblatt.preprocessing.Preprocessor`` encodes.
    feature_names : list of str

    Raises
    ------
    FileNotFoundError
        No such file.
    ValueError
        An empty or malformed file, a missing target or feature column (named), a
        non-numeric feature column (named), NaN/inf in features or target (how many, in
        which columns, at which file lines -- the header is line 1).
    """
    where = f"load_csv({os.fspath(path)!r})"
    df = _read_table(path, "load_csv")
    columns = [str(c) for c in df.columns]
    df.columns = columns
    if target is not None and target not in columns:
        raise ValueError(
            f"{where}: no target column {target!r}{_did_you_mean(target, columns)}; the columns "
            f"are {columns}"
        )
    if features is None:
        feature_names = [c for c in columns if c != target]
    else:
        feature_names = [str(f) for f in features]
        missing = [f for f in feature_names if f not in columns]
        if missing:
            raise ValueError(
                f"{where}: missing feature column{'s' if len(missing) > 1 else ''} {missing}"
                f"{_did_you_mean(missing[0], columns)}; the columns are {columns}"
            )
        if target is not None and target in feature_names:
            raise ValueError(f"{where}: the target column {target!r} is also listed as a feature")
    if not feature_names:
        raise ValueError(f"{where}: no feature columns (the columns are {columns})")
    if len(df) == 0:
        raise ValueError(f"{where}: the file has a header but no data rows")
    if raw:
        X = df[feature_names].to_numpy(dtype=object)
    else:
        X = _numeric_block(df, feature_names, "feature", where).astype(np.float32)
    if target is None:
        return X, None, feature_names
    col = df[target]
    if col.isna().any():
        rows = (np.flatnonzero(col.isna().to_numpy()) + 2).tolist()
        raise ValueError(
            f"{where}: target column {target!r} has {len(rows)} missing value"
            f"{'s' if len(rows) > 1 else ''} at lines {rows[:5]}{' ...' if len(rows) > 5 else ''}"
        )
    if col.dtype.kind in "iub":
        y = col.to_numpy().astype(np.int64)
    elif col.dtype.kind == "f":
        y = _numeric_block(df, [target], "target", where)[:, 0].astype(np.float32)
    else:
        y = col.to_numpy()
    return X, y, feature_names


# --------------------------------------------------------------------------- MNIST IDX

# IDX type codes (LeCun's format): the data are big-endian.
_IDX_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def read_idx(path: PathLike) -> np.ndarray:
    """Read an IDX file (MNIST's format), gzip-compressed or not.

    Layout: magic = 0x00 0x00 <type code> <ndim>, then ndim big-endian uint32 sizes, then
    the data, big-endian, row-major. Type codes: 0x08 uint8, 0x09 int8, 0x0B int16,
    0x0C int32, 0x0D float32, 0x0E float64. A gzip file is recognised by its content.

    Returns
    -------
    np.ndarray
        Shape given by the sizes, in native byte order.

    Raises
    ------
    FileNotFoundError
        No such file.
    ValueError
        A wrong magic number, an unknown type code, or a data size that does not match
        the sizes in the header (a truncated file or trailing bytes).
    """
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"read_idx: no such file: {str(p)!r}")
    raw = p.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as e:
            raise ValueError(f"read_idx: {str(p)!r} is a damaged gzip file: {e}") from e
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError(
            f"read_idx: {str(p)!r} is not an IDX file (magic number {raw[:4].hex() or 'missing'}, "
            "expected 0000 followed by a type code and the number of dimensions)"
        )
    code, ndim = raw[2], raw[3]
    if code not in _IDX_DTYPES:
        raise ValueError(
            f"read_idx: {str(p)!r} has unknown data type code 0x{code:02x} "
            f"(known: {', '.join(f'0x{c:02x}' for c in _IDX_DTYPES)})"
        )
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"read_idx: {str(p)!r} is truncated inside its header ({ndim} dimensions)")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = _IDX_DTYPES[code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    actual = len(raw) - header
    if actual != expected:
        problem = "truncated" if actual < expected else "followed by extra bytes"
        raise ValueError(
            f"read_idx: {str(p)!r} is {problem}: shape {tuple(shape)} of {dtype.name} needs "
            f"{expected} data bytes, the file has {actual}"
        )
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


_MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def _find_idx(directory: Path, stem: str) -> Path:
    # the usual spellings: as distributed (.gz), unpacked, and with a dot before 'idx'
    dotted = stem.replace("-idx", ".idx")
    for name in (stem, stem + ".gz", dotted, dotted + ".gz"):
        if (directory / name).is_file():
            return directory / name
    raise FileNotFoundError(
        f"load_mnist: no {stem}[.gz] in {str(directory)!r} (expected the four standard MNIST "
        f"files: {', '.join(n for pair in _MNIST_FILES.values() for n in pair)})"
    )


def load_mnist(
    directory: PathLike, split: str = "train", flatten: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """MNIST from its four standard IDX files in ``directory``: x = pixel / 255.

    Parameters
    ----------
    directory : str or Path
        Holds train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
        t10k-labels-idx1-ubyte (each optionally .gz).
    split : {"train", "test"}
    flatten : bool, default True
        X of shape (n, 784); False gives (n, 1, 28, 28) for Conv2d.

    Returns
    -------
    X : float32 array in [0, 1]
    y : int64 array, shape (n,), digits 0..9

    Raises
    ------
    FileNotFoundError
        A missing file (its name is given).
    ValueError
        A malformed file, or image and label counts that differ.
    """
    if split not in _MNIST_FILES:
        raise ValueError(f"load_mnist: split must be 'train' or 'test', got {split!r}")
    d = Path(directory)
    img_path, lbl_path = (_find_idx(d, stem) for stem in _MNIST_FILES[split])
    images, labels = read_idx(img_path), read_idx(lbl_path)
    if images.ndim != 3:
        raise ValueError(
            f"load_mnist: {img_path.name} must hold (n, rows, cols) images, got {images.shape}"
        )
    if labels.ndim != 1:
        raise ValueError(f"load_mnist: {lbl_path.name} must hold (n,) labels, got {labels.shape}")
    if len(images) != len(labels):
        raise ValueError(
            f"load_mnist: {img_path.name} has {len(images)} images but {lbl_path.name} has "
            f"{len(labels)} labels"
        )
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise ValueError(f"load_mnist: {lbl_path.name} holds labels outside 0..9")
    X = images.astype(np.float32) / np.float32(255.0)
    X = X.reshape(len(X), -1) if flatten else X[:, None, :, :]
    return np.ascontiguousarray(X), labels.astype(np.int64)


# --------------------------------------------------------------------------- credit card

CREDITCARD_FEATURES = ["Time", *[f"V{i}" for i in range(1, 29)], "Amount"]
CREDITCARD_COLUMNS = [*CREDITCARD_FEATURES, "Class"]


def load_creditcard(path: PathLike) -> tuple[np.ndarray, np.ndarray]:
    """The credit-card-fraud CSV (Time, V1 ... V28, Amount, Class; Class 1 = fraud).

    The schema of the Kaggle/ULB data set used in the EDSF deck's autoencoder example.

    Returns
    -------
    X : float32 array, shape (n, 30), columns ``CREDITCARD_FEATURES``
    y : int64 array, shape (n,), in {0, 1}

    Raises
    ------
    FileNotFoundError
        No such file.
    ValueError
        Missing or unexpected columns (named), non-numeric values, NaN/inf, or a Class
        outside {0, 1}.
    """
    where = f"load_creditcard({os.fspath(path)!r})"
    df = _read_table(path, "load_creditcard")
    columns = [str(c).strip() for c in df.columns]
    df.columns = columns
    missing = [c for c in CREDITCARD_COLUMNS if c not in columns]
    extra = [c for c in columns if c not in CREDITCARD_COLUMNS]
    if missing or extra:
        parts = ([f"missing columns {missing}"] if missing else []) + (
            [f"unexpected columns {extra}"] if extra else []
        )
        raise ValueError(
            f"{where}: not the credit-card schema (Time, V1..V28, Amount, Class): "
            + "; ".join(parts)
        )
    X = _numeric_block(df, CREDITCARD_FEATURES, "feature", where).astype(np.float32)
    cls = _numeric_block(df, ["Class"], "Class", where)[:, 0]
    bad = ~np.isin(cls, (0.0, 1.0))
    if bad.any():
        raise ValueError(
            f"{where}: Class must be 0 or 1; {int(bad.sum())} rows have other values "
            f"{np.unique(cls[bad])[:5].tolist()}"
        )
    return np.ascontiguousarray(X), cls.astype(np.int64)
