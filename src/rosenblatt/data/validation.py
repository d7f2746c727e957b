"""Checks applied wherever data enters rosenblatt (fit, DataLoader, load_csv, the CLI).

Each check raises ``ValueError`` with one line that says what is wrong and where, so a
user never sees a NumPy traceback from deep inside a layer:

>>> import numpy as np
>>> check_finite(np.array([[0.0, np.nan], [1.0, np.inf]]), "X")
Traceback (most recent call last):
...
ValueError: X contains 2 non-finite values (1 NaN, 1 inf) in column 1 at rows [0, 1]

Functions
---------
check_finite(X, name="X", columns=None, row_offset=0)
    NaN/inf -> ValueError with how many, which columns and the first rows.
check_labels(y, classes=None, name="y")
    1-D, finite, and (if ``classes`` is given) every label among the known classes.
check_X_y(X, y, x_name="X", y_name="y")
    Both finite and with the same number of samples.
check_n_features(X, n_features, where)
    The feature width equals what a layer or a fitted transform expects.
check_memory(nbytes, what)
    What a request would allocate fits in the memory this process can still get.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "available_memory",
    "check_X_y",
    "check_count",
    "check_finite",
    "check_labels",
    "check_memory",
    "check_n_features",
    "check_split_classes",
    "is_member",
]

_MAX_SHOWN = 5  # how many rows / labels an error message lists


def _first(items: Sequence[Any] | np.ndarray, n: int = _MAX_SHOWN) -> str:
    items = [i.item() if hasattr(i, "item") else i for i in list(items)[: n + 1]]
    shown = ", ".join(repr(i) for i in items[:n])
    return f"[{shown}{', ...' if len(items) > n else ''}]"


def check_finite(
    X: Any,
    name: str = "X",
    columns: Sequence[str] | None = None,
    row_offset: int = 0,
    row_label: str = "rows",
) -> np.ndarray:
    """Raise if X holds NaN or inf: count(!isfinite(X)) must be 0.

    Parameters
    ----------
    X : array_like, shape (n_samples, ...) or (n_samples,)
        Only floating (and complex) arrays can hold NaN/inf; others pass unchecked.
    name : str
        What X is called in the message ("X", "y", "features of data.csv").
    columns : sequence of str, optional
        Column names of a 2-D X, used in the message instead of column indices.
    row_offset : int
        Added to the reported row indices (e.g. 2 to report the lines of a CSV file).
    row_label : str
        What the rows are called in the message ("rows", "lines").

    Returns
    -------
    np.ndarray
        ``np.asarray(X)``, so the call can be chained.

    Raises
    ------
    ValueError
        "X contains 3 non-finite values (2 NaN, 1 inf) in columns ['a' (2), 'b' (1)] at
        rows [4, 7, 9]".
    """
    arr = np.asarray(X)
    if arr.dtype.kind not in "fc":
        return arr
    bad = ~np.isfinite(arr)
    if not bad.any():
        return arr
    n_bad = int(bad.sum())
    n_nan = int(np.isnan(arr).sum())
    kinds = f"{n_nan} NaN, {n_bad - n_nan} inf"
    if arr.ndim == 0:
        raise ValueError(f"{name} is not finite ({kinds})")
    rows = np.flatnonzero(bad.reshape(arr.shape[0], -1).any(axis=1)) + row_offset
    where = ""
    if arr.ndim == 2:
        per_col = bad.sum(axis=0)
        cols = np.flatnonzero(per_col)
        names = [columns[c] if columns is not None else int(c) for c in cols]
        label = "column" if len(cols) == 1 else "columns"
        if len(cols) == 1:
            where = f" in {label} {names[0]!r}"
        else:
            parts = [f"{n!r} ({int(per_col[c])})" for n, c in zip(names, cols)]
            more = ", ..." if len(parts) > _MAX_SHOWN else ""
            where = f" in {label} [{', '.join(parts[:_MAX_SHOWN])}{more}]"
    s = "" if n_bad == 1 else "s"
    raise ValueError(
        f"{name} contains {n_bad} non-finite value{s} ({kinds}){where} at {row_label} "
        f"{_first(rows)}"
    )


def check_labels(y: Any, classes: int | Sequence[Any] | None = None, name: str = "y") -> np.ndarray:
    """Raise unless y is a 1-D vector of labels, each in ``classes``: y_i in C for all i.

    Parameters
    ----------
    y : array_like, shape (n_samples,) or (n_samples, 1)
        Class labels (integers, strings, ...). A column vector is flattened.
    classes : int or sequence, optional
        An int k means the labels must be the integers 0 .. k-1 (class indices, what
        ``CrossEntropyLoss`` expects); a sequence lists the allowed labels (e.g. a model's
        ``classes``). None checks only shape and finiteness.
    name : str
        What y is called in the message.

    Returns
    -------
    np.ndarray, shape (n_samples,)

    Raises
    ------
    ValueError
        "y contains 2 labels outside the model's classes [0, 1, 2]: [3, 7]".
    """
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D vector of labels, got shape {arr.shape}")
    check_finite(arr, name)
    if classes is None:
        return arr
    if isinstance(classes, (int, np.integer)):
        k = int(classes)
        if arr.dtype.kind == "f":
            if not np.array_equal(arr, np.round(arr)):
                raise ValueError(
                    f"{name} must hold integer class indices 0..{k - 1}, got non-integer "
                    f"values {_first(np.unique(arr[arr != np.round(arr)]))}"
                )
        elif arr.dtype.kind not in "iub":
            raise ValueError(
                f"{name} must hold integer class indices 0..{k - 1}, got dtype {arr.dtype}"
            )
        outside = (arr < 0) | (arr >= k)
        allowed = f"0..{k - 1}"
    else:
        allowed_arr = np.asarray(list(classes))
        outside = ~is_member(arr, allowed_arr)
        allowed = _first(allowed_arr, 20)
    if outside.any():
        bad = np.unique(arr[outside])
        n = int(outside.sum())
        raise ValueError(
            f"{name} contains {n} label{'s' if n != 1 else ''} outside the classes {allowed}: "
            f"{_first(bad)}"
        )
    return arr


def is_member(values: Any, allowed: Any) -> np.ndarray:
    """Boolean mask: values_i in allowed, in O((n + m) log m) for any labels.

    Binary search in the sorted allowed labels (``np.isin`` compares every pair for text
    labels, object arrays: 7 s for 20 000 classes); a hash-set lookup when the labels
    cannot be ordered (mixed types such as 1 and "a").
    """
    values, allowed = np.asarray(values), np.asarray(allowed)
    if values.size == 0 or allowed.size == 0:
        return np.zeros(values.shape, dtype=bool)
    try:
        ordered = np.unique(allowed)
        found = ordered[np.minimum(np.searchsorted(ordered, values), len(ordered) - 1)]
        return np.asarray(found == values, dtype=bool).reshape(values.shape)
    except TypeError:  # labels of mixed, incomparable types
        known = set(allowed.ravel().tolist())
        return np.array([v in known for v in values.ravel().tolist()], dtype=bool).reshape(
            values.shape
        )


def check_count(value: Any, name: str, lo: int, alternatives: str = "") -> int:
    """Raise unless ``value`` is an integer >= lo (a float such as 2.5, or True, is refused,
    not rounded); returns it as an int.

    >>> check_count(2.5, "batch_size", 1, " or None")
    Traceback (most recent call last):
    ...
    ValueError: batch_size must be an integer >= 1 or None, got 2.5
    """
    is_int = isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))
    if not is_int or value < lo:
        raise ValueError(f"{name} must be an integer >= {lo}{alternatives}, got {value!r}")
    return int(value)


def check_split_classes(y_train: Any, y_val: Any, where: str = "validation_split") -> None:
    """Warn (RuntimeWarning) when a class occurs on one side of a split only.

    ``validation_split`` takes the last samples as they come (Keras's rule): on data sorted
    by class (rosenblatt's own iris) the validation part holds classes the training part
    never sees, and ``val_accuracy`` stays 0.0 without a word. Labels are class indices or
    0/1 columns; probability rows are not checked. A validation part smaller than the
    number of classes cannot hold them all: only classes it has and training lacks count.
    """
    a, b = np.asarray(y_train), np.asarray(y_val)
    if a.ndim == 2 and a.shape[1] == 1:
        a, b = a[:, 0], b.reshape(len(b), -1)[:, 0]
    if a.ndim != 1 or b.ndim != 1 or not len(a) or not len(b):
        return
    ca, cb = np.unique(a), np.unique(b)
    only_val, only_train = cb[~is_member(cb, ca)], ca[~is_member(ca, cb)]
    if len(b) < len(ca):  # too few validation samples to hold every class anyway
        only_train = only_train[:0]
    if not len(only_val) and not len(only_train):
        return
    sides = []
    if len(only_val):
        sides.append(f"classes {_first(only_val)} only in the validation part")
    if len(only_train):
        sides.append(f"classes {_first(only_train)} only in the training part")
    warnings.warn(
        f"{where}: {' and '.join(sides)}: the validation samples are the last ones as they "
        "come, and these look sorted by class; shuffle X and y first (p = "
        "np.random.default_rng(0).permutation(len(X)); X, y = X[p], y[p])",
        RuntimeWarning,
        stacklevel=3,
    )


def check_X_y(
    X: Any, y: Any, x_name: str = "X", y_name: str = "y"
) -> tuple[np.ndarray, np.ndarray]:
    """Raise unless X and y are finite and len(X) == len(y).

    Returns
    -------
    (np.ndarray, np.ndarray)
        ``np.asarray(X)``, ``np.asarray(y)``.
    """
    X, y = check_finite(X, x_name), check_finite(y, y_name)
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError(f"{x_name} and {y_name} must have a sample dimension")
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"{x_name} and {y_name} have different numbers of samples: "
            f"{x_name} has {X.shape[0]}, {y_name} has {y.shape[0]}"
        )
    return X, y


def check_n_features(X: Any, n_features: int, where: str) -> np.ndarray:
    """Raise unless X.shape[-1] == n_features, naming ``where`` (a layer, a transform).

    >>> check_n_features(np.zeros((5, 3)), 4, "Linear(in_features=4, out_features=2)")
    Traceback (most recent call last):
    ...
    ValueError: Linear(in_features=4, out_features=2) expects 4 features, got 3 (X has shape (5, 3))
    """
    arr = np.asarray(X)
    got = arr.shape[-1] if arr.ndim else None
    if got != n_features:
        raise ValueError(
            f"{where} expects {n_features} features, got {got} (X has shape {arr.shape})"
        )
    return arr


def _read_int(path: str, key: str | None = None) -> int | None:
    """An integer from a /proc or /sys file (the value after ``key:``, in kB for /proc)."""
    try:
        with open(path) as f:
            for line in f:
                if key is None:
                    return int(line.split()[0]) if line.strip() != "max" else None
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def available_memory() -> int | None:
    """Bytes this process can still allocate, or None where the system does not say.

    The smallest of: the memory the kernel reports available (``MemAvailable``), what the
    container's cgroup still allows (``memory.max - memory.current``), and the head room
    under an address-space limit (``ulimit -v``).
    """
    import resource

    limits = [_read_int("/proc/meminfo", "MemAvailable")]
    cap, used = _read_int("/sys/fs/cgroup/memory.max"), _read_int("/sys/fs/cgroup/memory.current")
    if cap is not None and used is not None:
        limits.append(max(cap - used, 0))
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    size = _read_int("/proc/self/status", "VmSize")
    if soft != resource.RLIM_INFINITY and size is not None:
        limits.append(max(soft - size, 0))
    known = [v for v in limits if v is not None]
    return min(known) if known else None


def _bytes(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.3g} {unit}"
        n /= 1000
    return f"{n:.3g} TB"  # pragma: no cover


def check_memory(nbytes: float, what: str) -> None:
    """Raise unless ``nbytes`` fits in ``available_memory()`` (and under 2**48 bytes).

    A request that cannot be met is refused before anything is allocated, with a message
    instead of a MemoryError -- or, worse, the kernel's out-of-memory killer when pages are
    touched later: ``check_memory(10**15, "make_moons(n_samples=10**13)")`` raises
    "make_moons(n_samples=10**13) needs about 1e+03 TB of memory, more than the 23.4 GB
    available".
    """
    available = available_memory()
    if nbytes > 2**48 or (available is not None and nbytes > available):
        have = "" if available is None else f", more than the {_bytes(available)} available"
        raise ValueError(f"{what} needs about {_bytes(nbytes)} of memory{have}")
