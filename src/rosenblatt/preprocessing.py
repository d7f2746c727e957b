"""Feature scaling and label encoding, fitted on the training split and saved with the model.

The decks' recipe starts with "select features and scale them". A ``Preprocessor`` wraps
scikit-learn's transformers, chosen by name:

==========  ==============================  =======================================
scaling     transformer                     formula
==========  ==============================  =======================================
"standard"  ``StandardScaler``              x' = (x - mean) / std   (per feature)
"minmax"    ``MinMaxScaler``                x' = (x - min) / (max - min)
"none"      --                              x' = x
==========  ==============================  =======================================

For classification it also holds the class labels (``LabelEncoder``: label <-> index
0..k-1) and one-hot codes (``OneHotEncoder``); for regression it can scale the targets.
Fit it on the training split only, then apply the same transform to validation, test and
new data::

    pre = Preprocessor(scaling="standard").fit(X_train, y_train)
    Xs, t = pre.transform(X_train), pre.transform_labels(y_train)   # t in 0..k-1
    ...
    labels = pre.inverse_transform_labels(model(pre.transform(X_new)).argmax(1))
    text = pre.to_json()                  # means, scales, min/max, classes -- no pickle
    pre2 = Preprocessor.from_json(text)   # transforms exactly as pre

``rb.save(model, path, preprocessing=pre)`` stores ``pre.to_dict()`` in the model file and
``rb.load`` rebuilds it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .data.validation import check_finite, check_labels
from .tensor import Tensor

__all__ = ["SCALINGS", "TASKS", "Preprocessor", "make_scaler"]

SCALINGS = ("standard", "minmax", "none")
TASKS = ("classification", "regression")
_FORMAT_VERSION = 1


def make_scaler(scaling: str) -> Any:
    """A fresh scikit-learn scaler for a name in SCALINGS ("none" gives None).

    Raises
    ------
    ValueError
        An unknown name; the message lists the allowed ones.
    """
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    if scaling == "standard":
        return StandardScaler()
    if scaling == "minmax":
        return MinMaxScaler()
    if scaling == "none":
        return None
    raise ValueError(f"unknown scaling {scaling!r}; allowed: {', '.join(map(repr, SCALINGS))}")


def _numpy(x: Any) -> Any:
    return x._data if isinstance(x, Tensor) else x


# --------------------------------------------------------------------- scaler <-> JSON
def _floats(a: Any) -> list[float]:
    return [float(v) for v in np.ravel(a)]


def _scaler_to_dict(s: Any) -> dict[str, Any] | None:
    if s is None:
        return None
    attr = s.mean_ if type(s).__name__ == "StandardScaler" else s.scale_
    d: dict[str, Any] = {
        "type": type(s).__name__,
        "dtype": "float64" if attr is None else np.asarray(attr).dtype.name,
        "n_features_in": int(s.n_features_in_),
        "n_samples_seen": int(s.n_samples_seen_),
    }
    if d["type"] == "StandardScaler":
        d.update(with_mean=bool(s.with_mean), with_std=bool(s.with_std))
        for k in ("mean", "var", "scale"):
            v = getattr(s, k + "_")
            d[k] = None if v is None else _floats(v)
    else:  # MinMaxScaler
        d.update(feature_range=[float(v) for v in s.feature_range], clip=bool(s.clip))
        for k in ("data_min", "data_max", "data_range", "min", "scale"):
            d[k] = _floats(getattr(s, k + "_"))
    return d


def _check_keys(d: Any, keys: Sequence[str], where: str) -> None:
    if not isinstance(d, dict):
        raise ValueError(f"{where} must be a JSON object, got {type(d).__name__}")
    if set(d) != set(keys):
        missing = sorted(set(keys) - set(d))
        extra = sorted(set(d) - set(keys))
        raise ValueError(f"{where}: missing keys {missing}, unexpected keys {extra}")


def _array(
    v: Any, n: int, where: str, allow_none: bool = False, dtype: str = "float64"
) -> np.ndarray | None:
    if v is None and allow_none:
        return None
    ok = isinstance(v, list) and all(
        isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) for x in v
    )
    if not ok or len(v) != n:
        raise ValueError(f"{where} must be a list of {n} finite numbers")
    return np.asarray(v, dtype=dtype)


def _int(v: Any, where: str) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or v < 0:
        raise ValueError(f"{where} must be a non-negative integer, got {v!r}")
    return v


def _bool(v: Any, where: str) -> bool:
    if not isinstance(v, bool):
        raise ValueError(f"{where} must be true or false, got {v!r}")
    return v


def _scaler_from_dict(d: Any, where: str) -> Any:
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    if d is None:
        return None
    kind = d.get("type") if isinstance(d, dict) else None
    common = ["type", "dtype", "n_features_in", "n_samples_seen"]
    dtype = d.get("dtype") if isinstance(d, dict) else None
    if dtype not in ("float32", "float64"):
        raise ValueError(f"{where}.dtype must be 'float32' or 'float64', got {dtype!r}")
    if kind == "StandardScaler":
        _check_keys(d, [*common, "with_mean", "with_std", "mean", "var", "scale"], where)
        s = StandardScaler(
            with_mean=_bool(d["with_mean"], f"{where}.with_mean"),
            with_std=_bool(d["with_std"], f"{where}.with_std"),
        )
        n = _int(d["n_features_in"], f"{where}.n_features_in")
        for k in ("mean", "var", "scale"):
            setattr(s, k + "_", _array(d[k], n, f"{where}.{k}", allow_none=True, dtype=dtype))
    elif kind == "MinMaxScaler":
        _check_keys(
            d,
            [
                *common,
                "feature_range",
                "clip",
                "data_min",
                "data_max",
                "data_range",
                "min",
                "scale",
            ],
            where,
        )
        fr = _array(d["feature_range"], 2, f"{where}.feature_range")
        s = MinMaxScaler(
            feature_range=(float(fr[0]), float(fr[1])), clip=_bool(d["clip"], f"{where}.clip")
        )
        n = _int(d["n_features_in"], f"{where}.n_features_in")
        for k in ("data_min", "data_max", "data_range", "min", "scale"):
            setattr(s, k + "_", _array(d[k], n, f"{where}.{k}", dtype=dtype))
    else:
        raise ValueError(f"{where}.type must be 'StandardScaler' or 'MinMaxScaler', got {kind!r}")
    s.n_features_in_ = n
    s.n_samples_seen_ = _int(d["n_samples_seen"], f"{where}.n_samples_seen")
    scale = getattr(s, "scale_", None)
    if scale is not None and not np.all(scale != 0):
        # scikit-learn never fits a zero scale (a constant feature gets 1): a damaged file
        raise ValueError(f"{where}.scale holds 0 at features {np.flatnonzero(scale == 0)[:5]}")
    return s


def _classes_from_json(v: Any, where: str) -> np.ndarray | None:
    if v is None:
        return None
    if not isinstance(v, list) or not v:
        raise ValueError(f"{where} must be a non-empty list of labels")
    for kind in (bool, str):
        if all(isinstance(c, kind) for c in v):
            return np.asarray(v)
    if all(isinstance(c, int) and not isinstance(c, bool) for c in v):
        return np.asarray(v, dtype=np.int64)
    if all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in v):
        if not all(math.isfinite(c) for c in v):
            raise ValueError(f"{where} holds a non-finite label")
        return np.asarray(v, dtype=np.float64)
    raise ValueError(f"{where} must hold labels of one type (all integers, numbers or strings)")


# --------------------------------------------------------------------- table columns
IMPUTE = ("none", "mean", "median", "most_frequent")
MAX_CATEGORIES = 1000  # a text column with more values is an identifier, not a category


class ColumnEncoder:
    """Raw table columns -> numbers, with scikit-learn's ColumnTransformer: each numeric
    column through a SimpleImputer (when ``impute`` is not "none"), each categorical one
    through a SimpleImputer (most frequent value) and a OneHotEncoder (x -> one 0/1 column
    per category seen in training; a category never seen gives all zeros).

    What is learned -- the values that fill the gaps and the categories -- is kept as JSON
    (``to_dict``); the transformer is always built from that JSON (imputers with constant
    fill values, encoders with fixed categories), so training and a reloaded model transform
    alike, and nothing is pickled.

    Parameters
    ----------
    columns : sequence of str
        The raw feature columns, in order.
    categorical : sequence of str
        Those to one-hot encode (text columns and any named ones).
    impute : {"none", "mean", "median", "most_frequent"}
        How numeric gaps are filled (categorical gaps: the most frequent category); "none"
        leaves a missing value an error that names its column and line.
    """

    def __init__(self, columns: Sequence[str], categorical: Sequence[str], impute: str = "none"):
        if impute not in IMPUTE:
            raise ValueError(f"unknown impute {impute!r}; allowed: {', '.join(map(repr, IMPUTE))}")
        self.columns = [str(c) for c in columns]
        self.categorical = [str(c) for c in categorical]
        unknown = [c for c in self.categorical if c not in self.columns]
        if unknown:
            raise ValueError(f"categorical columns {unknown} are not among the features")
        self.impute = impute
        self.fill_: dict[str, Any] = {}  # column -> the value that fills its gaps
        self.categories_: dict[str, list[Any]] = {}
        self._transformer: Any = None

    # ------------------------------------------------------------------ reading a table
    def _frame(self, X: Any, where: str) -> Any:
        """X (object array in ``columns`` order, or a DataFrame) as a DataFrame whose numeric
        columns are floats (text there, or inf, is an error naming the column and line)."""
        import pandas as pd

        frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X, dtype=object))
        if not isinstance(X, pd.DataFrame):
            if frame.shape[1] != len(self.columns):
                raise ValueError(f"{where}: {frame.shape[1]} columns, expected {self.columns}")
            frame.columns = self.columns
        missing = [c for c in self.columns if c not in frame.columns]
        if missing:
            raise ValueError(f"{where}: missing feature columns {missing}")
        frame = frame[self.columns].copy()
        for c in self.columns:
            if c in self.categorical:
                frame[c] = frame[c].astype(object).map(_category)
                continue
            values = pd.to_numeric(frame[c], errors="coerce")
            bad = values.isna() & frame[c].notna()
            if bad.any():
                lines = (np.flatnonzero(bad.to_numpy()) + 2).tolist()[:5]
                raise ValueError(
                    f"{where}: column {c!r} holds text such as {frame[c][bad].iloc[0]!r} (lines "
                    f"{lines}); list it in data.categorical_columns with data.categorical = "
                    "'onehot', or leave it out of the features"
                )
            frame[c] = values.astype(np.float64)
            check_finite(frame[c].dropna().to_numpy(), f"{where}: column {c!r}")
        return frame

    def _check_gaps(self, frame: Any, where: str) -> None:
        if self.impute != "none":
            return
        gaps = frame.isna()
        if gaps.to_numpy().any():
            cols = [c for c in self.columns if gaps[c].any()]
            lines = (np.flatnonzero(gaps.to_numpy().any(axis=1)) + 2).tolist()
            raise ValueError(
                f"{where}: missing values in columns {cols[:5]} at lines {lines[:5]}"
                f"{' ...' if len(lines) > 5 else ''}; fill them, or set data.impute = "
                "'median' (or 'mean', 'most_frequent')"
            )

    # ------------------------------------------------------------------ fit / transform
    def fit(self, X: Any) -> ColumnEncoder:
        """Learn the fill values (SimpleImputer) and categories (OneHotEncoder) from X."""
        from sklearn.impute import SimpleImputer
        from sklearn.preprocessing import OneHotEncoder

        frame = self._frame(X, "the training data")
        self._check_gaps(frame, "the training data")
        self.fill_, self.categories_ = {}, {}
        for c in self.columns:
            col = frame[[c]]
            if col[c].isna().all():
                raise ValueError(f"the training data: column {c!r} holds no values at all")
            if c in self.categorical:
                filled = SimpleImputer(strategy="most_frequent").fit(col)
                self.fill_[c] = filled.statistics_[0]
                codes = OneHotEncoder().fit(filled.transform(col))
                cats = codes.categories_[0].tolist()
                if len(cats) > MAX_CATEGORIES:
                    raise ValueError(
                        f"column {c!r} has {len(cats):,} distinct values, more than "
                        f"{MAX_CATEGORIES} categories: an identifier or free text? leave it "
                        "out of data.features"
                    )
                self.categories_[c] = cats
            elif self.impute != "none":
                self.fill_[c] = float(SimpleImputer(strategy=self.impute).fit(col).statistics_[0])
        self._build()
        return self

    def _build(self) -> None:
        """The ColumnTransformer of the learned values, fitted on one row of them (with fixed
        fill values and categories there is nothing left to learn)."""
        import pandas as pd
        from sklearn.compose import ColumnTransformer
        from sklearn.impute import SimpleImputer
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import OneHotEncoder

        steps: list[tuple[str, Any, list[str]]] = []
        for i, c in enumerate(self.columns):
            if c in self.categorical:
                encode = make_pipeline(
                    SimpleImputer(strategy="constant", fill_value=self.fill_[c]),
                    OneHotEncoder(categories=[self.categories_[c]], handle_unknown="ignore",
                                  sparse_output=False, dtype=np.float64),
                )  # fmt: skip
                steps.append((f"{i}", encode, [c]))
            elif c in self.fill_:
                imputer = SimpleImputer(strategy="constant", fill_value=self.fill_[c])
                steps.append((f"{i}", imputer, [c]))
            else:
                steps.append((f"{i}", "passthrough", [c]))
        row = {c: [self.fill_.get(c, 0.0) if c not in self.categorical else self.fill_[c]]
               for c in self.columns}  # fmt: skip
        self._transformer = ColumnTransformer(steps, sparse_threshold=0.0).fit(pd.DataFrame(row))

    def transform(self, X: Any, where: str = "X") -> np.ndarray:
        """The numeric matrix (float64): numeric columns (filled), then per categorical
        column its one-hot block, in the order of ``columns``."""
        if self._transformer is None:
            raise ValueError("ColumnEncoder is not fitted yet; call fit(X_train) first")
        frame = self._frame(X, where)
        self._check_gaps(frame, where)
        return np.asarray(self._transformer.transform(frame), dtype=np.float64)

    @property
    def n_outputs(self) -> int:
        return sum(len(self.categories_[c]) if c in self.categorical else 1 for c in self.columns)

    def output_names(self) -> list[str]:
        """'column' for numeric columns, 'column=category' for one-hot ones."""
        names: list[str] = []
        for c in self.columns:
            names += [f"{c}={v}" for v in self.categories_[c]] if c in self.categorical else [c]
        return names

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> dict[str, Any]:
        return {
            "columns": self.columns,
            "categorical": self.categorical,
            "impute": self.impute,
            "fill": {c: _plain(v) for c, v in self.fill_.items()},
            "categories": {c: [_plain(v) for v in cats] for c, cats in self.categories_.items()},
        }

    @classmethod
    def from_dict(cls, d: Any, where: str = "preprocessing.encoder") -> ColumnEncoder:
        """Rebuild from ``to_dict()``'s output; every field is validated (ValueError)."""
        _check_keys(d, ["columns", "categorical", "impute", "fill", "categories"], where)
        names = d["columns"]
        if not (isinstance(names, list) and names and all(isinstance(n, str) for n in names)):
            raise ValueError(f"{where}.columns must be a non-empty list of column names")
        cats = d["categorical"]
        if not (isinstance(cats, list) and all(isinstance(n, str) for n in cats)):
            raise ValueError(f"{where}.categorical must be a list of column names")
        if not isinstance(d["impute"], str):
            raise ValueError(f"{where}.impute must be a string")
        enc = cls(names, cats, d["impute"])
        fill, categories = d["fill"], d["categories"]
        if not isinstance(fill, dict) or not isinstance(categories, dict):
            raise ValueError(f"{where}.fill and .categories must be JSON objects")
        if set(categories) != set(cats) or not set(cats) <= set(fill):
            raise ValueError(f"{where}: every categorical column needs its categories and fill")
        numeric_filled = set(fill) - set(cats)
        if numeric_filled != (set(names) - set(cats) if d["impute"] != "none" else set()):
            raise ValueError(f"{where}.fill does not match impute={d['impute']!r}")
        for c, values in categories.items():
            ok = isinstance(values, list) and 0 < len(values) <= MAX_CATEGORIES
            if (
                not ok
                or not all(isinstance(v, str) for v in values)
                or len(set(values)) != len(values)
            ):
                raise ValueError(f"{where}.categories[{c!r}] must be distinct text categories")
            if fill[c] not in values:
                raise ValueError(f"{where}.fill[{c!r}] is not one of its categories")
        for c in numeric_filled:
            v = fill[c]
            if not (isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)):
                raise ValueError(f"{where}.fill[{c!r}] must be a finite number")
        enc.fill_ = {c: (float(v) if c not in cats else v) for c, v in fill.items()}
        enc.categories_ = {c: list(v) for c, v in categories.items()}
        enc._build()
        return enc


def _category(v: Any) -> Any:
    """A cell of a categorical column as text ("7" for 7 and 7.0 alike), NaN for a gap."""
    import pandas as pd

    if isinstance(v, str):
        return v
    if v is None or (not isinstance(v, (list, tuple)) and pd.isna(v)):
        return np.nan
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)) or (
        isinstance(v, (float, np.floating)) and float(v).is_integer()
    ):
        return str(int(v))
    return repr(float(v)) if isinstance(v, (float, np.floating)) else str(v)


def _plain(v: Any) -> Any:
    """A NumPy scalar as the Python value JSON writes."""
    return v.item() if isinstance(v, np.generic) else v


# --------------------------------------------------------------------- Preprocessor
class Preprocessor:
    """Scales features, encodes class labels (or scales targets); serialises to JSON.

    Parameters
    ----------
    scaling : {"standard", "minmax", "none"}, default "standard"
        Feature scaling (see the module docstring for the formulas).
    task : {"classification", "regression"}, default "classification"
        Classification fits a label encoder on y; regression may scale y.
    target_scaling : {"standard", "minmax", "none"}, default "none"
        Regression only: scaling of the targets (undo with ``inverse_transform_targets``).
    feature_names : sequence of str, optional
        Names of the feature columns (e.g. from ``rb.data.load_csv``), kept for prediction.

    Attributes
    ----------
    n_features_in_ : int
    scaler_ : StandardScaler, MinMaxScaler or None
    classes_ : np.ndarray or None
        The sorted class labels; index i of the model's output is ``classes_[i]``.
    target_scaler_ : StandardScaler, MinMaxScaler or None
    feature_names_ : list of str or None
    """

    def __init__(
        self,
        scaling: str = "standard",
        task: str = "classification",
        target_scaling: str = "none",
        feature_names: Sequence[str] | None = None,
        encoder: ColumnEncoder | None = None,
    ) -> None:
        make_scaler(scaling)  # validates the names
        make_scaler(target_scaling)
        if task not in TASKS:
            raise ValueError(f"unknown task {task!r}; allowed: {', '.join(map(repr, TASKS))}")
        if target_scaling != "none" and task != "regression":
            raise ValueError("target_scaling applies to task='regression' only")
        self.scaling = scaling
        self.task = task
        self.target_scaling = target_scaling
        self.feature_names = None if feature_names is None else [str(f) for f in feature_names]
        self.encoder = encoder
        if encoder is not None:
            self.feature_names = list(encoder.columns)
        self.n_features_in_: int | None = None
        self.scaler_: Any = None
        self.classes_: np.ndarray | None = None
        self.target_scaler_: Any = None

    @property
    def feature_names_(self) -> list[str] | None:
        return self.feature_names

    # ------------------------------------------------------------------ fitting
    def fit(self, X: Any, y: Any = None) -> Preprocessor:
        """Learn the feature statistics from X (and the classes or target scale from y).

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)
            The training split only.
        y : array_like, shape (n_samples,), optional
            Class labels (classification) or targets (regression).
        """
        if self.encoder is not None:
            X = self.encoder.fit(X).transform(X, "the training data")
        X = self._check_X(X, fitting=True)
        self.n_features_in_ = X.shape[1]
        self.scaler_ = make_scaler(self.scaling)
        if self.scaler_ is not None:
            self.scaler_.fit(X)
        self.classes_ = self.target_scaler_ = None
        if y is not None:
            if self.task == "classification":
                self.classes_ = np.unique(check_labels(y, name="y"))
            else:
                y = self._targets_2d(y)
                self.target_scaler_ = make_scaler(self.target_scaling)
                if self.target_scaler_ is not None:
                    self.target_scaler_.fit(y)
        return self

    def fit_transform(self, X: Any, y: Any = None) -> np.ndarray:
        """``fit(X, y).transform(X)``."""
        return self.fit(X, y).transform(X)

    # ------------------------------------------------------------------ features
    def _check_X(self, X: Any, fitting: bool = False) -> np.ndarray:
        X = np.asarray(X)
        if X.ndim != 2:
            raise ValueError(
                f"Preprocessor: X must be 2-D (n_samples, n_features), got shape {X.shape}"
            )
        if X.dtype.kind not in "fiub":
            raise ValueError(f"Preprocessor: X must be numeric, got dtype {X.dtype}")
        check_finite(X, "X", columns=self.feature_names)
        if not fitting:
            if self.n_features_in_ is None:
                raise ValueError("Preprocessor is not fitted yet; call fit(X_train) first")
            if X.shape[1] != self.n_features_in_:
                raise ValueError(
                    f"Preprocessor was fitted on {self.n_features_in_} features, X has "
                    f"{X.shape[1]} (shape {X.shape})"
                )
        elif (
            self.encoder is None
            and self.feature_names is not None
            and len(self.feature_names) != X.shape[1]
        ):
            raise ValueError(
                f"Preprocessor: {len(self.feature_names)} feature_names for X with "
                f"{X.shape[1]} columns"
            )
        return X

    def transform(self, X: Any) -> np.ndarray:
        """Scale the features with the statistics of the training split.

        Returns a float array (float64 for float64 input, else float32). With an
        ``encoder``, X holds the raw columns (``feature_names``: text, gaps) and the result
        is float32.
        """
        if self.encoder is not None:
            X = self.encoder.transform(X).astype(np.float32)
        X = self._check_X(X)
        dtype = X.dtype if X.dtype in (np.float32, np.float64) else np.dtype(np.float32)
        X = X.astype(dtype, copy=False)
        out = X if self.scaler_ is None else self.scaler_.transform(X)
        return np.ascontiguousarray(out, dtype=dtype)

    # ------------------------------------------------------------------ labels
    def _need_classes(self) -> np.ndarray:
        if self.classes_ is None:
            raise ValueError("Preprocessor has no classes; fit it with y for classification")
        return self.classes_

    def transform_labels(self, y: Any) -> np.ndarray:
        """Class labels -> indices 0..k-1 (positions in ``classes_``), int64.

        Raises ValueError naming any label that is not among ``classes_``.
        """
        classes = self._need_classes()
        y = check_labels(y, classes.tolist(), name="y")
        return np.searchsorted(classes, y).astype(np.int64)

    def inverse_transform_labels(self, indices: Any) -> np.ndarray:
        """Indices 0..k-1 (e.g. ``model(X).argmax(1)``) -> the original class labels."""
        classes = self._need_classes()
        idx = check_labels(_numpy(indices), len(classes), name="class indices").astype(np.int64)
        return classes[idx]

    def one_hot(self, y: Any) -> np.ndarray:
        """One-hot codes of the labels y: row i has a 1 in column index(y_i). float32 (n, k)."""
        from sklearn.preprocessing import OneHotEncoder

        classes = self._need_classes()
        y = check_labels(y, classes.tolist(), name="y")
        enc = OneHotEncoder(categories=[classes], sparse_output=False, dtype=np.float32)
        return enc.fit_transform(y.reshape(-1, 1))

    # ------------------------------------------------------------------ regression targets
    def _targets_2d(self, y: Any) -> np.ndarray:
        y = check_finite(np.asarray(y, dtype=np.float64), "y")
        if y.ndim not in (1, 2):
            raise ValueError(f"Preprocessor: targets must be 1-D or 2-D, got shape {y.shape}")
        return y.reshape(len(y), -1)

    def transform_targets(self, y: Any) -> np.ndarray:
        """Scale regression targets (identity for target_scaling="none"); float32, y's shape."""
        y_arr = np.asarray(y)
        out = self._targets_2d(y_arr)
        if self.target_scaler_ is not None:
            out = self.target_scaler_.transform(out)
        return out.reshape(y_arr.shape).astype(np.float32)

    def inverse_transform_targets(self, y: Any) -> np.ndarray:
        """Undo ``transform_targets`` (model outputs -> target units); float32, y's shape."""
        y_arr = np.asarray(_numpy(y))
        out = self._targets_2d(y_arr)
        if self.target_scaler_ is not None:
            out = self.target_scaler_.inverse_transform(out)
        return out.reshape(y_arr.shape).astype(np.float32)

    # ------------------------------------------------------------------ JSON
    _KEYS = (
        "version",
        "scaling",
        "task",
        "target_scaling",
        "feature_names",
        "n_features_in",
        "scaler",
        "classes",
        "target_scaler",
        "encoder",
    )

    def to_dict(self) -> dict[str, Any]:
        """Everything needed to rebuild the fitted transform, as JSON-able Python values."""
        return {
            "version": _FORMAT_VERSION,
            "scaling": self.scaling,
            "task": self.task,
            "target_scaling": self.target_scaling,
            "feature_names": self.feature_names,
            "n_features_in": self.n_features_in_,
            "scaler": _scaler_to_dict(self.scaler_),
            "classes": None if self.classes_ is None else self.classes_.tolist(),
            "target_scaler": _scaler_to_dict(self.target_scaler_),
            "encoder": None if self.encoder is None else self.encoder.to_dict(),
        }

    @classmethod
    def from_dict(cls, d: Any) -> Preprocessor:
        """Rebuild from ``to_dict()``'s output; every field is validated (ValueError)."""
        where = "preprocessing"
        if isinstance(d, dict) and "encoder" not in d:  # written before encoders existed
            d = {**d, "encoder": None}
        _check_keys(d, cls._KEYS, where)
        if d["version"] != _FORMAT_VERSION:
            raise ValueError(f"{where}.version: unsupported version {d['version']!r}")
        for k in ("scaling", "target_scaling", "task"):
            if not isinstance(d[k], str):
                raise ValueError(f"{where}.{k} must be a string, got {d[k]!r}")
        names = d["feature_names"]
        if names is not None and not (
            isinstance(names, list) and all(isinstance(n, str) for n in names)
        ):
            raise ValueError(f"{where}.feature_names must be a list of strings or null")
        encoder = None if d["encoder"] is None else ColumnEncoder.from_dict(d["encoder"])
        if encoder is not None and names != encoder.columns:
            raise ValueError(f"{where}.feature_names differ from the encoder's columns")
        pre = cls(d["scaling"], d["task"], d["target_scaling"], names, encoder)
        if d["n_features_in"] is not None:
            pre.n_features_in_ = _int(d["n_features_in"], f"{where}.n_features_in")
        pre.scaler_ = _scaler_from_dict(d["scaler"], f"{where}.scaler")
        if (pre.scaler_ is None) != (pre.scaling == "none" or pre.n_features_in_ is None):
            raise ValueError(f"{where}.scaler does not match scaling={pre.scaling!r}")
        if pre.scaler_ is not None:
            expected = {"standard": "StandardScaler", "minmax": "MinMaxScaler"}[pre.scaling]
            if (
                type(pre.scaler_).__name__ != expected
                or pre.scaler_.n_features_in_ != pre.n_features_in_
            ):
                raise ValueError(f"{where}.scaler does not match scaling / n_features_in")
        width = None if names is None else (len(names) if encoder is None else encoder.n_outputs)
        if width is not None and pre.n_features_in_ is not None and width != pre.n_features_in_:
            raise ValueError(
                f"{where}.feature_names has {width} names for {pre.n_features_in_} features"
            )
        pre.classes_ = _classes_from_json(d["classes"], f"{where}.classes")
        if pre.classes_ is not None and len(np.unique(pre.classes_)) != len(pre.classes_):
            raise ValueError(f"{where}.classes holds duplicates")
        if pre.classes_ is not None and not np.array_equal(np.sort(pre.classes_), pre.classes_):
            raise ValueError(f"{where}.classes must be sorted")
        pre.target_scaler_ = _scaler_from_dict(d["target_scaler"], f"{where}.target_scaler")
        return pre

    def to_json(self) -> str:
        """``json.dumps(self.to_dict())`` -- floats are written with full precision."""
        return json.dumps(self.to_dict(), allow_nan=False)

    @classmethod
    def from_json(cls, text: str) -> Preprocessor:
        """Rebuild from ``to_json()``'s text (ValueError for malformed or inconsistent JSON)."""
        try:
            d = json.loads(text, parse_constant=_reject_constant)
        except (json.JSONDecodeError, RecursionError, TypeError) as e:
            raise ValueError(f"preprocessing: not valid JSON: {e}") from e
        return cls.from_dict(d)

    def __repr__(self) -> str:
        fitted = "" if self.n_features_in_ is None else f", n_features_in_={self.n_features_in_}"
        classes = "" if self.classes_ is None else f", classes_={self.classes_.tolist()}"
        return f"Preprocessor(scaling={self.scaling!r}, task={self.task!r}{fitted}{classes})"


def _reject_constant(name: str) -> Any:
    raise ValueError(f"preprocessing: {name} is not allowed in JSON")
